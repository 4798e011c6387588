/**
 * The boards the sync benchmark works on, built with the board domain (so
 * they are what the product writes), deterministic, and cached on disk:
 *
 *   - a working board: 300 cards, what an alliance has open at once
 *     (125 KB encoded);
 *   - the storm board: 10,000 cards as created, 3.7 MB encoded;
 *   - the cold-load board: 10,000 cards after 100,000 historical edits
 *     (field edits, moves, archive and restore), 5.5 MB encoded: the
 *     tombstones of the edits are a third of it.
 *
 * And the SQLite file our server reads: one alliance, a coordinator with a
 * session, and as many boards as a scenario needs.
 */
import fs from "node:fs";
import path from "node:path";
import * as Y from "yjs";
import {
  addCards,
  cardsMap,
  DEFAULT_CATEGORIES,
  DEFAULT_COLUMNS,
  initBoard,
  updateCard,
  type NewCard,
} from "../../../app/board/domain";
import { keyBetween } from "../../../app/board/order";
import { insertBoard } from "../../../db/accounts";
import { compactBoard, appendBoardUpdates } from "../../../db/board-store";
import { asyncOf, openDatabase } from "../../../db/client";
import { cardId } from "./shared";
import { makeAlliance, makeOrganisation, makeSessionCookie, makeUser } from "../../factories";
import { seededRandom as random } from "../../factories/random";
export { random };

const CATEGORIES = DEFAULT_CATEGORIES.map((c) => c.id);
const COLUMNS = DEFAULT_COLUMNS.map((c) => c.id);
const AREAS = ["Centrum", "Angelslo", "Emmerhout", "Bargeres", "Noord", "Zuid", "Rietlanden", "Delftlanden"];
const WORDS =
  "woning taalmaatje sollicitatie fiets formulier huurtoeslag inburgering vrijwilligerswerk bibliotheek gezin kinderen school buddy afspraak gemeente vervoer kleding meubels uitleg koffie wandeling".split(
    " ",
  );


function words(rnd: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(" ");
}


/** The encoded state of a board with `cards` cards after `edits` edits. */
export function buildBoardState(cards: number, edits: number, seed = 1): Uint8Array {
  const rnd = random(seed);
  const doc = new Y.Doc();
  doc.clientID = 1000 + seed;
  initBoard(doc);
  const start = Date.UTC(2026, 0, 1);
  const list: NewCard[] = Array.from({ length: cards }, (_, i) => ({
    id: cardId(i),
    title: `${words(rnd, 2)} ${i}`,
    category: CATEGORIES[i % CATEGORIES.length],
    description: words(rnd, 6),
    area: AREAS[i % AREAS.length],
    urgency: rnd() < 0.1 ? "spoed" : "normaal",
    createdAt: start + i * 60_000,
    createdByOrg: `org-${i % 8}`,
    column: COLUMNS[i % COLUMNS.length],
  }));
  addCards(doc, list);
  // Where each column ends, so a move to the end of a column is one key.
  const ends = new Map<string, string | null>(COLUMNS.map((c) => [c, null]));
  for (const m of cardsMap(doc).values()) {
    const col = m.get("column") as string;
    const order = m.get("order") as string;
    const end = ends.get(col);
    if (end == null || order > end) ends.set(col, order);
  }
  const cardsRoot = cardsMap(doc);
  for (let e = 0; e < edits; e++) {
    const id = cardId(Math.floor(rnd() * cards));
    const at = start + (cards + e) * 1000;
    const kind = rnd();
    if (kind < 0.6) {
      updateCard(doc, id, { description: words(rnd, 4 + Math.floor(rnd() * 6)) }, at);
    } else if (kind < 0.75) {
      updateCard(doc, id, { title: `${words(rnd, 2)} ${e}` }, at);
    } else if (kind < 0.8) {
      updateCard(doc, id, { urgency: rnd() < 0.5 ? "spoed" : "normaal" }, at);
    } else if (kind < 0.97) {
      // A move to the end of another column, written as moveCard writes it.
      const to = COLUMNS[Math.floor(rnd() * COLUMNS.length)];
      const order = keyBetween(ends.get(to) ?? null, null);
      ends.set(to, order);
      const m = cardsRoot.get(id)!;
      doc.transact(() => {
        m.set("column", to);
        m.set("order", order);
        m.set("updatedAt", at);
      });
    } else {
      const m = cardsRoot.get(id)!;
      doc.transact(() => {
        m.set("archived", m.get("archived") !== true);
        m.set("updatedAt", at);
      });
    }
  }
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

/** `buildBoardState`, cached in tests/bench/.cache (the large board takes a while to build). */
export function cachedBoardState(root: string, cards: number, edits: number, seed = 1): Uint8Array {
  const dir = path.join(root, "tests/bench/.cache");
  const file = path.join(dir, `board-${cards}-${edits}-${seed}.bin`);
  if (fs.existsSync(file)) return new Uint8Array(fs.readFileSync(file));
  const state = buildBoardState(cards, edits, seed);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, state);
  return state;
}

export interface OursDatabase {
  file: string;
  cookie: string;
  boardIds: string[];
}

/**
 * A SQLite file for our server: one alliance and organisation, a coordinator
 * with a session, and one board per entry of `boards`, stored as the server
 * stores a compacted board (a snapshot; `log` further updates after it).
 */
export async function makeOursDatabase(
  file: string,
  boards: Array<{ state: Uint8Array; log?: Uint8Array[] }>,
): Promise<OursDatabase> {
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(file + suffix, { force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = openDatabase(file, { migrate: true });
  const db = database.db;
  const alliance = await makeAlliance(db, { name: "Bench-alliantie" });
  const org = await makeOrganisation(db, { allianceId: alliance.id, name: "Gemeente" });
  const user = await makeUser(db, { organisationId: org.id, email: "bench@example.org", name: "Bench", role: "coordinator" });
  const cookie = await makeSessionCookie(db, user.id, 2);
  const boardIds: string[] = [];
  for (const [i, b] of boards.entries()) {
    const id = `bench-${String(i).padStart(3, "0")}`;
    await insertBoard(asyncOf(db), { id, allianceId: alliance.id, name: `Bord ${i}` });
    compactBoard(db, id, b.state, 0);
    if (b.log?.length) appendBoardUpdates(db, id, b.log);
    boardIds.push(id);
  }
  database.close();
  return { file, cookie, boardIds };
}
