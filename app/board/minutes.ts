/**
 * The minutes of a meeting as Markdown (`GET /api/meetings/<id>/minutes.md`):
 * title, date, who was there, the summary, each agenda item with its notes,
 * decisions and actions, what was decided outside the items, and the open
 * actions of earlier meetings carried over.
 *
 * Everything people typed (titles, notes, names, card titles) is escaped so
 * it stays text: no heading, list, link, emphasis or HTML can be made from
 * it, and a line break inside a note stays a line break of that note.
 * Pure: no IO.
 */
import type { Translate } from "../i18n";
import type { MeetingAction, MeetingRecord } from "./meeting";

export interface MinutesContext {
  boardName: string;
  /** "Since the last meeting" counts to list, if the caller has them. */
  summary?: Array<{ label: string; count: number }>;
  t: Translate;
  locale: string;
  /** An organisation's name by id (null when unknown). */
  orgName: (id: string) => string | null;
  /** A card's title by id (null when it is not on the board any more). */
  cardTitle: (id: string) => string | null;
  /** Open actions of earlier meetings of the board, carried over. */
  carriedOver?: MeetingAction[];
  /** The time zone dates are written in (Amsterdam unless given). */
  timeZone?: string;
}

/** Characters that can start or shape Markdown (and raw HTML) in running text. */
const INLINE_SPECIAL = /[\\`*_{}[\]()<>#+!|~&]/g;

/** One line of typed text as Markdown text: every structural character escaped, also at the start of a line. */
export function escapeInline(text: string): string {
  let s = text.replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, "").replace(/\s+/g, " ").trim();
  s = s.replace(INLINE_SPECIAL, (c) => `\\${c}`);
  // A line that starts like a list item, a numbered item, a rule or a setext underline stays text.
  s = s.replace(/^(-|=)/, "\\$1").replace(/^(\d+)([.)])/, "$1\\$2");
  return s;
}

/** Several lines of typed text (notes, a summary) as paragraphs; a single line break stays a break. */
export function escapeBlock(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .split("\n")
        .map(escapeInline)
        .filter(Boolean)
        .join("\\\n"),
    )
    .filter(Boolean);
  return paragraphs.join("\n\n");
}

function dateText(ms: number, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short", timeZone }).format(new Date(ms));
}

/** A calendar day YYYY-MM-DD in the reader's words ("20 januari 2027"). */
function dayText(day: string, locale: string): string {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** The day of a moment in a time zone, YYYY-MM-DD (for the file name). */
export function dayOf(ms: number, timeZone = "Europe/Amsterdam"): string {
  const parts = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

export function minutesMarkdown(record: MeetingRecord, ctx: MinutesContext): string {
  const { t, locale } = ctx;
  const tz = ctx.timeZone ?? "Europe/Amsterdam";
  const out: string[] = [];
  const card = (id: string | null) => {
    const title = id ? ctx.cardTitle(id) : null;
    return title ? ` (${t("mtg.md.card", { title: escapeInline(title) })})` : "";
  };
  const actionLine = (a: MeetingAction) => {
    const org = ctx.orgName(a.orgId) ?? a.orgName;
    return `- [${a.doneAt !== null ? "x" : " "}] ${escapeInline(a.text)} — ${escapeInline(org)}, ${t("mtg.md.due", { due: dayText(a.due, locale) })}${card(a.requestId)}`;
  };
  const decisionLine = (d: MeetingRecord["decisions"][number]) => `- ${escapeInline(d.text)}${card(d.requestId)}`;

  out.push(`# ${escapeInline(record.title)}`, "");
  const when = record.startedAt ?? record.at;
  out.push(`${t("mtg.md.board", { board: escapeInline(ctx.boardName) })}  `, `${t("mtg.md.date")}: ${dateText(when, locale, tz)}`);
  if (record.status !== "ended") out.push("", `_${t(record.status === "running" ? "mtg.md.running" : "mtg.md.planned")}_`);
  out.push("");

  const present = record.present.map((p) => {
    const org = p.orgId ? (ctx.orgName(p.orgId) ?? p.orgName) : p.orgName;
    return org ? `${escapeInline(p.name)} (${escapeInline(org)})` : escapeInline(p.name);
  });
  out.push(`**${t("mtg.md.present")}:** ${present.length ? present.join(", ") : t("mtg.md.nobody")}`, "");

  const summary = escapeBlock(record.summary);
  if (summary) out.push(`## ${t("mtg.md.summary")}`, "", summary, "");

  if (ctx.summary?.length) {
    out.push(`## ${t("mtg.md.since")}`, "");
    for (const s of ctx.summary) out.push(`- ${escapeInline(s.label)}: ${s.count}`);
    out.push("");
  }

  out.push(`## ${t("mtg.md.agenda")}`, "");
  if (!record.agenda.length) out.push(t("mtg.md.none"), "");
  record.agenda.forEach((item, i) => {
    out.push(`### ${i + 1}\\. ${escapeInline(item.title)}`, "");
    const minutes = Math.round(item.spentMs / 60_000);
    if (minutes > 0) out.push(`_${t("mtg.md.spent", { minutes })}_`, "");
    const notes = escapeBlock(item.notes);
    if (notes) out.push(notes, "");
    const decisions = record.decisions.filter((d) => d.itemId === item.id);
    if (decisions.length) out.push(`**${t("mtg.md.decisions")}**`, "", ...decisions.map(decisionLine), "");
    const actions = record.actions.filter((a) => a.itemId === item.id);
    if (actions.length) out.push(`**${t("mtg.md.actions")}**`, "", ...actions.map(actionLine), "");
  });

  const items = new Set(record.agenda.map((i) => i.id));
  const looseDecisions = record.decisions.filter((d) => !d.itemId || !items.has(d.itemId));
  const looseActions = record.actions.filter((a) => !a.itemId || !items.has(a.itemId));
  if (looseDecisions.length || looseActions.length) {
    out.push(`## ${t("mtg.md.other")}`, "");
    if (looseDecisions.length) out.push(`**${t("mtg.md.decisions")}**`, "", ...looseDecisions.map(decisionLine), "");
    if (looseActions.length) out.push(`**${t("mtg.md.actions")}**`, "", ...looseActions.map(actionLine), "");
  }

  const carried = (ctx.carriedOver ?? []).filter((a) => a.meetingId !== record.id && a.doneAt === null);
  if (carried.length) out.push(`## ${t("mtg.md.carried")}`, "", ...carried.map(actionLine), "");

  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
