/**
 * Notifications: what a person is told about, in the app (always: the bell
 * and /account/meldingen, live over socket.io) and by e-mail (per kind, as
 * the person set it, in their language, through the mail queue).
 *
 * Kinds: a referral to my organisation; a comment on, or a possible duplicate
 * of, a request my organisation holds; a claim of ours that expires in 2 days
 * (sweep); an action for my organisation taken in a meeting; the daily
 * digest of new open requests in the categories my organisation offers
 * (sweep; none on a day without any).
 *
 * Who: the members and coordinators of the organisation concerned, never the
 * person who acted. Viewers get none: they read only and cannot act on any of
 * these. Every event has a key, so running a trigger twice tells nobody
 * twice (the same key is the mail's key in the queue).
 *
 * No personal data: the stored data holds ids, counts and dates; mails carry
 * organisation names, the board's name and the request's title (every
 * recipient is in the board's alliance, so may see it), never a reference, a
 * description, a comment's text or a person's name.
 */
import { getBoard, listAllBoards, listOrganisations } from "../../db/accounts";
import {
  claimsIdleBetween,
  heldWithKey,
  insertNotification,
  listNotifications,
  markNotificationsRead,
  offeredCategories,
  organisationRecipients,
  purgeNotifications,
  storedSettings,
  storeSetting,
  unheldRequestsCreated,
  unreadCount,
  unsubscribeTarget,
  unsubscribeToken,
  type NotificationRow,
  type Recipient,
} from "../../db/notifications";
import { purgeSettledMail } from "../../db/mail";
import { getMeetingRow } from "../../db/meetings";
import { ownershipOf } from "../../db/ownership";
import { getRequest } from "../../db/requests";
import { NOTIFICATION_KINDS, type NotificationKind } from "../../db/schema";
import { getCard, listCategories, listColumns } from "../board/domain";
import { stageOfColumn } from "../board/stages";
import { localeTag, isLocale, translator, type Locale, type MessageKey } from "../i18n";
import type { SessionUser } from "./auth.server";
import type { AsyncDb } from "../../db/client";
import type { AppServices } from "./context.server";
import { publicUrl } from "./env.server";
import { composeMail } from "./mail-layout.server";
import { logFailure } from "./log.server";

export { NOTIFICATION_KINDS, type NotificationKind };

/** The live event to a person: ids and kind only; the browser fetches the list. */
export const NOTIFICATION_EVENT = "notification:new";

const DAY_MS = 86_400_000;
/** How long before a claim expires its holder is told. */
export const CLAIM_WARNING_DAYS = 2;
/** The digest of day D (UTC) is sent at the first sweep from this hour (UTC) on: 7:00 or 8:00 in the Netherlands. */
export const DIGEST_HOUR_UTC = 6;
/** Requests listed by name in one digest mail (the rest are counted). */
const DIGEST_LINES = 20;

/** E-mail per kind when a person has not chosen: everything on (a digest only comes on days with something new). */
export const DEFAULT_EMAIL: Readonly<Record<NotificationKind, boolean>> = {
  referral: true,
  comment: true,
  duplicate: true,
  claim_expiring: true,
  meeting_action: true,
  digest: true,
};

export function isNotificationKind(v: unknown): v is NotificationKind {
  return typeof v === "string" && (NOTIFICATION_KINDS as readonly string[]).includes(v);
}

export async function emailSettings(svc: AppServices, userId: string, h: AsyncDb = svc.async): Promise<Record<NotificationKind, boolean>> {
  return { ...DEFAULT_EMAIL, ...(await storedSettings(h, userId)) };
}

export async function updateEmailSettings(
  svc: AppServices,
  user: SessionUser,
  input: unknown,
): Promise<{ ok: true; email: Record<NotificationKind, boolean> } | { ok: false; message: string }> {
  if (!input || typeof input !== "object" || Array.isArray(input)) return { ok: false, message: "Give { email: { <kind>: true|false } }." };
  const entries = Object.entries(input as Record<string, unknown>);
  for (const [k, v] of entries) {
    if (!isNotificationKind(k) || typeof v !== "boolean") return { ok: false, message: `Unknown kind or not a boolean: ${k}. Kinds: ${NOTIFICATION_KINDS.join(", ")}.` };
  }
  const at = svc.now();
  for (const [k, v] of entries) await storeSetting(svc.async, user.id, k as NotificationKind, v as boolean, at);
  return { ok: true, email: await emailSettings(svc, user.id) };
}

