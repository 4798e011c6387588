/**
 * The board as it was (issue 13): moments stored from the live document,
 * read back with the live board's visibility rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { moveCard, readBoard } from "../../app/board/domain";
import { getBoard } from "../../db/accounts";
import { listMoments } from "../../db/moments";
import { userFromCookieHeader } from "../../app/services/auth.server";
import { dailyMoments, momentBoard, takeMoment } from "../../app/services/moments.server";
import { eq, max } from "drizzle-orm";
import { DAY_MS, postForm, startTestServer, storedBytesOf, waitFor, type TestServer } from "./harness";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

/** The person behind a seeded cookie, as the routes see them. */
async function person(name: keyof TestServer["seed"]["cookies"]) {
  return (await userFromCookieHeader(t.h, t.seed.cookies[name]))!;
}

describe("taking a moment (the service the meetings use)", () => {
  it("stores the LIVE document and the audit position; replayed, it is the board as it was then, not as it is now", async () => {
    const boardId = t.seed.boardA.id;
    const [first] = t.seed.boardA.cardIds;
    const client = await t.connect(boardId, { cookie: t.seed.cookies.coordinatorA });
    // Activity heard back over socket.io: the server has finished with an edit.
    const io = await t.io({ cookie: t.seed.cookies.coordinatorA, boardId });
    const heard: Array<{ requestId: string; data: { to?: string } }> = [];
    io.on("activity:new", (rows: typeof heard) => heard.push(...rows));
    // A live edit that only the room has seen so far: the moment must include it.
    client.doc.transact(() => moveCard(client.doc, first, "open", 0, Date.now()));
    await waitFor(() => heard.some((r) => r.requestId === first && r.data?.to === "open"));
    // With two servers (PostgreSQL) the edit reaches the other one's room through the relay.
    const isOpen = (doc: Y.Doc | undefined) => !doc || readBoard(doc).cards.find((c) => c.id === first)?.column === "open";
    await waitFor(() => t.servers.every((s) => isOpen(s.rooms.peek(boardId)?.doc)));
    const expected = structuredClone(readBoard(t.serverDoc(boardId)));

    const m = await takeMoment(t.services, boardId, "meeting_start", { meetingId: "meeting-1", userId: t.seed.coordinatorA.id });
    expect(typeof m.id).toBe("string");
    expect(Math.abs(m.at - Date.now())).toBeLessThan(60_000);
    const row = (await listMoments(t.services.async, boardId)).find((x) => x.id === m.id);
    expect(row).toEqual({ id: m.id, at: m.at, reason: "meeting_start", meetingId: "meeting-1" });
    const { boardMoments, auditEvents } = t.h.t;
    const [stored] = await t.h.q.select({ a: boardMoments.lastAuditId, u: boardMoments.createdByUserId }).from(boardMoments).where(eq(boardMoments.id, m.id));
    const [audit] = await t.h.q.select({ m: max(auditEvents.id) }).from(auditEvents).where(eq(auditEvents.boardId, boardId));
    expect(stored).toEqual({ a: Number(audit!.m ?? 0), u: t.seed.coordinatorA.id });

    // The board moves on; the moment stays as it was.
    client.doc.transact(() => moveCard(client.doc, first, "afgerond", 0, Date.now()));
    await waitFor(() => heard.some((r) => r.requestId === first && r.data?.to === "afgerond"));
    const board = (await getBoard(t.h, boardId))!;
    const past = (await momentBoard(t.services, await person("memberA1"), board, m.id))!;
    expect(past.columns).toEqual(expected.columns);
    expect(past.categories).toEqual(expected.categories);
    expect(past.cards.map(({ reference: _r, ...c }) => c)).toEqual(expected.cards);
    expect(past.cards.find((c) => c.id === first)?.column).toBe("open");
    client.destroy();
  });

  it("a moment of one board is not found through another (null)", async () => {
    const m = await takeMoment(t.services, t.seed.boardB.id, "manual");
    const boardA = (await getBoard(t.h, t.seed.boardA.id))!;
    expect(await momentBoard(t.services, await person("memberA1"), boardA, m.id)).toBeNull();
    // The stored bytes decode on their own, without the room.
    const [{ data }] = await t.h.q.select({ data: t.h.t.boardMoments.data }).from(t.h.t.boardMoments).where(eq(t.h.t.boardMoments.id, m.id));
    const doc = new Y.Doc();
    Y.applyUpdate(doc, data);
    expect(readBoard(doc).cards.map((c) => c.id)).toEqual(t.seed.boardB.cardIds);
  });
});

