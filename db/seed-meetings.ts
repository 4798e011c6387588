/**
 * The demo's meetings (issue 13), written through the meetings service as a
 * coordinator would: an alliance meeting about four weeks ago, run and ended
 * (decisions, actions for three organisations, who was there), and the next
 * one planned in a week with the agenda proposed from the board as it is.
 *
 * The seed has no live boards, so the service runs here with a clock set to
 * the moment of each step and a board reader of its own: during the past
 * meeting it reads the board as it was then (the requests entered by then,
 * in the column their history had them in, archived if they were), so the
 * meeting's start and end moments and its proposed agenda show that board,
 * and "since the last meeting" counts four weeks of real-looking work.
 * Last, a daily moment of the board as seeded.
 */
import * as Y from "yjs";
import { addCards, initBoard, setArchived } from "../app/board/domain";
import { amsterdamDay, amsterdamToMs } from "../app/board/meeting-time";
import type { AppServices } from "../app/services/context.server";
import { takeMoment } from "../app/services/moments.server";
import { addAction, addDecision, createMeeting, endMeeting, setAttendees, setCurrentItem, startMeeting, updateAction, updateMeeting } from "../app/services/meetings.server";
import { getUserById, type SessionUser } from "./accounts";
import { loadBoardStateAsync } from "./board-store";
import type { AsyncDb, DB } from "./client";
import { demoCard, type DemoOrgKey, type DemoRequest } from "./demo-data";

const DAY = 86400_000;
const MINUTE = 60_000;

