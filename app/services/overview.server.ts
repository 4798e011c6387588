/**
 * The coordinator's overview, the report for the municipality, offers and
 * matching: the SQL facts and the live document fed to the pure computations
 * in app/board/overview.ts.
 */
import { randomUUID } from "node:crypto";
import { listOrganisations } from "../../db/accounts";
import { movesInto } from "../../db/activity";
import { listOffers, offersOf, replaceOffers, requestFacts } from "../../db/offers";
import { getCard, readBoard } from "../board/domain";
import { doneArrivals, overview, report, stageLookup, type RequestFact } from "../board/overview";
import { placesReport, type ReportJob, type ReportPlace } from "../board/job-report";
import type { CardView } from "../board/types";
import { teamsWithActingOrganisations } from "../../db/teams";
import { jobsOfBoardForReport, placesOfBoardForReport } from "../../db/job-report";
import { columnsOf, isActiveStage } from "../board/stages";
import { cleanText, slugify } from "../board/validate";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

async function inputs(svc: AppServices, user: SessionUser, board: BoardRow) {
  const snapshot = await svc.rooms.withDoc(board.id, (doc) => readBoard(doc));
  // Done: the first move into any column whose stage is done, wherever it stands on the board.
  const doneIds = columnsOf(snapshot.columns, "done").map((c) => c.id);
  const arrivals = doneArrivals(await movesInto(svc.async, board.id, doneIds), snapshot.columns);
  const facts = new Map<string, RequestFact>(
    (await requestFacts(svc.async, board.id)).map((f) => [
      f.id,
      {
        createdByOrgId: f.createdByOrgId,
        ownerOrgId: f.ownerOrgId,
        createdAt: f.createdAt,
        firstClaimAt: f.firstClaimAt,
        doneAt: arrivals.get(f.id) ?? null,
        mergedInto: f.mergedInto,
      },
    ]),
  );
  const organisations = await listOrganisations(svc.async, user.allianceId);
  return { snapshot, facts, organisations };
}

export async function boardOverview(svc: AppServices, user: SessionUser, board: BoardRow, staleDays = 14) {
  const { snapshot, facts, organisations } = await inputs(svc, user, board);
  const offers = await listOffers(svc.async, user.allianceId);
  return {
    overview: overview({
      now: svc.now(),
      columns: snapshot.columns,
      categories: snapshot.categories,
      // Requests only: volunteer jobs are counted by the places report.
      cards: snapshot.cards.filter((c) => c.kind !== "job"),
      facts,
      organisations,
      offers,
      staleDays,
    }),
    columns: snapshot.columns,
    categories: snapshot.categories,
    organisations: organisations.map((o) => ({ id: o.id, shortName: o.shortName, color: o.color })),
    offers,
  };
}

/** "Open longer than N days" (overview) and "stil" (since the last meeting) unless asked otherwise. */
export const DEFAULT_STALE_DAYS = 14;

/** `?ouderDan=` as whole days 1–365; anything else is the default. */
export function staleDaysParam(raw: string | null): number {
  const n = Number(raw);
  if (!raw || !Number.isFinite(n) || n < 1) return DEFAULT_STALE_DAYS;
  return Math.min(365, Math.round(n));
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parsePeriod(fromRaw: string | null, toRaw: string | null, now: number) {
  const to = toRaw && DATE.test(toRaw) ? Date.parse(`${toRaw}T00:00:00Z`) + 86400_000 : now;
  const from = fromRaw && DATE.test(fromRaw) ? Date.parse(`${fromRaw}T00:00:00Z`) : to - 90 * 86400_000;
  if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) return null;
  if (to - from > 3 * 366 * 86400_000) return null;
  return { from, to };
}

export async function boardReport(svc: AppServices, user: SessionUser, board: BoardRow, period: { from: number; to: number }) {
  const { snapshot, facts, organisations } = await inputs(svc, user, board);
  const base = report({
    now: svc.now(),
    columns: snapshot.columns,
    categories: snapshot.categories,
    // Requests only: volunteer jobs are counted by the places report.
    cards: snapshot.cards.filter((c) => c.kind !== "job"),
    facts,
    organisations,
    ...period,
  });
  const teams = await teamsWithActingOrganisations(svc.async, user.allianceId);
  const jobs = await jobsForReport(svc, board.id, snapshot.cards);
  return { ...base, places: placesReport({ ...jobs, teams, categories: snapshot.categories, ...period }) };
}

/** The board's jobs (their category, date and recurrence from the document, the rest from SQL) and every place they had. */
async function jobsForReport(svc: AppServices, boardId: string, cards: readonly CardView[]): Promise<{ jobs: ReportJob[]; places: ReportPlace[] }> {
  const byId = new Map(cards.map((c) => [c.id, c]));
  const jobs: ReportJob[] = [];
  for (const j of await jobsOfBoardForReport(svc.async, boardId)) {
    const card = byId.get(j.id);
    if (!card) continue;
    jobs.push({ ...j, category: card.category, at: card.at, recurrence: card.recurrence === "weekly" ? "weekly" : "once" });
  }
  return { jobs, places: await placesOfBoardForReport(svc.async, boardId) };
}

