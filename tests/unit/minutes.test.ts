/**
 * The minutes as Markdown: what they hold (title, date, present, summary,
 * items with notes, decisions and actions, carried-over actions) in both
 * languages, and that whatever people typed stays text once a CommonMark
 * parser reads the file (no headings, lists, links, emphasis or HTML made
 * from it).
 */
import { describe, expect, it } from "vitest";
import { fromMarkdown } from "mdast-util-from-markdown";
import type { MeetingAction, MeetingRecord } from "../../app/board/meeting";
import { dayOf, escapeBlock, escapeInline, minutesMarkdown } from "../../app/board/minutes";
import { translator } from "../../app/i18n";

type Node = { type: string; depth?: number; value?: string; children?: Node[] };

function walk(n: Node, out: Node[] = []): Node[] {
  out.push(n);
  for (const c of n.children ?? []) walk(c, out);
  return out;
}
const textOf = (n: Node): string => (n.type === "text" || n.type === "inlineCode" ? (n.value ?? "") : (n.children ?? []).map(textOf).join(n.type === "paragraph" ? "" : ""));

const action = (over: Partial<MeetingAction>): MeetingAction => ({
  id: "a1",
  meetingId: "m1",
  boardId: "b1",
  itemId: "i1",
  requestId: "r1",
  orgId: "o2",
  orgName: "TH",
  text: "Bel het gezin",
  due: "2027-01-20",
  doneAt: null,
  createdAt: 0,
  ...over,
});

const record: MeetingRecord = {
  id: "m1",
  boardId: "b1",
  title: "Overleg januari",
  at: Date.UTC(2027, 0, 12, 18, 30),
  status: "ended",
  startedAt: Date.UTC(2027, 0, 12, 18, 35),
  endedAt: Date.UTC(2027, 0, 12, 20, 0),
  summary: "We bespraken de wachtlijst.\nDe gemeente schuift aan.\n\nVolgende keer: taal.",
  facilitatorUserId: "u1",
  currentItemId: null,
  sinceMomentId: null,
  startMomentId: "s1",
  endMomentId: "e1",
  agenda: [
    { id: "i1", kind: "free", title: "Taalvragen", view: { query: "", cardId: null, columnId: null }, notes: "Drie nieuwe vragen.", spentMs: 12 * 60_000, currentSince: null },
    { id: "i2", kind: "since", title: "Sinds de vorige vergadering", view: { query: "", cardId: null, columnId: null }, notes: "", spentMs: 0, currentSince: null },
  ],
  decisions: [
    { id: "d1", itemId: "i1", requestId: "r2", text: "Taalhuis neemt de taalvragen.", createdAt: 1, createdBy: "u1" },
    { id: "d2", itemId: null, requestId: null, text: "We vergaderen maandelijks.", createdAt: 2, createdBy: "u1" },
  ],
  actions: [action({}), action({ id: "a2", itemId: null, requestId: null, text: "Zaal regelen", orgId: "o1", orgName: "VWN", doneAt: 5 })],
  present: [
    { id: "p1", userId: "u1", name: "Cora", orgId: "o1", orgName: "VWN", source: "presence" },
    { id: "p2", userId: null, name: "Els (gemeente)", orgId: null, orgName: null, source: "manual" },
  ],
};

const ctx = (locale: "nl" | "en") => ({
  boardName: "Hulpvragen Noord",
  t: translator(locale),
  locale,
  orgName: (id: string) => ({ o1: "VWN", o2: "TH" })[id] ?? null,
  cardTitle: (id: string) => ({ r1: "Woning gezocht", r2: "Taalmaatje gevraagd" })[id] ?? null,
  carriedOver: [action({ id: "old", meetingId: "m0", text: "Oude actie", itemId: null, requestId: null, due: "2026-12-01" }), action({ id: "a1" })],
});