// ---------------------------------------------------------------- delivering

interface Notice {
  kind: NotificationKind;
  /** What makes the event one: the recipient's id is added for the notification's and the mail's key (or a key per recipient). */
  key: string | ((r: Recipient) => string);
  boardId: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
  /** The mail for one recipient, in their language. */
  mail(r: Recipient, t: ReturnType<typeof translator>, locale: Locale): { subject: string; heading: string; paragraphs: string[]; action?: { label: string; url: string } };
}

function localeOf(r: Recipient): Locale {
  return isLocale(r.locale) ? r.locale : "nl";
}

export function cardUrl(svc: AppServices, boardId: string, requestId: string): string {
  return `${publicUrl(svc.env)}/boards/${encodeURIComponent(boardId)}?kaart=${encodeURIComponent(requestId)}`;
}

/** Tell these people (the actor left out): in the app, live, and by mail as each of them chose. Returns how many were told now. */
async function deliver(svc: AppServices, notice: Notice, recipients: Recipient[], actorId: string | null): Promise<number> {
  const done = await deliverCounting(svc, notice, recipients, actorId);
  done.tell();
  return done.told;
}

/**
 * Store the notifications and queue the mails, through `tx` when given (a
 * transaction of the caller's). What is told outside the database (live
 * events, waking the mail sender) is left to `tell()`, for after the commit.
 */