// ------------------------------------------------------------------ the API and the page

const snapshots = (boardId: string) => `/api/boards/${boardId}/snapshots`;

async function newRequest(boardId: string, title: string, cookie: string, reference = ""): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/requests`, { cookie, body: { title, category: "taal", description: "", reference, area: "" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function manual(boardId: string, cookie = t.seed.cookies.coordinatorA): Promise<{ id: string; at: number; reason: string }> {
  const res = await t.api(snapshots(boardId), { cookie, body: {} });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Every form inside the page's <main>, as `method action`. */
function formsIn(html: string): string[] {
  const main = html.slice(html.indexOf("<main"), html.indexOf("</main>"));
  return [...main.matchAll(/<form\b[^>]*>/g)].map((m) => {
    const method = /method="([^"]*)"/.exec(m[0])?.[1] ?? "get";
    const action = /action="([^"]*)"/.exec(m[0])?.[1] ?? "";
    return `${method.toLowerCase()} ${action.replace(/&amp;/g, "&")}`;
  });
}

describe("storing a moment by hand: POST /api/boards/<id>/snapshots", () => {
  it("a coordinator gets 201 { id, at, reason: manual }; a member and a viewer 403; another alliance 404; nothing stored for them", async () => {
    const boardId = t.seed.boardA.id;
    const before = (await listMoments(t.services.async, boardId)).length;
    const res = await t.api(snapshots(boardId), { cookie: t.seed.cookies.coordinatorA, body: {} });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["at", "id", "reason"]);
    expect(res.body.reason).toBe("manual");
    expect((await listMoments(t.services.async, boardId)).at(-1)).toEqual({ id: res.body.id, at: res.body.at, reason: "manual", meetingId: null });

    for (const cookie of [t.seed.cookies.memberA1, t.seed.cookies.viewerA]) {
      const r = await t.api(snapshots(boardId), { cookie, body: {} });
      expect(r.status).toBe(403);
      expect(r.body.error).toBe("forbidden");
    }
    const foreign = await t.api(snapshots(boardId), { cookie: t.seed.cookies.memberB, body: {} });
    expect(foreign.status).toBe(404);
    const unknown = await t.api(snapshots("no-such-board"), { cookie: t.seed.cookies.memberB, body: {} });
    expect(foreign.body).toEqual(unknown.body);
    expect((await listMoments(t.services.async, boardId)).length).toBe(before + 1);
  });

  it("lists the moments oldest first as [{ id, at, reason }] for anyone of the alliance; 404 for another alliance", async () => {
    const boardId = t.seed.boardA.id;
    const a = await manual(boardId);
    const b = await manual(boardId);
    const list = await t.api(snapshots(boardId), { cookie: t.seed.cookies.viewerA });
    expect(list.status).toBe(200);
    expect(list.body.every((m: object) => Object.keys(m).sort().join() === "at,id,reason")).toBe(true);
    const ids = list.body.map((m: { id: string }) => m.id);
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    expect(ids.at(-1)).toBe(b.id);
    expect(list.body).toEqual((await listMoments(t.services.async, boardId)).map(({ id, at, reason }) => ({ id, at, reason })));
    expect((await t.api(snapshots(boardId), { cookie: t.seed.cookies.memberB })).status).toBe(404);
  });

  it("an archived board takes no moment (409 board_archived, API and page), and is still readable", async () => {
    const created = await t.api("/api/boards", { cookie: t.seed.cookies.coordinatorA, body: { name: "Bord voor het archief" } });
    const boardId = created.body.id as string;
    const m = await manual(boardId);
    expect((await t.api(`/api/boards/${boardId}`, { cookie: t.seed.cookies.coordinatorA, method: "PATCH", body: { archived: true } })).status).toBe(200);
    const res = await t.api(snapshots(boardId), { cookie: t.seed.cookies.coordinatorA, body: {} });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("board_archived");
    const page = await postForm(t.url, `/boards/${boardId}/verleden`, { intent: "take" }, { cookie: t.seed.cookies.coordinatorA });
    expect(page.status).toBe(409);
    expect((await listMoments(t.services.async, boardId)).map((x) => x.id)).toEqual([m.id]);
    expect((await t.api(`${snapshots(boardId)}/${m.id}`, { cookie: t.seed.cookies.memberA1 })).status).toBe(200);
    const html = await (await fetch(`${t.url}/boards/${boardId}/verleden`, { headers: { cookie: t.seed.cookies.coordinatorA } })).text();
    expect(html).not.toContain('data-testid="history-take"');
  });
});

describe("a moment read back: GET /api/boards/<id>/snapshots/<snapshotId>", () => {
  it("is { at, columns, cards } with a reference only for the organisation that may see it today, exactly as the live API", async () => {
    const boardId = t.seed.boardA.id;
    const requestId = await newRequest(boardId, "Woonruimte voor moeder en kind", t.seed.cookies.memberA1, "VWN-2026-0042");
    const m = await manual(boardId);
    // After the moment the other organisation takes the request on: today's holder rules apply to the past too.
    const live = (cookie: string) => t.api(`/api/boards/${boardId}/requests/${requestId}`, { cookie });
    const past = (cookie: string) => t.api(`${snapshots(boardId)}/${m.id}`, { cookie });

    const own = await past(t.seed.cookies.memberA1);
    expect(own.status).toBe(200);
    expect(Object.keys(own.body).sort()).toEqual(["at", "cards", "columns"]);
    expect(own.body.at).toBe(m.at);
    const ownCard = own.body.cards.find((c: { id: string }) => c.id === requestId);
    expect(ownCard).toMatchObject({ title: "Woonruimte voor moeder en kind", column: "nieuw", reference: "VWN-2026-0042" });
    expect((await live(t.seed.cookies.memberA1)).body.reference).toBe("VWN-2026-0042");

    const other = await past(t.seed.cookies.memberA2);
    expect(other.status).toBe(200);
    expect(other.body.cards.find((c: { id: string }) => c.id === requestId).reference).toBeNull();
    expect(JSON.stringify(other.body)).not.toContain("VWN-2026-0042");
    expect((await live(t.seed.cookies.memberA2)).body.reference).toBeNull();

    // The other organisation claims it now: the live API shows it the reference, and so does the past.
    const claim = await t.api(`/api/boards/${boardId}/requests/${requestId}/claim`, { cookie: t.seed.cookies.memberA2, body: {} });
    expect(claim.status, JSON.stringify(claim.body)).toBe(200);
    expect((await live(t.seed.cookies.memberA2)).body.reference).toBe("VWN-2026-0042");
    expect((await past(t.seed.cookies.memberA2)).body.cards.find((c: { id: string }) => c.id === requestId).reference).toBe("VWN-2026-0042");
    // Every card's reference in the past is what the live API says for this person today.
    for (const cookie of [t.seed.cookies.memberA1, t.seed.cookies.memberA2, t.seed.cookies.viewerA, t.seed.cookies.coordinatorA]) {
      const body = (await past(cookie)).body;
      for (const c of body.cards as Array<{ id: string; reference: string | null }>) {
        const l = await t.api(`/api/boards/${boardId}/requests/${c.id}`, { cookie });
        expect(c.reference, `${c.id}`).toBe(l.status === 200 ? l.body.reference : null);
      }
    }
  });

  it("404 for an unknown id, another board's moment, and for another alliance (the same answer)", async () => {
    const boardId = t.seed.boardA.id;
    const mine = await manual(boardId);
    const theirs = await takeMoment(t.services, t.seed.boardB.id, "manual");
    const unknown = await t.api(`${snapshots(boardId)}/00000000-0000-4000-8000-000000000000`, { cookie: t.seed.cookies.memberA1 });
    expect(unknown.status).toBe(404);
    const crossed = await t.api(`${snapshots(boardId)}/${theirs.id}`, { cookie: t.seed.cookies.memberA1 });
    expect(crossed.status).toBe(404);
    expect(crossed.body).toEqual(unknown.body);
    const foreign = await t.api(`${snapshots(boardId)}/${mine.id}`, { cookie: t.seed.cookies.memberB });
    const foreignUnknown = await t.api(`${snapshots("no-such-board")}/${mine.id}`, { cookie: t.seed.cookies.memberB });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(foreignUnknown.body);
    expect(JSON.stringify(foreign.body)).not.toContain(t.seed.boardA.name);
    expect((await t.api(`${snapshots(boardId)}/${mine.id}?until=${theirs.id}`, { cookie: t.seed.cookies.memberA1 })).status).toBe(404);
  });

  it("?until=<other> gives the audit events between the two moments, and only those", async () => {
    const boardId = t.seed.boardA.id;
    const before = await newRequest(boardId, "Vóór het eerste moment", t.seed.cookies.memberA1);
    const first = await manual(boardId);
    const between = await newRequest(boardId, "Tussen de momenten", t.seed.cookies.memberA2);
    const moved = await t.api(`/api/boards/${boardId}/requests/${between}`, { cookie: t.seed.cookies.memberA2, method: "PATCH", body: { column: "open" } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const second = await manual(boardId);
    await newRequest(boardId, "Na het tweede moment", t.seed.cookies.memberA1);

    const res = await t.api(`${snapshots(boardId)}/${second.id}?until=${first.id}`, { cookie: t.seed.cookies.viewerA });
    expect(res.status).toBe(200);
    const events = res.body.changes.events as Array<{ requestId: string; type: string; data: Record<string, unknown> }>;
    expect(events.map((e) => `${e.requestId === between ? "between" : e.requestId}:${e.type}`)).toEqual(["between:moved", "between:created"]);
    expect(events[0].data).toMatchObject({ from: "nieuw", to: "open" });
    expect(events.some((e) => e.requestId === before)).toBe(false);
    expect(res.body.changes.from.id).toBe(first.id);
    expect(res.body.changes.to.id).toBe(second.id);
    // Either order names the same stretch.
    const reverse = await t.api(`${snapshots(boardId)}/${first.id}?until=${second.id}`, { cookie: t.seed.cookies.viewerA });
    expect(reverse.body.changes.events).toEqual(res.body.changes.events);
    // The past is the past: the second moment has the request in "open", the first does not have it.
    expect(res.body.cards.find((c: { id: string }) => c.id === between).column).toBe("open");
    expect(reverse.body.cards.some((c: { id: string }) => c.id === between)).toBe(false);
  });
});

describe("the past view changes nothing", () => {
  it("every write method on the snapshot URLs is 405 with Allow, and the live board is as it was", async () => {
    const boardId = t.seed.boardA.id;
    const m = await manual(boardId);
    const stored = await storedBytesOf(t.h, boardId);
    const moments = (await listMoments(t.services.async, boardId));
    for (const cookie of [t.seed.cookies.coordinatorA, t.seed.cookies.memberA1]) {
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const res = await t.api(`${snapshots(boardId)}/${m.id}`, { cookie, method, body: { columns: [], cards: [] } });
        expect(res.status, `${method} snapshot`).toBe(405);
        expect(res.headers.get("allow")).toBe("GET");
      }
      for (const method of ["PUT", "PATCH", "DELETE"]) {
        const res = await t.api(snapshots(boardId), { cookie, method, body: {} });
        expect(res.status, `${method} list`).toBe(405);
        expect(res.headers.get("allow")).toBe("GET, POST");
      }
    }
    expect((await storedBytesOf(t.h, boardId)).equals(stored)).toBe(true);
    expect((await listMoments(t.services.async, boardId))).toEqual(moments);
  });

  it("the page: a member's POST is 403, a coordinator's stores a moment and shows it; no form in the page posts anywhere else", async () => {
    const boardId = t.seed.boardA.id;
    const page = `/boards/${boardId}/verleden`;
    const count = (await listMoments(t.services.async, boardId)).length;
    const stored = await storedBytesOf(t.h, boardId);
    for (const cookie of [t.seed.cookies.memberA1, t.seed.cookies.viewerA]) {
      const res = await postForm(t.url, page, { intent: "take" }, { cookie });
      expect(res.status).toBe(403);
    }
    expect((await postForm(t.url, page, { intent: "take" }, { cookie: t.seed.cookies.memberB })).status).toBe(404);
    expect((await listMoments(t.services.async, boardId)).length).toBe(count);

    const res = await postForm(t.url, page, { intent: "take" }, { cookie: t.seed.cookies.coordinatorA });
    expect(res.status).toBe(302);
    const latest = (await listMoments(t.services.async, boardId)).at(-1)!;
    expect(latest.reason).toBe("manual");
    expect(res.headers.get("location")).toBe(`${page}?moment=${latest.id}`);
    expect((await storedBytesOf(t.h, boardId)).equals(stored)).toBe(true);

    const member = await (await fetch(t.url + page, { headers: { cookie: t.seed.cookies.memberA1 } })).text();
    expect(formsIn(member)).toEqual([]);
    expect(member).toContain("Zo zag het bord eruit op");
    expect(member).toContain("alleen lezen");
    expect(member).not.toContain("/yjs/");
    const coordinator = await (await fetch(`${t.url}${page}?moment=${latest.id}`, { headers: { cookie: t.seed.cookies.coordinatorA } })).text();
    const forms = formsIn(coordinator);
    expect(forms.length).toBe(1);
    expect(forms[0]).toMatch(new RegExp(`^post ${page.replace(/[$]/g, "\\$")}(\\?|$)`));
    expect(coordinator).toContain("Nu een moment vastleggen");
  });

  it("the page shows the chosen moment, 404 for an unknown one or another alliance", async () => {
    const boardId = t.seed.boardA.id;
    const title = "Alleen in het eerste moment";
    const id = await newRequest(boardId, title, t.seed.cookies.memberA1);
    const first = await manual(boardId);
    const archived = await t.api(`/api/boards/${boardId}/requests/${id}`, { cookie: t.seed.cookies.memberA1, method: "PATCH", body: { archived: true } });
    expect(archived.status, JSON.stringify(archived.body)).toBe(200);
    const second = await manual(boardId);
    const html = async (q: string, cookie = t.seed.cookies.memberA2) => {
      const res = await fetch(`${t.url}/boards/${boardId}/verleden${q}`, { headers: { cookie } });
      return { status: res.status, text: await res.text() };
    };
    const onFirst = (await html(`?moment=${first.id}`)).text;
    expect(onFirst).toContain(`data-testid="history-card-${id}"`);
    expect(onFirst).toContain(title);
    // Archived since: not among the second moment's cards (only named in what changed).
    const onSecond = (await html(`?moment=${second.id}`)).text;
    expect(onSecond).not.toContain(`data-testid="history-card-${id}"`);
    expect(onSecond).toContain("1 gearchiveerde aanvraag");
    expect((await html("?moment=no-such-moment")).status).toBe(404);
    expect((await html(`?moment=${first.id}`, t.seed.cookies.memberB)).status).toBe(404);
    expect((await html("", t.seed.cookies.memberB)).status).toBe(404);
  });
});

// Last: it stores moments dated a day and more ahead.
describe("the daily moment", () => {
  it("is stored once for a board that changed since its last moment of a day ago, never for one that did not", async () => {
    const make = async (name: string) => (await t.api("/api/boards", { cookie: t.seed.cookies.coordinatorA, body: { name } })).body.id as string;
    const changed = await make("Bord dat verandert");
    const quiet = await make("Bord dat stil blijft");
    await manual(changed);
    await manual(quiet);
    await newRequest(changed, "Een nieuwe hulpvraag", t.seed.cookies.memberA1);

    // Not yet a day after: nothing.
    const soon = await dailyMoments(t.services, Date.now() + DAY_MS / 2);
    expect(soon.stored).not.toContain(changed);
    expect(soon.stored).not.toContain(quiet);

    const later = Date.now() + DAY_MS + 3_600_000;
    const first = await dailyMoments(t.services, later);
    expect(first.failed).toEqual([]);
    expect(first.stored).toContain(changed);
    expect(first.stored).not.toContain(quiet);
    expect((await listMoments(t.services.async, changed)).map((m) => m.reason)).toEqual(["manual", "daily"]);
    expect((await listMoments(t.services.async, changed)).at(-1)!.at).toBe(later);
    expect((await listMoments(t.services.async, quiet)).map((m) => m.reason)).toEqual(["manual"]);
    // The daily moment is the board then: the new request is in it.
    const past = await t.api(`${snapshots(changed)}/${(await listMoments(t.services.async, changed)).at(-1)!.id}`, { cookie: t.seed.cookies.memberA1 });
    expect(past.body.cards.map((c: { title: string }) => c.title)).toEqual(["Een nieuwe hulpvraag"]);

    // The same beat again, and a day after that without changes: nothing more.
    expect((await dailyMoments(t.services, later)).stored).not.toContain(changed);
    expect((await dailyMoments(t.services, later + DAY_MS + 1)).stored).not.toContain(changed);
    expect((await listMoments(t.services.async, changed)).length).toBe(2);
    expect((await listMoments(t.services.async, quiet)).length).toBe(1);
  });
});
