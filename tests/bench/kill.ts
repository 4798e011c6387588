/**
 * kill -9 at random moments while many clients edit one board: the server
 * (a child process, `spawnServer` of the integration harness, with its
 * process group) is killed, the SQLite file is checked while it is down, and
 * a new server is started on the same port; the clients (real y-websocket
 * providers) reconnect by themselves and go on editing.
 *
 * What must hold, every time:
 *   - every change any client had received from the server is in the SQLite
 *     file (its structs by state vector, its deletions by delete set): the
 *     server commits before it broadcasts, so nothing seen can be lost;
 *   - `PRAGMA integrity_check` answers `ok`;
 * and at the end, once every client has resynced, the server has every edit
 * every client made (offline edits are resent on reconnect).
 *
 *   npx tsx tests/bench/kill.ts [--quick]     50 kills, 20 clients × 500 edits (--quick: 5 kills, 6 × 100)
 *   npm run bench -- --only kill              the same, figures into results.json's details.kill
 *
 * The short variant runs in the hostile suite (tests/hostile/kill.test.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as Y from "yjs";
import * as decoding from "lib0/decoding";
import { openDatabase } from "../../db/client";
import { updateCard } from "../../app/board/domain";
import { makeBoard, makeSessionCookie } from "../factories";
import {
  connectYjs,
  createTestDatabase,
  seededRandom,
  sleep,
  spawnServer,
  storedDoc,
  waitFor,
  withTimeout,
  type SpawnedServer,
  type YClient,
} from "../integration/harness";
import { percentile, rssOfGroup, rssSampler } from "../hostile/results";

export interface KillOptions {
  clients: number;
  edits: number;
  kills: number;
  /** Pause between one client's edits, in ms (randomised ×0.5–1.5). */
  pauseMs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface KillResult {
  clients: number;
  editsPerClient: number;
  kills: number;
  /** Changes some client had received from the server that were missing from the SQLite file after a kill. */
  lostReceived: number;
  /** Edits a client made that the server did not have once every client had resynced at the end. */
  lostAtEnd: number;
  /** Kills after which `PRAGMA integrity_check` was `ok`. */
  integrityOk: number;
  /** Kills after which nothing received was missing and the file was intact. */
  survived: number;
  /** Times the server failed to come back, or died without being killed. */
  crashes: number;
  /** Changes received by any client, checked after the kills (distinct update ranges). */
  receivedChecked: number;
  restartMs: { p50: number | null; max: number | null };
  peakServerRssMb: number | null;
  seconds: number;
  problems: string[];
}

/** What clients have received from the server: the highest clock per client id, and every deleted range. */
export class ReceivedFrontier {
  readonly clocks = new Map<number, number>();
  readonly deletions = new Map<string, { client: number; clock: number; len: number }>();
  updates = 0;

  /**
   * `update` is exactly what the server sent (a sync step 2 or an update
   * message), not what applying it did to the client's document: there a
   * received item can also be deleted by the client's own unsent edit, which
   * the server never had.
   */
  add(update: Uint8Array): void {
    this.updates++;
    const { structs, ds } = Y.decodeUpdate(update) as unknown as {
      structs: Array<{ id: { client: number; clock: number }; length: number; constructor: unknown }>;
      ds: { clients: Map<number, Array<{ clock: number; len: number }>> };
    };
    for (const s of structs) {
      if (s instanceof Y.Skip) continue;
      const end = s.id.clock + s.length;
      if ((this.clocks.get(s.id.client) ?? 0) < end) this.clocks.set(s.id.client, end);
    }
    for (const [client, ranges] of ds.clients) {
      for (const r of ranges) this.deletions.set(`${client}:${r.clock}:${r.len}`, { client, clock: r.clock, len: r.len });
    }
  }

  /** What of it the stored document lacks, in words (empty when nothing). */
  missingFrom(doc: Y.Doc): string[] {
    const missing: string[] = [];
    const sv = Y.decodeStateVector(Y.encodeStateVector(doc));
    for (const [client, clock] of this.clocks) {
      const have = sv.get(client) ?? 0;
      if (have < clock) missing.push(`client ${client}: received up to clock ${clock}, stored up to ${have}`);
    }
    const stored = Y.createDeleteSetFromStructStore(doc.store);
    for (const d of this.deletions.values()) {
      if (!Y.isDeleted(stored, Y.createID(d.client, d.clock)) || !Y.isDeleted(stored, Y.createID(d.client, d.clock + d.len - 1))) {
        const first = Y.isDeleted(stored, Y.createID(d.client, d.clock));
        missing.push(
          `deletion ${d.client}:${d.clock}+${d.len} received but not stored (the file has that client up to clock ${sv.get(d.client) ?? 0}; ` +
            `its first item ${first ? "is" : "is not"} deleted there)`,
        );
      }
    }
    return missing;
  }
}