async function deliverCounting(
  svc: AppServices,
  notice: Notice,
  recipients: Recipient[],
  actorId: string | null,
  tx?: AsyncDb,
): Promise<{ told: number; mails: number; tell: () => void }> {
  const h = tx ?? svc.async;
  const at = svc.now();
  const base = publicUrl(svc.env);
  let told = 0;
  let mails = 0;
  const live: Array<{ userId: string; id: string }> = [];
  const tell = () => {
    for (const l of live) svc.realtime.toUser(l.userId, NOTIFICATION_EVENT, { id: l.id, kind: notice.kind });
    if (tx && mails) svc.mail.wake();
  };
  for (const r of recipients) {
    if (r.id === actorId) continue;
    const settings = await emailSettings(svc, r.id, h);
    // A digest turned off is no digest at all; every other kind is always in the app.
    if (notice.kind === "digest" && !settings.digest) continue;
    const key = typeof notice.key === "function" ? notice.key(r) : `${notice.key}:${r.id}`;
    const id = await insertNotification(h, { key, userId: r.id, kind: notice.kind, boardId: notice.boardId, requestId: notice.requestId, data: notice.data, at });
    if (!id) continue;
    told++;
    live.push({ userId: r.id, id });
    if (!svc.mail.enabled || !settings[notice.kind]) continue;
    const locale = localeOf(r);
    const t = translator(locale);
    const content = notice.mail(r, t, locale);
    const unsubscribe = `${base}/afmelden/${await unsubscribeToken(h, r.id, notice.kind, at)}`;
    const mail = composeMail({
      locale,
      ...content,
      footer: [
        t("mail.footerWhy", { org: r.organisationName, alliance: r.allianceName }),
        t("mail.footerSettings", { url: `${base}/account/meldingen` }),
        t("mail.footerUnsubscribe", { url: unsubscribe }),
      ],
    });
    const queued = await svc.mail.enqueue(
      {
        key,
        to: r.email,
        ...mail,
        // RFC 8058: one-click unsubscribe by the mail program (a POST to the link).
        headers: { "List-Unsubscribe": `<${unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      },
      tx,
    );
    if (queued) mails++;
  }
  return { told, mails, tell };
}

/** A request's title and board name as the recipients may see them (same alliance); null when it is gone. */
async function requestFacts(svc: AppServices, boardId: string, requestId: string) {
  const board = await getBoard(svc.async, boardId);
  if (!board) return null;
  const card = await svc.rooms.readDoc(boardId, (doc) => getCard(doc, requestId));
  if (!card) return null;
  return { board, card };
}

async function orgName(svc: AppServices, allianceId: string, orgId: string | null | undefined): Promise<string> {
  if (!orgId) return "?";
  return (await listOrganisations(svc.async, allianceId)).find((o) => o.id === orgId)?.shortName ?? "?";
}

function requestNotice(
  svc: AppServices,
  kind: Exclude<NotificationKind, "digest">,
  key: string,
  t: { boardId: string; requestId: string },
  facts: NonNullable<Awaited<ReturnType<typeof requestFacts>>>,
  vars: { from?: string; org: string; days?: number },
  data: Record<string, unknown>,
): Notice {
  return {
    kind,
    key,
    boardId: t.boardId,
    requestId: t.requestId,
    data,
    mail: (_r, tr) => {
      const v = { ...vars, title: facts.card.title, board: facts.board.name, from: vars.from ?? "", days: vars.days ?? 0 };
      return {
        subject: tr(`mail.${kind}.subject` as MessageKey, v),
        heading: tr(`mail.${kind}.heading` as MessageKey, v),
        paragraphs: [tr(`mail.${kind}.body` as MessageKey, v)],
        action: { label: tr("mail.open"), url: cardUrl(svc, t.boardId, t.requestId) },
      };
    },
  };
}

/** Hook: a request was referred to an organisation (ownership.server.ts refer). */
export async function notifyReferral(svc: AppServices, actor: SessionUser, t: { boardId: string; requestId: string }, referral: { id: string; fromOrgId: string; toOrgId: string }) {
  return safely(svc, "referral", async () => {
    const facts = await requestFacts(svc, t.boardId, t.requestId);
    if (!facts) return 0;
    const vars = { from: await orgName(svc, facts.board.allianceId, referral.fromOrgId), org: await orgName(svc, facts.board.allianceId, referral.toOrgId) };
    const notice = requestNotice(svc, "referral", `referral:${referral.id}`, t, facts, vars, { fromOrgId: referral.fromOrgId, toOrgId: referral.toOrgId, referralId: referral.id });
    return deliver(svc, notice, await organisationRecipients(svc.async, referral.toOrgId), actor.id);
  });
}

/** Hook: a comment was added (comments.server.ts): the holder's people hear of it. */
export async function notifyComment(svc: AppServices, actor: SessionUser, t: { boardId: string; requestId: string }, commentId: string) {
  let holder: string | null | undefined;
  try {
    holder = (await ownershipOf(svc.async, t.requestId))?.ownerOrgId;
  } catch (e) {
    return safely(svc, "comment", () => {
      throw e;
    });
  }
  return safely(svc, "comment", async () => {
    if (!holder) return 0;
    const facts = await requestFacts(svc, t.boardId, t.requestId);
    if (!facts) return 0;
    const vars = { from: await orgName(svc, facts.board.allianceId, actor.organisationId), org: await orgName(svc, facts.board.allianceId, holder) };
    const notice = requestNotice(svc, "comment", `comment:${commentId}`, t, facts, vars, { fromOrgId: actor.organisationId, orgId: holder, commentId });
    return deliver(svc, notice, await organisationRecipients(svc.async, holder), actor.id);
  });
}

/**
 * Hook: a new request was saved (requests.server.ts createRequest). When its
 * reference matches a request another organisation holds on the board, that
 * organisation hears of a possible duplicate of its request.
 */
export async function notifyPossibleDuplicates(svc: AppServices, actor: SessionUser, boardId: string, newRequestId: string): Promise<number> {
  return safely(svc, "duplicate", async () => {
    const created = await getRequest(svc.async, boardId, newRequestId);
    if (!created?.referenceKey) return 0;
    let told = 0;
    for (const held of await heldWithKey(svc.async, boardId, created.referenceKey, newRequestId)) {
      if (held.ownerOrgId === actor.organisationId) continue;
      const t = { boardId, requestId: held.id };
      const facts = await requestFacts(svc, boardId, held.id);
      if (!facts || facts.card.archived) continue;
      const vars = { from: await orgName(svc, facts.board.allianceId, actor.organisationId), org: await orgName(svc, facts.board.allianceId, held.ownerOrgId) };
      const notice = requestNotice(svc, "duplicate", `duplicate:${held.id}:${newRequestId}`, t, facts, vars, {
        fromOrgId: actor.organisationId,
        orgId: held.ownerOrgId,
        newRequestId,
      });
      told += await deliver(svc, notice, await organisationRecipients(svc.async, held.ownerOrgId), actor.id);
    }
    return told;
  });
}

/**
 * Hook: a meeting took an action for an organisation (meetings.server.ts
 * addAction, or updateAction giving it to another organisation): that
 * organisation's people hear of it. The mail names the meeting, the board,
 * the due day and the request's title, not the action's own text (free text,
 * as a comment's).
 */
export async function notifyMeetingAction(
  svc: AppServices,
  actor: SessionUser,
  action: { id: string; meetingId: string; boardId: string; orgId: string; due: string; requestId: string | null },
) {
  let meeting: Awaited<ReturnType<typeof getMeetingRow>>;
  try {
    meeting = await getMeetingRow(svc.async, action.meetingId);
  } catch (e) {
    return safely(svc, "meeting_action", () => {
      throw e;
    });
  }
  return safely(svc, "meeting_action", async () => {
    const board = await getBoard(svc.async, action.boardId);
    if (!board || !meeting) return 0;
    const card = action.requestId ? await svc.rooms.readDoc(action.boardId, (doc) => getCard(doc, action.requestId!)) : null;
    const org = await orgName(svc, board.allianceId, action.orgId);
    const url = `${publicUrl(svc.env)}/boards/${encodeURIComponent(board.id)}/vergaderingen/${encodeURIComponent(meeting.id)}`;
    const notice: Notice = {
      kind: "meeting_action",
      // Per organisation: an action given to another organisation is news to that one.
      key: `meeting_action:${action.id}:${action.orgId}`,
      boardId: board.id,
      requestId: card ? action.requestId : null,
      data: { orgId: action.orgId, fromOrgId: actor.organisationId, meetingId: meeting.id, actionId: action.id, due: action.due },
      mail: (_r, tr, locale) => {
        const v = {
          org,
          meeting: meeting.title,
          board: board.name,
          due: new Intl.DateTimeFormat(localeTag(locale), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${action.due}T00:00:00Z`)),
          card: card ? tr("mail.meeting_action.card", { title: card.title }) : "",
        };
        return {
          subject: tr("mail.meeting_action.subject", v),
          heading: tr("mail.meeting_action.heading", v),
          paragraphs: [tr("mail.meeting_action.body", v)],
          action: { label: tr("mtg.notif.open"), url },
        };
      },
    };
    return deliver(svc, notice, await organisationRecipients(svc.async, action.orgId), actor.id);
  });
}

