/**
 * A job's places in its card dialog (issue 15): "4 van 6 plaatsen", who takes
 * part (with "Plaats vrijgeven"), the suggestions with their reasons to tick
 * and add several at once, and "Klaar" (who came moves on together; untick
 * who did not). All through the JSON API; the server decides and mirrors the
 * result into the board, so every browser sees it. For a request that joined
 * a job: one line naming it, with a link that opens the job.
 *
 * Contains no <form>: it may sit inside the card's edit form.
 */
import { useCallback, useEffect, useId, useState } from "react";
import { Link } from "@remix-run/react";
import type * as Y from "yjs";
import { getCard } from "~/board/domain";
import { firstColumnOf } from "~/board/stages";
import type { CardView, ColumnView } from "~/board/types";
import { useT, useLocale, type MessageKey, type Translate } from "~/i18n";
import { columnLabel } from "../labels";
import { LEVEL_KEYS, jobWhen, placesText } from "./labels";

interface JobJson {
  id: string;
  places: number;
  filled: string[];
  left: number;
  doneAt: number | null;
  mayFill: boolean;
  organisation: { id: string; name: string } | null;
}

interface SuggestionJson {
  requestId: string;
  reasons: string[];
  warnings: string[];
}

interface ErrorJson {
  error?: string;
  left?: number;
}