describe("minutes as Markdown", () => {
  it("holds the meeting in order: title, date, present, summary, items with notes, decisions and actions, the rest, carried over", () => {
    const md = minutesMarkdown(record, ctx("nl"));
    const headings = walk(fromMarkdown(md) as Node).filter((n) => n.type === "heading").map((h) => `${h.depth} ${textOf(h)}`);
    expect(headings).toEqual([
      "1 Overleg januari",
      "2 Samenvatting",
      "2 Agenda",
      "3 1. Taalvragen",
      "3 2. Sinds de vorige vergadering",
      "2 Buiten de agendapunten",
      "2 Openstaande acties van eerdere vergaderingen",
    ]);
    expect(md).toContain("Bord: Hulpvragen Noord");
    // Started 18:35 UTC: 19:35 in Amsterdam in January.
    expect(md).toMatch(/Datum: 12 januari 2027.*19:35/);
    expect(md).toContain("**Aanwezig:** Cora (VWN), Els \\(gemeente\\)");
    expect(md).toContain("We bespraken de wachtlijst.\\\nDe gemeente schuift aan.\n\nVolgende keer: taal.");
    expect(md).toContain("_12 min besproken_");
    expect(md).toContain("- Taalhuis neemt de taalvragen. (kaart: Taalmaatje gevraagd)");
    expect(md).toContain("- [ ] Bel het gezin — TH, uiterlijk 20 januari 2027 (kaart: Woning gezocht)");
    expect(md).toContain("- [x] Zaal regelen — VWN, uiterlijk 20 januari 2027");
    expect(md).toContain("- We vergaderen maandelijks.");
    // Carried over: only the open action of another meeting.
    const carried = md.slice(md.indexOf("## Openstaande acties"));
    expect(carried).toContain("Oude actie");
    expect(carried).not.toContain("Bel het gezin");
  });

  it("in English with the English words and dates", () => {
    const md = minutesMarkdown({ ...record, status: "planned", startedAt: null, present: [], agenda: [], decisions: [], actions: [] }, { ...ctx("en"), carriedOver: [] });
    expect(md).toContain("Board: Hulpvragen Noord");
    expect(md).toMatch(/Date: January 12, 2027/);
    expect(md).toContain("_Planned, not held yet._");
    expect(md).toContain("**Present:** nobody recorded");
    expect(md).toContain("No agenda items.");
    expect(md).not.toMatch(/[Bb]esluit|Aanwezig|uiterlijk/);
  });

  it("what people typed stays text: no heading, list, link, emphasis, code or HTML is made from it", () => {
    const hostile = [
      "# Kop <script>alert(1)</script>",
      "- lijstje",
      "1. genummerd",
      "[klik](https://kwaad.example) ![img](x.png)",
      "*vet* _schuin_ `code` ~~weg~~",
      "tabel | cel",
      "> citaat",
      "&lt;b&gt; \\ backslash",
      "===",
      "<!-- commentaar -->",
    ];
    const evil = hostile.join(" ");
    const r: MeetingRecord = {
      ...record,
      title: hostile[0],
      summary: hostile.join("\n"),
      agenda: [{ ...record.agenda[0], title: hostile[1], notes: hostile.join("\n\n"), spentMs: 0 }],
      decisions: [{ ...record.decisions[0], text: evil }],
      actions: [action({ text: hostile[3], orgName: "x" })],
      present: [{ id: "p", userId: null, name: hostile[4], orgId: null, orgName: hostile[5], source: "manual" }],
    };
    const md = minutesMarkdown(r, { ...ctx("nl"), boardName: hostile[6], cardTitle: () => hostile[2], carriedOver: [] });
    const nodes = walk(fromMarkdown(md) as Node);
    for (const type of ["html", "link", "image", "emphasis", "strong", "inlineCode", "code", "blockquote", "table", "thematicBreak", "definition"]) {
      // Our own bold labels are the only strong nodes.
      const found = nodes.filter((n) => n.type === type);
      if (type === "strong") expect(found.map(textOf).sort()).toEqual(["Aanwezig:", "Acties", "Besluiten"]);
      else expect([type, found.length]).toEqual([type, 0]);
    }
    const headings = nodes.filter((n) => n.type === "heading").map((h) => `${h.depth} ${textOf(h)}`);
    expect(headings).toEqual([`1 ${hostile[0]}`, "2 Samenvatting", "2 Agenda", `3 1. ${hostile[1]}`]);
    // Lists are only ours: present is a paragraph, decisions and actions one item each.
    const items = nodes.filter((n) => n.type === "listItem");
    expect(items).toHaveLength(2);
    expect(textOf(items[0])).toBe(`${evil} (kaart: ${hostile[2]})`);
    // Every typed line reads back as itself.
    const text = nodes.filter((n) => n.type === "paragraph").map(textOf).join("\n");
    for (const line of hostile) expect(text).toContain(line);
  });

  it("escapes line starts and keeps single line breaks of a note", () => {
    expect(escapeInline("- x")).toBe("\\- x");
    expect(escapeInline("12. x")).toBe("12\\. x");
    expect(escapeInline("a\u0000b\u0007")).toBe("ab");
    expect(escapeBlock("een\ntwee\n\n\ndrie")).toBe("een\\\ntwee\n\ndrie");
    expect(escapeBlock("  \n ")).toBe("");
  });

  it("names the file by the day in Amsterdam", () => {
    expect(dayOf(Date.UTC(2027, 0, 12, 23, 30))).toBe("2027-01-13");
    expect(dayOf(Date.UTC(2027, 6, 1, 21, 59))).toBe("2027-07-01");
    expect(dayOf(Date.UTC(2027, 6, 1, 22, 0))).toBe("2027-07-02");
  });
});