/** A notification must never break what triggered it: failures are logged (logFailure) and swallowed. */
async function safely(svc: AppServices, what: string, fn: () => number | Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    logFailure(svc, "notification failed", e, { kind: what });
    return 0;
  }
}

// ---------------------------------------------------------------- sweeps

/**
 * Claims that expire within CLAIM_WARNING_DAYS (no activity for the board's
 * expiry period minus 2 days, and not yet expired): the holder's people are
 * told once per claim (the key holds the claim's time).
 */
export async function warnExpiringClaims(svc: AppServices, now = svc.now()): Promise<number> {
  let told = 0;
  for (const b of await listAllBoards(svc.async)) {
    const expiresFrom = now - b.claimExpiryDays * DAY_MS;
    const warnFrom = now - Math.max(0, b.claimExpiryDays - CLAIM_WARNING_DAYS) * DAY_MS;
    const idle = await claimsIdleBetween(svc.async, b.id, expiresFrom, warnFrom);
    if (!idle.length) continue;
    const board = (await getBoard(svc.async, b.id))!;
    // Finished (done column) or archived requests keep their holder and never expire.
    const live = await svc.rooms.readDoc(b.id, (doc) => {
      const columns = listColumns(doc);
      return idle.filter((c) => {
        const card = getCard(doc, c.id);
        return card && !card.archived && stageOfColumn(columns, card.column) !== "done";
      });
    });
    for (const c of live) {
      told += await safely(svc, "claim_expiring", async () => {
        const t = { boardId: b.id, requestId: c.id };
        const facts = await requestFacts(svc, b.id, c.id);
        if (!facts) return 0;
        const days = Math.floor((now - c.lastActivityAt) / DAY_MS);
        const vars = { org: await orgName(svc, board.allianceId, c.ownerOrgId), days };
        const notice = requestNotice(svc, "claim_expiring", `claim_expiring:${c.id}:${c.claimedAt ?? 0}`, t, facts, vars, { orgId: c.ownerOrgId, days });
        return deliver(svc, notice, await organisationRecipients(svc.async, c.ownerOrgId), null);
      });
    }
  }
  return told;
}