/** The update in a sync step 2 or update message from the server, or null for any other message. */
function serverUpdateOf(data: unknown): Uint8Array | null {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : Buffer.isBuffer(data) ? new Uint8Array(data) : null;
  if (!bytes) return null;
  const d = decoding.createDecoder(bytes);
  if (decoding.readVarUint(d) !== 0) return null;
  const step = decoding.readVarUint(d);
  return step === 1 || step === 2 ? decoding.readVarUint8Array(d) : null;
}

export async function runKill(o: KillOptions): Promise<KillResult> {
  const log = o.log ?? (() => undefined);
  const rnd = seededRandom(o.seed ?? 10);
  const pause = o.pauseMs ?? 60;
  const started = Date.now();
  const problems: string[] = [];
  const tdb = await createTestDatabase();
  const { seed } = tdb;
  const people = [seed.memberA1, seed.memberA2, seed.coordinatorA];
  const cardCount = Math.max(8, o.clients * 2);
  const board = await makeBoard(tdb.database.db, {
    allianceId: seed.allianceA.id,
    name: "Kill -9",
    cards: Array.from({ length: cardCount }, (_, i) => ({
      title: `Hulpvraag ${i}`,
      category: "wonen",
      description: "",
      area: "",
      urgency: "normaal" as const,
      createdByOrg: i % 2 ? seed.orgA2.id : seed.orgA1.id,
    })),
  });
  let server: SpawnedServer = await spawnServer({ databaseUrl: tdb.url });
  const port = server.port;
  const rss = rssSampler(() => rssOfGroup(server.child.pid!), 100);
  const frontier = new ReceivedFrontier();
  const clients: YClient[] = [];
  let crashes = 0;
  let killing = false;
  const onExit = (s: SpawnedServer) =>
    s.child.once("exit", () => {
      if (!killing) {
        crashes++;
        problems.push(`the server exited without being killed:\n${s.output().slice(-2000)}`);
      }
    });
  onExit(server);

  try {
    for (let i = 0; i < o.clients; i++) {
      const cookie = await makeSessionCookie(tdb.database.db, people[i % people.length].id);
      const c = await connectYjs(server.url, board.id, { cookie, timeout: 30_000 });
      // Every socket the provider opens from now on (it opens a new one after each kill).
      const hook = () => {
        const ws = c.provider.ws as unknown as { addEventListener(type: "message", fn: (e: { data: unknown }) => void): void } | null;
        ws?.addEventListener("message", (e) => {
          const update = serverUpdateOf(e.data);
          if (update) frontier.add(update);
        });
      };
      c.provider.on("status", ({ status }: { status: string }) => status === "connected" && hook());
      hook();
      clients.push(c);
    }
    const total = o.clients * o.edits;
    // The moments of the kills: after this many edits in all, spread at random over the run.
    const killAt = Array.from({ length: o.kills }, () => Math.floor(rnd() * total * 0.95)).sort((a, b) => a - b);
    let made = 0;
    const editing = clients.map(async (c, i) => {
      const r = seededRandom((o.seed ?? 10) * 1000 + i);
      let offline = 0;
      for (let j = 0; j < o.edits; j++) {
        await sleep(pause * (0.5 + r()));
        // While the server is down a third of the clients go on editing for a few edits (kept in
        // their document, sent when they reconnect); the others wait, as a person waits for the board.
        if (!(c.provider.wsconnected && c.provider.synced)) {
          if (i % 3 === 0 && offline < 3) offline++;
          else await waitFor(() => c.provider.wsconnected && c.provider.synced, { timeout: 120_000, interval: 20, message: `client ${i} reconnects` });
        } else offline = 0;
        // Each member edits requests their own organisation entered (even: A1, odd: A2); the coordinator any.
        const at = (i * 2 + j) % board.cardIds.length;
        const who = people[i % people.length];
        const card = board.cardIds[who === seed.memberA1 ? at - (at % 2) : who === seed.memberA2 ? at | 1 : at];
        updateCard(c.doc, card, j % 4 === 3 ? { area: `Wijk ${i}-${j}` } : { title: `Titel ${i} #${j}` }, Date.now());
        made++;
      }
    });
    const allEdited = Promise.all(editing);
    let done = false;
    void allEdited.then(() => (done = true));

    const restartMs: number[] = [];
    let integrityOk = 0;
    let survived = 0;
    let lostReceived = 0;
    for (let k = 0; k < killAt.length; k++) {
      await waitFor(() => done || made >= killAt[k], { timeout: 600_000, interval: 5, message: `edit ${killAt[k]} of ${total}` });
      if (done) {
        problems.push(`only ${k} of ${o.kills} kills happened before the edits ended`);
        break;
      }
      killing = true;
      await server.kill();
      killing = false;
      // While it is down: the file as the next server will find it.
      const check = openDatabase(tdb.url);
      let ok = false;
      let missing: string[] = [];
      try {
        const integrity = check.sqlite.pragma("integrity_check", { simple: true });
        ok = integrity === "ok";
        if (ok) integrityOk++;
        else problems.push(`kill ${k + 1}: integrity_check said ${String(integrity)}`);
        missing = frontier.missingFrom(storedDoc(check.db, board.id));
      } finally {
        check.close();
      }
      lostReceived += missing.length;
      if (missing.length) problems.push(`kill ${k + 1} (after edit ${killAt[k]}): ${missing.length} received changes not stored, e.g. ${missing.slice(0, 3).join("; ")}`);
      if (ok && missing.length === 0) survived++;
      log(`kill ${k + 1}/${o.kills} after ${made} of ${total} edits: integrity ${ok ? "ok" : "NOT ok"}, ${frontier.clocks.size} client clocks and ${frontier.deletions.size} deletions received, ${missing.length} missing`);
      const t0 = Date.now();
      try {
        server = await spawnServer({ databaseUrl: tdb.url, port });
      } catch (e) {
        crashes++;
        problems.push(`kill ${k + 1}: the server did not come back: ${(e as Error).message.slice(0, 2000)}`);
        throw e;
      }
      restartMs.push(Date.now() - t0);
      onExit(server);
    }

    await withTimeout(allEdited, 600_000, "every client's edits");
    // Every client back online and synced, then: the server has every edit of every client.
    await waitFor(() => clients.every((c) => c.provider.wsconnected && c.provider.synced), { timeout: 60_000, message: "every client reconnected" });
    for (const c of clients) await c.roundTrip(30_000);
    const checker = await connectYjs(server.url, board.id, { cookie: await makeSessionCookie(tdb.database.db, seed.memberA1.id), timeout: 30_000 });
    let lostAtEnd = 0;
    try {
      const have = Y.decodeStateVector(Y.encodeStateVector(checker.doc));
      for (const c of clients) {
        const own = Y.getState(c.doc.store, c.doc.clientID);
        if ((have.get(c.doc.clientID) ?? 0) < own) {
          lostAtEnd++;
          problems.push(`client ${c.doc.clientID}: made edits up to clock ${own}, the server has ${have.get(c.doc.clientID) ?? 0}`);
        }
      }
    } finally {
      checker.destroy();
    }
    for (const c of clients) c.destroy();
    clients.length = 0;
    killing = true;
    await server.stop();
    const final = openDatabase(tdb.url);
    try {
      const integrity = final.sqlite.pragma("integrity_check", { simple: true });
      if (integrity !== "ok") problems.push(`after the last, graceful stop: integrity_check said ${String(integrity)}`);
      const missing = frontier.missingFrom(storedDoc(final.db, board.id));
      if (missing.length) problems.push(`after the last stop: ${missing.length} received changes not stored`);
      lostReceived += missing.length;
    } finally {
      final.close();
    }
    rss.stop();
    return {
      clients: o.clients,
      editsPerClient: o.edits,
      kills: restartMs.length,
      lostReceived,
      lostAtEnd,
      integrityOk,
      survived,
      crashes,
      receivedChecked: frontier.updates,
      restartMs: { p50: percentile(restartMs, 50), max: restartMs.length ? Math.max(...restartMs) : null },
      peakServerRssMb: rss.peakMb(),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      problems,
    };
  } finally {
    rss.stop();
    for (const c of clients) c.destroy();
    killing = true;
    await server.stop().catch(() => undefined);
    tdb.cleanup();
  }
}

