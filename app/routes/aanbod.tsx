/**
 * /aanbod — what an organisation can offer, per category ("5 taalmaatjes
 * vrij", area optional). Members edit their own organisation's offers;
 * coordinators may pick any organisation of the alliance (?organisatie=).
 * Viewers have no access. Saving replaces the whole list (setOffers), which
 * the overview's capacity chart and the matching in the card dialog read.
 */
import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useEffect, useMemo, useRef, useState } from "react";
import { categoryLabel } from "~/components/board/labels";
import { fieldError, useT, type Translate } from "~/i18n";
import { requireUser } from "~/services/auth.server";
import { allianceCategories, organisationsFor } from "~/services/boards.server";
import { services } from "~/services/context.server";
import { getOffers, setOffers } from "~/services/overview.server";
import overviewCss from "~/styles/overview.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: overviewCss }];

export const meta: MetaFunction = () => [{ title: "Aanbod · Alliantiebord" }];

const MAX_ROWS = 50;
/** The select's value for "another category" (a free code typed next to it). */
const OTHER = "__anders";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  if (user.role === "viewer") throw new Response("Forbidden", { status: 403 });
  const organisations = (await organisationsFor(svc, user)).map((o) => ({ id: o.id, name: o.name, shortName: o.shortName }));
  const asked = new URL(request.url).searchParams.get("organisatie");
  const isCoordinator = user.role === "coordinator";
  const orgId = asked && isCoordinator && organisations.some((o) => o.id === asked) ? asked : user.organisationId;
  const organisation = organisations.find((o) => o.id === orgId) ?? {
    id: user.organisationId,
    name: user.organisationName,
    shortName: user.organisationShortName,
  };
  const offers = ((await getOffers(svc, user, orgId)) ?? []).map((o) => ({
    category: o.category,
    label: o.label,
    capacity: o.capacity,
    area: o.area ?? "",
  }));
  // Offers are per category id, whichever board a request is on: every active board's categories.
  const categories = await allianceCategories(svc, user);
  return json(
    { organisation, organisations: isCoordinator ? organisations : [], isCoordinator, offers, categories },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

interface Row {
  category: string;
  categoryOther: string;
  label: string;
  capacity: string;
  area: string;
}

interface ActionResult {
  ok: boolean;
  saved?: number;
  organisation?: string;
  error?: string;
  fields?: Record<string, string>;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const form = await request.formData();
  const orgId = String(form.get("organisationId") ?? "");
  const count = Math.min(MAX_ROWS, Math.max(0, Math.floor(Number(form.get("count")) || 0)));
  const offers = [];
  for (let i = 0; i < count; i++) {
    const get = (k: string) => String(form.get(`offers.${i}.${k}`) ?? "");
    const chosen = get("category");
    const capacity = get("capacity").trim();
    offers.push({
      category: chosen === OTHER ? get("categoryOther") : chosen,
      label: get("label"),
      capacity: capacity === "" ? Number.NaN : Number(capacity),
      area: get("area"),
    });
  }
  const res = await setOffers(svc, user, orgId, { offers });
  if (!res.ok) {
    return json<ActionResult>({ ok: false, error: res.error, fields: res.fields ?? {} }, { status: res.status });
  }
  return json<ActionResult>({ ok: true, saved: res.offers.length, organisation: orgId });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

function toRows(offers: Array<{ category: string; label: string; capacity: number; area: string }>, known: Set<string>): Row[] {
  return offers.map((o) => ({
    category: known.has(o.category) ? o.category : OTHER,
    categoryOther: known.has(o.category) ? "" : o.category,
    label: o.label,
    capacity: String(o.capacity),
    area: o.area,
  }));
}

function rowError(t: Translate, code: string | undefined): string | undefined {
  if (!code) return undefined;
  return code === "range" ? t("offer.error.range") : fieldError(t, code);
}

export default function OffersPage() {
  const data = useLoaderData<typeof loader>();
  const result = useAnsweredActionData<typeof action>().result as ActionResult | undefined;
  const nav = useNavigation();
  const t = useT();
  const known = useMemo(() => new Set(data.categories.map((c) => c.id)), [data.categories]);
  const emptyRow = (): Row => ({ category: data.categories[0]?.id ?? OTHER, categoryOther: "", label: "", capacity: "", area: "" });

  // Start again from the server's list whenever that changes (saved, another organisation).
  const serverKey = JSON.stringify([data.organisation.id, data.offers]);
  const [rows, setRows] = useState<Row[]>(() => toRows(data.offers, known));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const keys = useRef(0);
  const [rowKeys, setRowKeys] = useState<number[]>(() => data.offers.map(() => keys.current++));
  useEffect(() => {
    setRows(toRows(data.offers, known));
    setRowKeys(data.offers.map(() => keys.current++));
    setErrors({});
  }, [serverKey]);
  useEffect(() => {
    setErrors(result && !result.ok ? result.fields ?? {} : {});
  }, [result]);

  const tableRef = useRef<HTMLTableElement>(null);
  useEffect(() => {
    if (Object.keys(errors).length) tableRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [errors]);

  const update = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const add = () => {
    setRows((rs) => [...rs, emptyRow()]);
    setRowKeys((ks) => [...ks, keys.current++]);
    setErrors({});
    requestAnimationFrame(() => {
      const selects = tableRef.current?.querySelectorAll<HTMLSelectElement>("select[data-col=category]");
      selects?.[selects.length - 1]?.focus();
    });
  };
  const remove = (i: number) => {
    setRows((rs) => rs.filter((_, j) => j !== i));
    setRowKeys((ks) => ks.filter((_, j) => j !== i));
    setErrors({});
  };
  const busy = nav.state === "submitting";
  const general =
    result && !result.ok && !Object.keys(result.fields ?? {}).length
      ? result.error === "forbidden"
        ? t("offer.error.forbidden")
        : t("offer.error.generic")
      : null;

  return (
    <main id="main" className="page overview-page offers-page" data-testid="offers">
      <h1>{t("offer.title", { org: data.organisation.name })}</h1>
      <p className="muted">{t("offer.intro")}</p>

      {data.isCoordinator ? (
        <Form method="get" className="inline-row offers-pick">
          <label htmlFor="offers-org">{t("offer.pickOrg")}</label>
          <select id="offers-org" name="organisatie" defaultValue={data.organisation.id} key={data.organisation.id}>
            {data.organisations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
          <button type="submit" className="button secondary small">
            {t("offer.pickSubmit")}
          </button>
        </Form>
      ) : null}

      {result?.ok ? (
        <p className="alert info" role="status" data-testid="offers-saved">
          {t("offer.saved", { count: result.saved ?? 0 })}
        </p>
      ) : null}
      {general ? (
        <p className="alert error" role="alert">
          {general}
        </p>
      ) : null}
      {Object.keys(errors).length ? (
        <p className="alert error" role="alert">
          {t("offer.error.fields")}
        </p>
      ) : null}

      <Form method="post" className="card-panel" noValidate>
        <input type="hidden" name="organisationId" value={data.organisation.id} />
        <input type="hidden" name="count" value={rows.length} />
        {rows.length === 0 ? <p className="muted">{t("offer.empty")}</p> : null}
        <div className="table-scroll">
          <table className="ov-table offers-table" ref={tableRef} data-testid="offers-table" hidden={rows.length === 0}>
            <caption className="visually-hidden">{t("offer.caption", { org: data.organisation.name })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("offer.category")}</th>
                <th scope="col">{t("offer.label")}</th>
                <th scope="col">{t("offer.capacity")}</th>
                <th scope="col">{t("offer.area")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("offer.remove")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => {
                const n = i + 1;
                const err = (k: string) => rowError(t, errors[`${i}.${k}`]);
                const cell = (k: string) => {
                  const e = err(k);
                  return { id: `offer-${i}-${k}`, invalid: e ? true : undefined, describedBy: e ? `offer-${i}-${k}-error` : undefined, e };
                };
                const cat = cell("category");
                const label = cell("label");
                const cap = cell("capacity");
                const area = cell("area");
                const errorText = (c: ReturnType<typeof cell>) =>
                  c.e ? (
                    <span className="field-error" id={c.describedBy}>
                      {c.e}
                    </span>
                  ) : null;
                return (
                  <tr key={rowKeys[i] ?? i} data-testid="offer-row">
                    <td data-label={t("offer.category")}>
                      <label className="visually-hidden" htmlFor={cat.id}>
                        {t("offer.category")} ({t("offer.row", { n })})
                      </label>
                      <select
                        id={cat.id}
                        name={`offers.${i}.category`}
                        value={r.category}
                        onChange={(e) => update(i, { category: e.target.value })}
                        aria-invalid={r.category !== OTHER ? cat.invalid : undefined}
                        aria-describedby={r.category !== OTHER ? cat.describedBy : undefined}
                        data-col="category"
                      >
                        {data.categories.map((c) => (
                          <option key={c.id} value={c.id}>
                            {categoryLabel(t, c)}
                          </option>
                        ))}
                        <option value={OTHER}>{t("offer.categoryOther")}</option>
                      </select>
                      {r.category === OTHER ? (
                        <>
                          <label className="visually-hidden" htmlFor={`${cat.id}-other`}>
                            {t("offer.categoryCode")} ({t("offer.row", { n })})
                          </label>
                          <input
                            id={`${cat.id}-other`}
                            type="text"
                            name={`offers.${i}.categoryOther`}
                            value={r.categoryOther}
                            onChange={(e) => update(i, { categoryOther: e.target.value })}
                            placeholder={t("offer.categoryCodePlaceholder")}
                            maxLength={40}
                            aria-invalid={cat.invalid}
                            aria-describedby={cat.describedBy}
                            className="offers-other"
                          />
                        </>
                      ) : null}
                      {errorText(cat)}
                    </td>
                    <td data-label={t("offer.label")}>
                      <label className="visually-hidden" htmlFor={label.id}>
                        {t("offer.label")} ({t("offer.row", { n })})
                      </label>
                      <input
                        id={label.id}
                        type="text"
                        name={`offers.${i}.label`}
                        value={r.label}
                        onChange={(e) => update(i, { label: e.target.value })}
                        maxLength={80}
                        placeholder={t("offer.labelPlaceholder")}
                        aria-invalid={label.invalid}
                        aria-describedby={label.describedBy}
                      />
                      {errorText(label)}
                    </td>
                    <td className="offers-capacity" data-label={t("offer.capacity")}>
                      <label className="visually-hidden" htmlFor={cap.id}>
                        {t("offer.capacity")} ({t("offer.row", { n })})
                      </label>
                      <input
                        id={cap.id}
                        type="number"
                        inputMode="numeric"
                        min={0}
                        max={9999}
                        step={1}
                        name={`offers.${i}.capacity`}
                        value={r.capacity}
                        onChange={(e) => update(i, { capacity: e.target.value })}
                        aria-invalid={cap.invalid}
                        aria-describedby={cap.describedBy}
                      />
                      {errorText(cap)}
                    </td>
                    <td data-label={t("offer.area")}>
                      <label className="visually-hidden" htmlFor={area.id}>
                        {t("offer.area")} ({t("offer.row", { n })})
                      </label>
                      <input
                        id={area.id}
                        type="text"
                        name={`offers.${i}.area`}
                        value={r.area}
                        onChange={(e) => update(i, { area: e.target.value })}
                        maxLength={60}
                        aria-invalid={area.invalid}
                        aria-describedby={area.describedBy}
                      />
                      {errorText(area)}
                    </td>
                    <td>
                      <button type="button" className="button secondary small" onClick={() => remove(i)} data-testid="offer-remove">
                        {t("offer.remove")}
                        <span className="visually-hidden"> ({t("offer.row", { n })})</span>
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div className="offers-actions">
          <button type="button" className="button secondary" onClick={add} disabled={rows.length >= MAX_ROWS} data-testid="offer-add">
            {t("offer.add")}
          </button>
          <button type="submit" className="button" disabled={busy} data-testid="offers-save">
            {busy ? t("offer.saving") : t("offer.save")}
          </button>
        </div>
      </Form>
    </main>
  );
}