async function call<T>(url: string, init?: { method: string; body?: unknown }): Promise<{ ok: boolean; body: T & ErrorJson }> {
  const res = await fetch(url, {
    method: init?.method ?? "GET",
    headers: init?.body !== undefined ? { Accept: "application/json", "Content-Type": "application/json" } : { Accept: "application/json" },
    credentials: "same-origin",
    body: init?.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const body = (await res.json().catch(() => ({}))) as T & ErrorJson;
  return { ok: res.ok, body };
}

function failure(t: Translate, e: ErrorJson): string {
  if (e.error === "not_enough_places") return t("job.fill.notEnough", { left: e.left ?? 0 });
  if (e.error === "in_a_job") return t("job.fill.inAJob");
  if (e.error === "held_elsewhere") return t("job.fill.heldElsewhere");
  if (e.error === "job_done") return t("job.done.is");
  return t("job.fill.failed");
}

/** The line on a request that joined a job. */
export function JoinedJobLine({ card, doc, boardId }: { card: CardView; doc: Y.Doc | null; boardId: string }) {
  const t = useT();
  if (!card.job || card.kind !== "request") return null;
  const job = doc ? getCard(doc, card.job) : null;
  return (
    <p className="job-joined" data-testid="job-joined">
      {t("job.joined", { title: job?.title ?? "…" })}{" "}
      <Link to={`/boards/${encodeURIComponent(boardId)}?kaart=${encodeURIComponent(card.job)}`} replace>
        {t("job.openJob")}
      </Link>
    </p>
  );
}

export function JobSection({
  card,
  doc,
  boardId,
  columns,
  onNotice,
}: {
  card: CardView;
  doc: Y.Doc | null;
  boardId: string;
  columns: ColumnView[];
  onNotice: (message: string) => void;
}) {
  const t = useT();
  const locale = useLocale();
  const headingId = useId();
  const base = `/api/boards/${encodeURIComponent(boardId)}/jobs/${encodeURIComponent(card.id)}`;
  const [job, setJob] = useState<JobJson | null>(null);
  const [suggestions, setSuggestions] = useState<SuggestionJson[] | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [absent, setAbsent] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Asked again whenever the card's count changes (this browser's change or anyone else's).
  const load = useCallback(() => {
    void call<JobJson>(base).then((r) => r.ok && setJob(r.body));
    void call<{ suggestions: SuggestionJson[] }>(`${base}/suggestions`).then((r) => setSuggestions(r.ok ? r.body.suggestions : []));
  }, [base]);
  useEffect(load, [load, card.filled, card.column]);

  const title = (id: string) => (doc ? getCard(doc, id)?.title : undefined) ?? id.slice(0, 8);
  const done = firstColumnOf(columns, "done");

  const run = async (what: () => Promise<{ ok: boolean; body: ErrorJson }>, success: (body: unknown) => string) => {
    setBusy(true);
    setError(null);
    try {
      const r = await what();
      if (r.ok) {
        onNotice(success(r.body));
        setPicked(new Set());
        setAbsent(new Set());
      } else setError(failure(t, r.body));
    } catch {
      setError(t("job.fill.failed"));
    } finally {
      setBusy(false);
      load();
    }
  };

  const fill = () =>
    run(
      () => call(`${base}/places`, { method: "POST", body: { requestIds: [...picked] } }),
      () => t("job.fill.saved", { n: picked.size }),
    );
  const free = (id: string) =>
    run(
      () => call(`${base}/places/${encodeURIComponent(id)}`, { method: "DELETE" }),
      () => t("job.freed", { title: title(id) }),
    );
  const finish = () =>
    run(
      () => call(`${base}/done`, { method: "POST", body: { attended: (job?.filled ?? []).filter((id) => !absent.has(id)) } }),
      (b) => t("job.done.saved", { n: ((b as { moved?: string[] }).moved ?? []).filter((id) => id !== card.id).length }),
    );

  const canFill = !!job?.mayFill && job.doneAt === null;
  const level = card.languageLevel && card.languageLevel !== "none" ? card.languageLevel : null;
  return (
    <section className="job-section" aria-labelledby={headingId} data-testid="job-section">
      <h3 id={headingId} className="small-heading">
        {t("job.section.title")}
      </h3>
      <p className="job-places">
        <progress max={Math.max(1, card.places)} value={Math.min(card.filled, card.places)} aria-hidden="true" />
        <strong className="job-places-text" data-testid="job-dialog-places">
          {placesText(t, card)}
        </strong>
        {card.at ? <span className="job-when">{jobWhen(t, locale, card)}</span> : null}
        {level ? <span>{t("job.asksLevel", { level: t(LEVEL_KEYS[level] as MessageKey) })}</span> : null}
        {card.physical ? <span>{t("job.physical")}</span> : null}
        {card.asks ? <span>{card.asks}</span> : null}
      </p>
      {job?.doneAt ? <p className="muted small">{t("job.done.is")}</p> : null}

      <h4 className="small-heading">{t("job.members.title")}</h4>
      {!job || job.filled.length === 0 ? (
        <p className="muted small">{t("job.members.none")}</p>
      ) : (
        <ul className="job-list" data-testid="job-members">
          {job.filled.map((id) => (
            <li key={id}>
              {canFill ? (
                <label>
                  <input
                    type="checkbox"
                    checked={!absent.has(id)}
                    onChange={(e) => setAbsent((s) => {
                      const next = new Set(s);
                      if (e.target.checked) next.delete(id);
                      else next.add(id);
                      return next;
                    })}
                    data-testid="job-attended"
                  />
                  <span>{title(id)}</span>
                </label>
              ) : (
                <span>{title(id)}</span>
              )}
              {canFill ? (
                <button type="button" className="button secondary small" disabled={busy} onClick={() => void free(id)}>
                  {t("job.free")}
                  <span className="visually-hidden"> {t("job.freeNamed", { title: title(id) })}</span>
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canFill && job && job.filled.length > 0 && done ? (
        <div className="job-done">
          <p className="small">{t(card.recurrence === "weekly" ? "job.done.helpWeekly" : "job.done.help", { column: columnLabel(t, done) })}</p>
          <button type="button" className="button secondary" disabled={busy} onClick={() => void finish()} data-testid="job-done">
            {t("job.done.submit")}
          </button>
        </div>
      ) : null}

      {error ? (
        <p className="alert error small" role="alert" data-testid="job-error">
          {error}
        </p>
      ) : null}

      {canFill ? (
        job.left === 0 ? (
          <p className="muted small">{t("job.fill.full")}</p>
        ) : (
          <>
            <h4 className="small-heading">{t("job.fill.heading")}</h4>
            {suggestions === null ? (
              <p className="muted small">{t("job.fill.loading")}</p>
            ) : suggestions.length === 0 ? (
              <p className="muted small">{t("job.fill.none")}</p>
            ) : (
              <>
                <p className="muted small">{t("job.fill.help")}</p>
                <ul className="job-list" data-testid="job-suggestions">
                  {suggestions.map((s) => (
                    <li key={s.requestId} data-testid="job-suggestion">
                      <label>
                        <input
                          type="checkbox"
                          checked={picked.has(s.requestId)}
                          onChange={(e) => setPicked((p) => {
                            const next = new Set(p);
                            if (e.target.checked) next.add(s.requestId);
                            else next.delete(s.requestId);
                            return next;
                          })}
                        />
                        <span>{title(s.requestId)}</span>
                      </label>
                      <ul className="job-reasons">
                        {s.reasons.map((r) => (
                          <li key={r}>{t(`job.reason.${r}` as MessageKey)}</li>
                        ))}
                        {s.warnings.map((w) => (
                          <li key={w} className="warn">
                            {t(`job.warning.${w}` as MessageKey)}
                          </li>
                        ))}
                      </ul>
                    </li>
                  ))}
                </ul>
                <button type="button" className="button" disabled={busy || picked.size === 0} onClick={() => void fill()} data-testid="job-fill">
                  {t("job.fill.submit", { n: picked.size })}
                </button>
              </>
            )}
          </>
        )
      ) : job && !job.mayFill && job.doneAt === null ? (
        <p className="muted small">{t("job.mayNotFill", { org: job.organisation?.name ?? "" })}</p>
      ) : null}
    </section>
  );
}