export function describeKill(r: KillResult): string {
  return [
    `kill -9: ${r.kills} kills during ${r.clients} clients × ${r.editsPerClient} edits in ${r.seconds} s`,
    `  lost changes that a client had received: ${r.lostReceived}; edits missing at the end: ${r.lostAtEnd}`,
    `  integrity_check ok after ${r.integrityOk} of ${r.kills} kills; ${r.receivedChecked} received updates checked; crashes ${r.crashes}`,
    `  restart p50 ${r.restartMs.p50 ?? "–"} ms, max ${r.restartMs.max ?? "–"} ms; server peak RSS ${r.peakServerRssMb?.toFixed(0) ?? "–"} MB`,
    ...r.problems.map((p) => `  PROBLEM: ${p}`),
  ].join("\n");
}

/** `npm run bench -- --only kill`: the long variant (50 kills, 20 clients × 500 edits). */
export async function benchKill(opts: { quick?: boolean } = {}): Promise<KillResult> {
  const o = opts.quick ? { clients: 6, edits: 100, kills: 5, pauseMs: 30 } : { clients: 20, edits: 500, kills: 50, pauseMs: 60 };
  console.log(`\n=== kill -9: ${o.kills} kills during ${o.clients} clients × ${o.edits} edits`);
  const r = await runKill({ ...o, log: (l) => console.log(`  ${l}`) });
  console.log(describeKill(r));
  return r;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchKill({ quick: process.argv.includes("--quick") });
  process.exit(r.lostReceived || r.lostAtEnd || r.crashes || r.integrityOk < r.kills ? 1 : 0);
}