/** The board as it was at `at`: what the seed's history says each request looked like then. */
function boardAt(requests: Array<{ id: string; r: DemoRequest }>, orgOf: (key: DemoOrgKey) => string, at: number): Uint8Array {
  const doc = new Y.Doc();
  initBoard(doc);
  const then = requests.filter(({ r }) => r.createdAt <= at);
  addCards(
    doc,
    then.map(({ id, r }) => {
      const moves = r.steps.filter((s) => s.kind === "move" && s.at <= at);
      const last = moves[moves.length - 1];
      return demoCard(id, r, orgOf(r.org), last && last.kind === "move" ? last.to : "nieuw");
    }),
  );
  for (const { id, r } of then) if (r.archivedAt !== null && r.archivedAt <= at) setArchived(doc, id, true, r.archivedAt);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

async function storedBoard(h: AsyncDb, boardId: string): Promise<Uint8Array> {
  const stored = await loadBoardStateAsync(h, boardId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

function must<T extends { ok: boolean }>(step: string, res: T): Extract<T, { ok: true }> {
  if (!res.ok) throw new Error(`Demo meeting: ${step} failed: ${JSON.stringify(res)}`);
  return res as Extract<T, { ok: true }>;
}

export async function seedDemoMeetings(
  h: AsyncDb,
  o: { boardId: string; requests: Array<{ id: string; r: DemoRequest }>; orgOf: (key: DemoOrgKey) => string; userIdByEmail: (email: string) => string; now: number },
): Promise<{ endedId: string; plannedId: string }> {
  let clock = 0;
  let board: Uint8Array = new Uint8Array();
  /** The board read by the service: a fresh document from `board` each time; a change to it is a bug here. */
  const withBoard = <T>(fn: (doc: Y.Doc) => T): T => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, board);
    doc.on("update", () => {
      throw new Error("The demo seed's board reader does not write");
    });
    try {
      return fn(doc);
    } finally {
      doc.destroy();
    }
  };
  const svc = {
    // No synchronous handle, as on a PostgreSQL server: the services used here go through `async` only (both engines).
    db: undefined as unknown as DB,
    async: h,
    now: () => clock,
    env: {} as AppServices["env"],
    mail: { enabled: false, enqueue: async () => false, wake: () => {} },
    rooms: {
      readDoc: (_boardId: string, fn: (doc: Y.Doc) => unknown) => withBoard(fn),
      withDoc: async (_boardId: string, fn: (doc: Y.Doc) => unknown) => withBoard(fn),
      disconnectUser: () => {},
      reconnectBoard: () => {},
      rebuild: () => {
        throw new Error("the demo seed rebuilds no board");
      },
      disconnectSessions: () => {},
      presentUsers: () => [],
    },
    // Nobody is connected while the demo is seeded.
    realtime: { toBoard: () => {}, toOrganisation: () => {}, toUser: () => {} },
  } as AppServices;
  const person = async (email: string): Promise<SessionUser> => (await getUserById(h, o.userIdByEmail(email)))!;
  const coordinator = await person("coordinator@ave.example");

  // The last meeting: four weeks ago, 19:30–21:00 in Emmen.
  const start = amsterdamToMs(amsterdamDay(o.now - 28 * DAY), "19:30")!;
  clock = start - 7 * DAY;
  board = boardAt(o.requests, o.orgOf, clock);
  const { id: endedId } = must("plan", await createMeeting(svc, coordinator, o.boardId, { title: "Alliantieoverleg AVE Emmen", at: start }));
  clock = start;
  board = boardAt(o.requests, o.orgOf, clock);
  const started = must("start", await startMeeting(svc, coordinator, endedId)).meeting;
  // Twenty minutes per item for the first four, then the rest of the evening on the last one taken.
  for (const item of started.agenda.slice(1, 4)) {
    clock += 20 * MINUTE;
    must("next item", await setCurrentItem(svc, coordinator, endedId, item.id));
  }
  const at = (minutes: number) => {
    clock = start + minutes * MINUTE;
  };
  // A housing request on the board then and still open now (the family of five, if it was entered by then): the meeting took an action on it.
  const open = ({ r }: { r: DemoRequest }) => r.createdAt < start && r.archivedAt === null && r.column !== "afgerond";
  const family =
    o.requests.find((x) => x.r.title === "Gezin van vijf zoekt eengezinswoning" && open(x)) ??
    o.requests.find((x) => x.r.category === "wonen" && open(x)) ??
    o.requests.find(open)!;
  // Decisions and actions under the agenda item they were taken on (the minutes list them there).
  const itemWith = (kind: string, query?: string) => started.agenda.find((i) => i.kind === kind && (!query || i.view.query.includes(query)))?.id;
  const taalItem = itemWith("category", "categorie=taal");
  const wonenItem = itemWith("category", "categorie=wonen");
  const staleItem = itemWith("unclaimed");
  at(15);
  must("decision", await addDecision(svc, coordinator, endedId, { itemId: taalItem, text: "Taalhuis coördineert alle vragen om een taalmaatje; de andere organisaties verwijzen door." }));
  at(35);
  must("decision", await addDecision(svc, coordinator, endedId, { itemId: staleItem, text: "Vragen die twee weken door niemand zijn opgepakt, staan voortaan standaard op de agenda." }));
  at(50);
  must("decision", await addDecision(svc, coordinator, endedId, { itemId: wonenItem, text: `De gemeente zoekt met voorrang een oplossing voor "${family.r.title}".`, requestId: family.id }));
  at(55);
  const taalhuis = must(
    "action",
    await addAction(svc, coordinator, endedId, { itemId: taalItem, text: "Overzicht maken van de beschikbare taalmaatjes", orgId: o.orgOf("taalhuis"), due: amsterdamDay(start + 14 * DAY) }),
  ).action;
  at(60);
  must(
    "action",
    await addAction(svc, coordinator, endedId, {
      itemId: wonenItem,
      text: "Met de woningcorporatie overleggen over een passende woning",
      orgId: o.orgOf("gemeente"),
      due: amsterdamDay(o.now - 6 * DAY),
      requestId: family.id,
    }),
  );
  at(65);
  must(
    "action",
    await addAction(svc, coordinator, endedId, { itemId: wonenItem, text: "Vrijwilligers werven voor hulp bij verhuizingen", orgId: o.orgOf("vrijwilligerscentrum"), due: amsterdamDay(o.now + 10 * DAY) }),
  );
  must(
    "attendees",
    await setAttendees(svc, coordinator, endedId, [
      ...["coordinator@ave.example", "gemeente@ave.example", "vluchtelingenwerk@ave.example", "coa@ave.example", "taalhuis@ave.example", "vrijwilligerscentrum@ave.example", "maatjes@ave.example"].map((email) => ({
        userId: o.userIdByEmail(email),
      })),
      { name: "Karin Bos (GGD Drenthe)", orgId: null },
    ]),
  );
  at(90);
  must("end", await endMeeting(svc, coordinator, endedId));
  must(
    "summary",
    await updateMeeting(svc, coordinator, endedId, {
      summary: "Afspraken over de taalmaatjes en over vragen die blijven liggen; de gemeente pakt de woningvraag van het gezin op met de corporatie.",
    }),
  );
  // Taalhuis finished its action ten days later.
  clock = start + 10 * DAY;
  must("done", await updateAction(svc, await person("taalhuis@ave.example"), taalhuis.id, { done: true }));

  // The next meeting: in a week, its agenda proposed from the board as it is now.
  clock = o.now;
  board = await storedBoard(h, o.boardId);
  const next = amsterdamToMs(amsterdamDay(o.now + 7 * DAY), "19:30")!;
  const { id: plannedId } = must("plan next", await createMeeting(svc, coordinator, o.boardId, { title: "Alliantieoverleg AVE Emmen", at: next }));
  // And the board as it is when seeded, as the daily sweep would store it at the server's first start
  // (the board changed since the meeting's end): the past view starts with today's board.
  clock = Math.max(o.now, Date.now());
  await takeMoment(svc, o.boardId, "daily");
  return { endedId, plannedId };
}
