/**
 * /boards/<boardId>/importeren — upload the list an organisation works from,
 * match its columns to the request fields, see per row what is wrong and
 * which rows look like duplicates, and import the good rows.
 *
 * The page talks to the JSON API (POST /api/boards/<id>/import, the same
 * endpoint an integration uses): a file travels as the body with its own
 * type (text/csv or XLSX), which a plain form cannot send (a form sends
 * multipart, which the API refuses as a foreign page could send it), so this
 * page needs its script. Every change of the mapping asks for a new preview
 * (a dry run); nothing is created until "Importeer".
 */
import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useCallback, useId, useMemo, useRef, useState } from "react";
import { IMPORT_FIELDS, type ImportField } from "~/board/import-map";
import type { PersonalDataKind } from "~/board/personal-data";
import { fieldLabel, kindLabel } from "~/components/board/PersonalDataWarning";
import { useToast } from "~/components/toast/ToastProvider";
import { useT, type MessageKey, type Translate } from "~/i18n";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { listCategories } from "~/board/domain";
import importCss from "~/styles/import.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: importCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Importeren · ${data.board.name} · Alliantiebord` : "Importeren · Alliantiebord" },
];

/** The top bar's language switch posts from every page: a switch the server never answered leaves this page as it is, where loading its data again would fail the same way and show the error page (app/lib/unanswered.ts). */
export { revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const categories = await svc.rooms.withDoc(board.id, (doc) => listCategories(doc).map((c) => ({ id: c.id, label: c.label })));
  return json(
    {
      board: { id: board.id, name: board.name, archived: board.archivedAt !== null },
      canImport: user.role !== "viewer",
      categories,
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** The preview shows this many rows of the chosen kind; the counts cover all. */
const SHOWN_ROWS = 200;

interface RowError {
  row: number;
  field: ImportField | "row";
  code: string;
  value?: string;
}
type Duplicate =
  | { row: number; kind: "file"; ofRow: number }
  | { row: number; kind: "board"; organisation: string; category: string; categoryLabel: string; requestId?: string };
interface Preview {
  format: "csv" | "xlsx";
  encoding?: string;
  delimiter?: string;
  headers: string[];
  mapping: Partial<Record<ImportField, string>>;
  rows: Array<{ row: number; values: Partial<Record<ImportField, string>>; ok: boolean; duplicate: boolean }>;
  errors: RowError[];
  duplicates: Duplicate[];
  unknownCategories: Array<{ value: string; rows: number }>;
  /** Personal data found: row, field and kind (never the text). */
  personalData: Array<{ row: number; field: string; kind: PersonalDataKind }>;
  counts: { rows: number; valid: number; invalid: number; duplicates: number; toImport: number; personalData: number };
}
type Failure = { error: string; row?: number; retryAfter?: number };
type Filter = "all" | "problems" | "duplicates" | "good";

function problemText(t: Translate, e: RowError): string {
  const field = e.field === "row" ? t("import.field.row") : t(`import.field.${e.field}` as MessageKey);
  if (e.field === "urgency" && e.code === "unknown") return t("import.problem.unknownUrgency");
  const key = `import.problem.${e.code}` as MessageKey;
  return t(key, { field, value: e.value ?? "" });
}

function duplicateText(t: Translate, d: Duplicate): string {
  if (d.kind === "file") return t("import.dup.file", { row: d.ofRow });
  return d.requestId ? t("import.dup.own", { category: d.categoryLabel }) : t("import.dup.board", { organisation: d.organisation, category: d.categoryLabel });
}

function failureText(t: Translate, f: Failure): string {
  const minutes = Math.max(1, Math.ceil((f.retryAfter ?? 60) / 60));
  const key = `import.error.${f.error}` as MessageKey;
  return t(key, { row: f.row ?? "?", minutes }) === key ? t("import.error.other") : t(key, { row: f.row ?? "?", minutes });
}

export default function ImportPage() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const toast = useToast();
  const ids = useId();
  const [file, setFile] = useState<{ name: string; type: string; bytes: ArrayBuffer } | null>(null);
  const [mapping, setMapping] = useState<Partial<Record<ImportField, string>> | null>(null);
  const [choices, setChoices] = useState<Record<string, string>>({});
  const [includeDuplicates, setIncludeDuplicates] = useState(false);
  /** "Toch importeren": rows holding personal data are imported too (recorded by the server). */
  const [acknowledgePersonalData, setAcknowledgePersonalData] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState<"reading" | "importing" | null>(null);
  const [done, setDone] = useState<number | null>(null);
  const [filter, setFilter] = useState<Filter>("all");
  const asked = useRef(0);

  const post = useCallback(
    async (
      f: { type: string; bytes: ArrayBuffer },
      opts: {
        dryRun: boolean;
        mapping: Partial<Record<ImportField, string>> | null;
        choices: Record<string, string>;
        includeDuplicates: boolean;
        acknowledgePersonalData?: boolean;
      },
    ) => {
      const q = new URLSearchParams();
      if (opts.dryRun) q.set("dryRun", "1");
      // Once a preview gave the mapping, every field is sent as it stands (an empty value leaves a field out).
      if (opts.mapping) for (const field of IMPORT_FIELDS) q.set(`map.${field}`, opts.mapping[field] ?? "");
      for (const [value, id] of Object.entries(opts.choices)) if (id) q.set(`category.${value}`, id);
      if (opts.includeDuplicates) q.set("duplicates", "include");
      if (opts.acknowledgePersonalData) q.set("acknowledgePersonalData", "1");
      return fetch(`/api/boards/${data.board.id}/import?${q}`, {
        method: "POST",
        headers: { "Content-Type": f.type, Accept: "application/json" },
        body: f.bytes,
        credentials: "same-origin",
      });
    },
    [data.board.id],
  );

  const runPreview = useCallback(
    async (
      f: { type: string; bytes: ArrayBuffer },
      next: { mapping: Partial<Record<ImportField, string>> | null; choices: Record<string, string>; includeDuplicates: boolean },
    ) => {
      const n = ++asked.current;
      setBusy("reading");
      setFailure(null);
      try {
        const res = await post(f, { dryRun: true, ...next });
        const body = await res.json().catch(() => ({ error: "other" }));
        if (n !== asked.current) return;
        if (res.ok) {
          setPreview(body as Preview);
          setMapping((body as Preview).mapping);
        } else {
          setPreview(null);
          setFailure({ error: body.error ?? "other", row: body.row, retryAfter: body.retryAfter });
        }
      } catch {
        if (n === asked.current) setFailure({ error: "offline" });
      } finally {
        if (n === asked.current) setBusy(null);
      }
    },
    [post],
  );

  async function onFile(input: HTMLInputElement) {
    const chosen = input.files?.[0];
    if (!chosen) return;
    const isXlsx = /\.xlsx$/i.test(chosen.name) || chosen.type === XLSX_TYPE;
    const f = { name: chosen.name, type: isXlsx ? XLSX_TYPE : "text/csv", bytes: await chosen.arrayBuffer() };
    setFile(f);
    setDone(null);
    setMapping(null);
    setChoices({});
    setFilter("all");
    setAcknowledgePersonalData(false);
    await runPreview(f, { mapping: null, choices: {}, includeDuplicates });
  }

  function changeMapping(field: ImportField, header: string) {
    const next = { ...(mapping ?? {}) };
    if (header) next[field] = header;
    else delete next[field];
    setMapping(next);
    if (file) void runPreview(file, { mapping: next, choices, includeDuplicates });
  }

  function changeChoice(value: string, id: string) {
    const next = { ...choices, [value]: id };
    setChoices(next);
    if (file) void runPreview(file, { mapping, choices: next, includeDuplicates });
  }

  function changeDuplicates(on: boolean) {
    setIncludeDuplicates(on);
    if (file) void runPreview(file, { mapping, choices, includeDuplicates: on });
  }

  async function doImport() {
    if (!file || !preview) return;
    setBusy("importing");
    setFailure(null);
    try {
      const res = await post(file, { dryRun: false, mapping, choices, includeDuplicates, acknowledgePersonalData });
      const body = await res.json().catch(() => ({ error: "other" }));
      if (res.status === 201) {
        setDone(body.created);
        setPreview(null);
        setFile(null);
        toast.success(t("import.done", { count: body.created }));
      } else {
        setFailure({ error: body.error ?? "other", row: body.row, retryAfter: body.retryAfter });
        toast.error(failureText(t, { error: body.error ?? "other", retryAfter: body.retryAfter }));
      }
    } catch {
      setFailure({ error: "offline" });
    } finally {
      setBusy(null);
    }
  }

  const problemsByRow = useMemo(() => {
    const m = new Map<number, RowError[]>();
    for (const e of preview?.errors ?? []) m.set(e.row, [...(m.get(e.row) ?? []), e]);
    return m;
  }, [preview]);
  const duplicatesByRow = useMemo(() => {
    const m = new Map<number, Duplicate[]>();
    for (const d of preview?.duplicates ?? []) m.set(d.row, [...(m.get(d.row) ?? []), d]);
    return m;
  }, [preview]);
  const filtered = useMemo(() => {
    const rows = preview?.rows ?? [];
    if (filter === "problems") return rows.filter((r) => !r.ok);
    if (filter === "duplicates") return rows.filter((r) => r.duplicate);
    if (filter === "good") return rows.filter((r) => r.ok && !r.duplicate);
    return rows;
  }, [preview, filter]);
  const mappedFields = IMPORT_FIELDS.filter((f) => mapping?.[f] !== undefined);
  const personalByRow = useMemo(() => {
    const m = new Map<number, Preview["personalData"]>();
    for (const f of preview?.personalData ?? []) m.set(f.row, [...(m.get(f.row) ?? []), f]);
    return m;
  }, [preview]);
  const personalText = (found: Preview["personalData"]) =>
    found.map((f) => `${fieldLabel(t, f.field)} (${kindLabel(t, f.kind)})`).join(", ");
  // Rows that would be imported and hold personal data: the import needs "Toch importeren" first.
  const personalRowsToImport = (preview?.rows ?? []).filter((r) => r.ok && (includeDuplicates || !r.duplicate) && personalByRow.has(r.row));

  const blocked = !data.canImport ? t("import.viewer") : data.board.archived ? t("import.archived") : null;
  const count = preview?.counts.toImport ?? 0;

  return (
    <main id="main" className="page import-page">
      <p>
        <Link to={`/boards/${data.board.id}`}>← {t("import.back")}</Link>
      </p>
      <h1>{t("import.title", { board: data.board.name })}</h1>
      <p className="muted">{t("import.intro")}</p>
      <p className="alert info small">{t("import.privacy")}</p>
      <p className="import-export">
        {t("import.exportHint")}{" "}
        <a href={`/api/boards/${data.board.id}/export.csv`} download data-testid="export-csv">
          {t("export.csv")}
        </a>
      </p>

      {blocked ? (
        <p className="alert error" role="alert">
          {blocked}
        </p>
      ) : (
        <section className="card-panel import-upload" aria-labelledby={`${ids}-file`}>
          <label id={`${ids}-file`} htmlFor={`${ids}-input`} className="import-label">
            {t("import.file")}
          </label>
          <input
            id={`${ids}-input`}
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => void onFile(e.currentTarget)}
            data-testid="import-file"
          />
          {busy === "reading" ? (
            <p className="muted" role="status">
              {t("import.reading")}
            </p>
          ) : null}
          {failure ? (
            <p className="alert error" role="alert" data-testid="import-failure">
              {failureText(t, failure)}
            </p>
          ) : null}
          {done !== null ? (
            <p className="alert info" role="status" data-testid="import-done">
              {t("import.done", { count: done })} <Link to={`/boards/${data.board.id}`}>{t("import.toBoard")}</Link>
            </p>
          ) : null}
        </section>
      )}

      {preview && !blocked ? (
        <>
          <section className="card-panel" aria-labelledby={`${ids}-map`}>
            <h2 id={`${ids}-map`}>{t("import.mapping")}</h2>
            <p className="muted">{t("import.mappingHelp")}</p>
            <div className="import-mapping">
              {IMPORT_FIELDS.map((f) => (
                <label key={f} className="import-map-field">
                  <span>{t(`import.field.${f}` as MessageKey)}</span>
                  <select value={mapping?.[f] ?? ""} onChange={(e) => changeMapping(f, e.currentTarget.value)} data-testid={`map-${f}`}>
                    <option value="">{t("import.unused")}</option>
                    {preview.headers.map((h, i) =>
                      h ? (
                        <option key={`${h}-${i}`} value={h}>
                          {h}
                        </option>
                      ) : null,
                    )}
                  </select>
                </label>
              ))}
            </div>
            {preview.unknownCategories.length ? (
              <div className="import-categories">
                <h3>{t("import.categories")}</h3>
                <p className="muted">{t("import.categoriesHelp")}</p>
                {preview.unknownCategories.map((u) => (
                  <label key={u.value} className="import-map-field">
                    <span>{t("import.categoryRows", { value: u.value, rows: u.rows })}</span>
                    <select value={choices[u.value] ?? ""} onChange={(e) => changeChoice(u.value, e.currentTarget.value)} data-testid="category-choice">
                      <option value="">{t("import.categorySkip")}</option>
                      {data.categories.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.label}
                        </option>
                      ))}
                    </select>
                  </label>
                ))}
              </div>
            ) : null}
          </section>

          <section className="card-panel" aria-labelledby={`${ids}-preview`}>
            <h2 id={`${ids}-preview`}>{t("import.preview")}</h2>
            <p data-testid="import-summary">
              <strong>
                {t("import.summary", {
                  rows: preview.counts.rows,
                  valid: preview.counts.valid,
                  invalid: preview.counts.invalid,
                  duplicates: preview.counts.duplicates,
                })}
              </strong>{" "}
              <span className="muted small">
                {t("import.file.info", {
                  format: preview.format.toUpperCase(),
                  encoding: preview.encoding ?? "xlsx",
                  delimiter: preview.delimiter === "\t" ? "tab" : (preview.delimiter ?? "-"),
                })}
              </span>
            </p>
            <div className="import-actions">
              <label className="import-check">
                <input type="checkbox" checked={includeDuplicates} onChange={(e) => changeDuplicates(e.currentTarget.checked)} data-testid="include-duplicates" />{" "}
                {t("import.includeDuplicates")}
              </label>
              <button
                type="button"
                className="button"
                disabled={count === 0 || busy !== null || (personalRowsToImport.length > 0 && !acknowledgePersonalData)}
                onClick={() => void doImport()}
                data-testid="import-submit"
              >
                {busy === "importing" ? t("import.submitting") : t("import.submit", { count })}
              </button>
            </div>
            {personalByRow.size ? (
              <div className="pd-warning" data-testid="import-personal-data">
                <p className="pd-warning-title">{t("pd.import.heading", { count: personalByRow.size })}</p>
                <ul>
                  {[...personalByRow.entries()].slice(0, 20).map(([row, found]) => (
                    <li key={row}>{t("pd.import.row", { row, items: personalText(found) })}</li>
                  ))}
                </ul>
                <p className="small">{t("pd.import.advice")}</p>
                {personalRowsToImport.length ? (
                  <label className="import-check">
                    <input
                      type="checkbox"
                      checked={acknowledgePersonalData}
                      onChange={(e) => setAcknowledgePersonalData(e.currentTarget.checked)}
                      data-testid="acknowledge-personal-data"
                    />{" "}
                    {t("pd.import.acknowledge")}
                  </label>
                ) : null}
              </div>
            ) : null}
            <label className="import-filter">
              {t("import.filter")}{" "}
              <select value={filter} onChange={(e) => setFilter(e.currentTarget.value as Filter)} data-testid="import-filter">
                <option value="all">{t("import.filter.all")}</option>
                <option value="problems">{t("import.filter.problems")}</option>
                <option value="duplicates">{t("import.filter.duplicates")}</option>
                <option value="good">{t("import.filter.good")}</option>
              </select>
            </label>
            <div className="table-scroll">
              <table className="admin-table import-table" data-testid="import-preview">
                <caption className="visually-hidden">{t("import.preview")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("import.field.row")}</th>
                    {mappedFields.map((f) => (
                      <th key={f} scope="col">
                        {t(`import.field.${f}` as MessageKey)}
                      </th>
                    ))}
                    <th scope="col">{t("import.problems")}</th>
                  </tr>
                </thead>
                <tbody>
                  {filtered.slice(0, SHOWN_ROWS).map((r) => {
                    const problems = problemsByRow.get(r.row) ?? [];
                    const dups = duplicatesByRow.get(r.row) ?? [];
                    const personal = personalByRow.get(r.row) ?? [];
                    const state = !r.ok ? "bad" : r.duplicate ? "dup" : "good";
                    return (
                      <tr key={r.row} className={`import-row ${state}`} data-row={r.row} data-state={state}>
                        <td className="import-rownum">
                          {t("import.field.row")} {r.row}
                        </td>
                        {mappedFields.map((f) => (
                          <td key={f} data-label={t(`import.field.${f}` as MessageKey)}>
                            {r.values[f] ? <span className="import-value">{r.values[f]}</span> : <span className="muted">–</span>}
                          </td>
                        ))}
                        <td data-label={t("import.problems")} className="import-notes">
                          {problems.length === 0 && dups.length === 0 && personal.length === 0 ? <span className="import-ok">{t("import.ok")}</span> : null}
                          {problems.length || dups.length || personal.length ? (
                            <ul>
                              {problems.map((p, i) => (
                                <li key={`p${i}`} className="import-problem">
                                  {problemText(t, p)}
                                </li>
                              ))}
                              {dups.map((d, i) => (
                                <li key={`d${i}`} className="import-dup">
                                  {duplicateText(t, d)}
                                </li>
                              ))}
                              {personal.length ? (
                                <li className="import-problem" data-testid="import-row-personal-data">
                                  {t("pd.import.note", { items: personalText(personal) })}
                                </li>
                              ) : null}
                            </ul>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {filtered.length > SHOWN_ROWS ? <p className="muted small">{t("import.shown", { shown: SHOWN_ROWS, total: filtered.length })}</p> : null}
          </section>
        </>
      ) : null}
    </main>
  );
}