// ---------------------------------------------------------------- offers

export type OffersResult =
  | { ok: true; offers: Awaited<ReturnType<typeof offersOf>> }
  | { ok: false; status: number; error: string; message: string; fields?: Record<string, string> };

/** Replace an organisation's offers: its own members or a coordinator of the alliance. */
export async function setOffers(svc: AppServices, user: SessionUser, orgId: string, body: unknown): Promise<OffersResult> {
  const org = (await listOrganisations(svc.async, user.allianceId)).find((o) => o.id === orgId);
  if (!org) return { ok: false, status: 404, error: "not_found", message: "No such organisation in your alliance." };
  if (user.role === "viewer" || (user.organisationId !== orgId && user.role !== "coordinator")) {
    return { ok: false, status: 403, error: "forbidden", message: "Only the organisation itself or a coordinator may change its offers." };
  }
  const raw = Array.isArray(body) ? body : (body as { offers?: unknown })?.offers;
  if (!Array.isArray(raw) || raw.length > 50) {
    return { ok: false, status: 400, error: "bad_request", message: "Send { offers: [{ category, label, capacity, area? }] } (at most 50)." };
  }
  const fields: Record<string, string> = {};
  const list = raw.map((o, i) => {
    const item = (o ?? {}) as Record<string, unknown>;
    const category = slugify(cleanText(item.category));
    const label = cleanText(item.label);
    const capacity = Number(item.capacity);
    const area = cleanText(item.area);
    if (!cleanText(item.category)) fields[`${i}.category`] = "required";
    if (!label) fields[`${i}.label`] = "required";
    else if (label.length > 80) fields[`${i}.label`] = "tooLong";
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 9999) fields[`${i}.capacity`] = "range";
    if (area.length > 60) fields[`${i}.area`] = "tooLong";
    return { id: randomUUID(), category, label, capacity, area };
  });
  if (Object.keys(fields).length) return { ok: false, status: 400, error: "invalid", message: "Some offers are not valid.", fields };
  await replaceOffers(svc.async, orgId, list, svc.now());
  svc.realtime.toOrganisation(orgId, "offers:changed", { organisationId: orgId });
  return { ok: true, offers: await offersOf(svc.async, orgId) };
}

export async function getOffers(svc: AppServices, user: SessionUser, orgId: string) {
  const org = (await listOrganisations(svc.async, user.allianceId)).find((o) => o.id === orgId);
  return org ? offersOf(svc.async, orgId) : null;
}

// ---------------------------------------------------------------- matching

/**
 * Organisations ranked for an open request: declared offers in its category,
 * free capacity (declared minus what they already hold there), the same wijk,
 * and experience with the category. Each with the reasons shown to people.
 */
export async function matchesFor(svc: AppServices, user: SessionUser, board: BoardRow, requestId: string) {
  const card = await svc.rooms.withDoc(board.id, (doc) => getCard(doc, requestId));
  if (!card) return null;
  const { snapshot, facts, organisations } = await inputs(svc, user, board);
  const offers = await listOffers(svc.async, user.allianceId);
  const cards = new Map(snapshot.cards.map((c) => [c.id, c]));
  const stageOf = stageLookup(snapshot.columns);
  const holding = new Map<string, number>();
  const handled = new Map<string, number>();
  for (const [id, f] of facts) {
    const c = cards.get(id);
    if (!c || c.category !== card.category || !f.ownerOrgId) continue;
    handled.set(f.ownerOrgId, (handled.get(f.ownerOrgId) ?? 0) + 1);
    if (!c.archived && isActiveStage(stageOf(c.column))) holding.set(f.ownerOrgId, (holding.get(f.ownerOrgId) ?? 0) + 1);
  }
  const area = card.area.trim().toLowerCase();
  const currentHolder = facts.get(requestId)?.ownerOrgId ?? null;
  return organisations
    .filter((o) => o.id !== currentHolder)
    .map((o) => {
      const own = offers.filter((x) => x.organisationId === o.id && x.category === card.category);
      const declared = own.reduce((n, x) => n + x.capacity, 0);
      const free = Math.max(0, declared - (holding.get(o.id) ?? 0));
      const sameArea = !!area && own.some((x) => x.area.trim().toLowerCase() === area);
      const experience = handled.get(o.id) ?? 0;
      const reasons: Array<{ code: string; value?: string | number }> = [];
      if (own.length) reasons.push({ code: "offers", value: own.map((x) => `${x.capacity} ${x.label}`).join(", ") });
      if (declared) reasons.push({ code: "free", value: free });
      if (sameArea) reasons.push({ code: "area", value: card.area });
      if (experience) reasons.push({ code: "experience", value: experience });
      const score = (own.length ? 3 : 0) + Math.min(free, 5) + (sameArea ? 2 : 0) + Math.min(experience, 5) * 0.3;
      return { organisationId: o.id, organisation: o.shortName, color: o.color, score: Math.round(score * 10) / 10, free, reasons };
    })
    .filter((m) => m.score > 0)
    .sort((a, b) => b.score - a.score || a.organisation.localeCompare(b.organisation));
}