/** yyyy-mm-dd of a time, in UTC. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** One collator and one date format per process: creating them costs more than using them (ICU). */
const collator = new Intl.Collator("nl");
const dateFormats = new Map<Locale, Intl.DateTimeFormat>();
function formatDate(date: string, locale: Locale): string {
  let f = dateFormats.get(locale);
  if (!f) dateFormats.set(locale, (f = new Intl.DateTimeFormat(localeTag(locale), { day: "numeric", month: "long", timeZone: "UTC" })));
  return f.format(new Date(`${date}T00:00:00Z`));
}

/**
 * The daily digest: on day D (UTC, from DIGEST_HOUR_UTC on), each member and
 * coordinator of an organisation that offers something hears of the requests
 * created on day D-1 in those categories that are still open (intake or open
 * stage, nobody holds them, not archived). Nothing on a day without any; one
 * per person per day (key `digest:<user>:<D>`). Returns how many people were
 * told and how many mails were queued. Each organisation's people are told in
 * one transaction, and the event loop is given back between organisations:
 * 100 organisations take about 2 s here (tests/bench/digest.ts), which live
 * boards must not feel as one pause.
 */
export async function sendDigests(svc: AppServices, now = svc.now()): Promise<{ people: number; mails: number }> {
  const result = { people: 0, mails: 0 };
  if (new Date(now).getUTCHours() < DIGEST_HOUR_UTC) return result;
  const day = utcDate(now);
  const to = Date.parse(`${day}T00:00:00Z`);
  const from = to - DAY_MS;
  const fresh = await unheldRequestsCreated(svc.async, from, to);
  if (!fresh.length) return result;
  const offered = await offeredCategories(svc.async);
  if (!offered.size) return result;

  // The still-open new requests per board, with their category and title (from the live document).
  type Item = { id: string; boardId: string; boardName: string; allianceId: string; category: string; categoryLabel: string; title: string; createdByOrgId: string };
  const byBoard = new Map<string, typeof fresh>();
  for (const r of fresh) byBoard.set(r.boardId, [...(byBoard.get(r.boardId) ?? []), r]);
  const items: Item[] = [];
  for (const [boardId, rows] of byBoard) {
    const board = await getBoard(svc.async, boardId);
    // An archived board takes no work: its requests are not news for anyone.
    if (!board || board.archivedAt !== null) continue;
    await svc.rooms.readDoc(boardId, (doc) => {
      const columns = listColumns(doc);
      const labels = new Map(listCategories(doc).map((c) => [c.id, c.label]));
      for (const r of rows) {
        const card = getCard(doc, r.id);
        if (!card || card.archived) continue;
        const stage = stageOfColumn(columns, card.column);
        if (stage !== "intake" && stage !== "open") continue;
        items.push({ id: r.id, boardId, boardName: board.name, allianceId: board.allianceId, category: card.category, categoryLabel: labels.get(card.category) ?? card.category, title: card.title, createdByOrgId: r.createdByOrgId });
      }
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!items.length) return result;

  for (const [orgId, offer] of offered) {
    // Not the organisation's own new requests: it knows them.
    const mine = items.filter((i) => i.allianceId === offer.allianceId && offer.categories.has(i.category) && i.createdByOrgId !== orgId);
    if (!mine.length) continue;
    mine.sort((a, b) => collator.compare(a.categoryLabel, b.categoryLabel) || collator.compare(a.title, b.title));
    const first = mine[0];
    const notice: Notice = {
      kind: "digest",
      key: (r) => `digest:${r.id}:${day}`,
      boardId: first.boardId,
      requestId: null,
      data: { date: utcDate(from), count: mine.length, requestIds: mine.slice(0, 50).map((i) => i.id) },
      mail: (r, t, locale) => {
        const date = formatDate(utcDate(from), locale);
        const lines = mine.slice(0, DIGEST_LINES).map((i) => t("mail.digest.line", { category: i.categoryLabel, title: i.title, board: i.boardName }));
        if (mine.length > DIGEST_LINES) lines.push(t("mail.digest.more", { count: mine.length - DIGEST_LINES }));
        return {
          subject: t("mail.digest.subject", { count: mine.length }),
          heading: t("mail.digest.heading", { date }),
          paragraphs: [t("mail.digest.body", { date, count: mine.length, org: r.organisationName }), ...lines],
          action: { label: t("mail.openBoard"), url: `${publicUrl(svc.env)}/boards/${encodeURIComponent(first.boardId)}` },
        };
      },
    };
    // One transaction per organisation: one disk flush instead of three per person. Told after the commit.
    const n = await svc.async.transaction(async (tx) => deliverCounting(svc, notice, await organisationRecipients(tx, orgId), null, tx));
    n.tell();
    result.people += n.told;
    result.mails += n.mails;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return result;
}

/** Notifications are kept this long, then forgotten (read or not). */
export const NOTIFICATION_KEEP_DAYS = 180;
/** The outbox's record of a sent or given-up mail is kept this long. */
export const MAIL_RECORD_KEEP_DAYS = 30;

/**
 * The hourly sweep of the server (server/app.ts): claim warnings, the digest,
 * and forgetting old notifications and old mail records. A trigger can only
 * fire for recent events (a new referral, comment or request, a claim idle
 * right now, yesterday's requests), so the keys that are forgotten are never
 * asked for again.
 */
export async function notificationSweep(svc: AppServices, now = svc.now()) {
  const warned = await warnExpiringClaims(svc, now);
  const digest = await sendDigests(svc, now);
  const forgotten = await purgeNotifications(svc.async, now - NOTIFICATION_KEEP_DAYS * DAY_MS);
  const mailRecords = await purgeSettledMail(svc.async, now - MAIL_RECORD_KEEP_DAYS * DAY_MS);
  return { warned, digestPeople: digest.people, digestMails: digest.mails, forgotten, mailRecords };
}

// ---------------------------------------------------------------- reading (API and pages)

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  boardId: string | null;
  requestId: string | null;
  createdAt: number;
  readAt: number | null;
  href: string | null;
  /** The values of the kind's sentence (notif.item.<kind>): organisation names, the title, counts. */
  vars: Record<string, string | number>;
}

/** A person's notifications, latest first, with what their sentences need (titles as the board has them now). */
export async function notificationsFor(svc: AppServices, user: SessionUser, limit = 50): Promise<{ unread: number; items: NotificationView[] }> {
  const rows = await listNotifications(svc.async, user.id, limit);
  const orgs = new Map((await listOrganisations(svc.async, user.allianceId)).map((o) => [o.id, o.shortName]));
  // Each card's title read once (the board's document, loaded if needed).
  const titles = new Map<string, string | null>();
  for (const n of rows) {
    if (!n.boardId || !n.requestId) continue;
    const boardId = n.boardId;
    const requestId = n.requestId;
    const k = `${boardId}|${requestId}`;
    if (titles.has(k)) continue;
    const board = await getBoard(svc.async, boardId);
    titles.set(k, board && board.allianceId === user.allianceId ? await svc.rooms.readDoc(boardId, (doc) => getCard(doc, requestId)?.title ?? null) : null);
  }
  const title = (boardId: string | null, requestId: string | null) => (boardId && requestId ? titles.get(`${boardId}|${requestId}`) ?? null : null);
  // The meetings the list names, each read once (with its board's alliance).
  const meetingsById = new Map<string, { id: string; title: string; boardId: string; allianceId: string | null } | null>();
  for (const n of rows) {
    const id = n.kind === "meeting_action" ? (n.data as Record<string, unknown> | null)?.meetingId : undefined;
    if (typeof id !== "string" || meetingsById.has(id)) continue;
    const m = await getMeetingRow(svc.async, id);
    meetingsById.set(id, m ? { id: m.id, title: m.title, boardId: m.boardId, allianceId: (await getBoard(svc.async, m.boardId))?.allianceId ?? null } : null);
  }
  const meetingOf = (id: string) => meetingsById.get(id) ?? null;
  const items = rows.map((n: NotificationRow): NotificationView => {
    const d = (n.data ?? {}) as Record<string, unknown>;
    const name = (id: unknown) => (typeof id === "string" ? orgs.get(id) ?? "?" : "?");
    const vars: Record<string, string | number> = {};
    if (n.kind === "digest") {
      vars.count = typeof d.count === "number" ? d.count : 0;
      vars.date = typeof d.date === "string" ? d.date : "";
    } else {
      vars.title = title(n.boardId, n.requestId) ?? "";
      vars.from = name(d.fromOrgId);
      vars.org = name(n.kind === "referral" ? d.toOrgId : d.orgId);
    }
    let href = n.boardId ? (n.requestId ? `/boards/${n.boardId}?kaart=${n.requestId}` : `/boards/${n.boardId}`) : null;
    if (n.kind === "meeting_action") {
      const meeting = typeof d.meetingId === "string" ? meetingOf(d.meetingId) : null;
      const mine = meeting && meeting.boardId === n.boardId && meeting.allianceId === user.allianceId;
      vars.meeting = mine ? meeting.title : "";
      vars.due = typeof d.due === "string" ? d.due : "";
      if (mine) href = `/boards/${meeting.boardId}/vergaderingen/${meeting.id}`;
    }
    return {
      id: n.id,
      kind: n.kind,
      boardId: n.boardId,
      requestId: n.requestId,
      createdAt: n.createdAt,
      readAt: n.readAt,
      href,
      vars,
    };
  });
  return { unread: await unreadCount(svc.async, user.id), items };
}

export async function unreadFor(svc: AppServices, user: SessionUser): Promise<number> {
  return unreadCount(svc.async, user.id);
}

/** Mark read: the given ids (only the person's own count), or all when `ids` is absent. */
export async function markRead(svc: AppServices, user: SessionUser, ids: unknown): Promise<{ ok: true; marked: number; unread: number } | { ok: false; message: string }> {
  let list: string[] | null = null;
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids) || ids.length > 500 || !ids.every((i) => typeof i === "string" && i.length <= 100)) return { ok: false, message: "ids must be a list of at most 500 notification ids." };
    list = ids as string[];
  }
  const marked = await markNotificationsRead(svc.async, user.id, list, svc.now());
  if (marked) svc.realtime.toUser(user.id, NOTIFICATION_EVENT, { read: true });
  return { ok: true, marked, unread: await unreadCount(svc.async, user.id) };
}

// ---------------------------------------------------------------- unsubscribe (no login)

export async function unsubscribeInfo(svc: AppServices, token: string) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  return unsubscribeTarget(svc.async, token);
}

/** Turn off the token's kind of mail for its person. */
export async function unsubscribe(svc: AppServices, token: string) {
  const target = await unsubscribeInfo(svc, token);
  if (!target) return null;
  await storeSetting(svc.async, target.userId, target.kind, false, svc.now());
  return target;
}
