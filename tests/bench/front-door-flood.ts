/**
 * Benchmark: the public front door under a flood, and the board staying
 * live for its members meanwhile.
 *
 *   npm run bench -- --only flood
 *   npx tsx tests/bench/front-door-flood.ts
 *
 * The real server runs as its own process (`spawnServer` of the integration
 * harness, with the Remix build) on a temporary SQLite file, the front door
 * of alliance A open on board A. Two members of that board are real
 * y-websocket clients in this process: the writer edits a card's
 * description 20 times a second (the board domain's updateCard), the reader
 * notes when each edit arrives (one process, one clock): their edit
 * round-trip, for 10 s before and 10 s during the flood. The flood is 64
 * senders in a process of their own posting `POST /api/public/<slug>/requests`
 * back to back from one
 * address (half with the honeypot filled), so after the first few items the
 * guard refuses everything (honeypot, address budget): answers per second
 * and their codes are printed, with the items actually stored.
 *
 * It also times the guard alone in this process (admitSubmission on the
 * same database: a honeypot hit, and an address over its budget, which
 * reads SQL), so the cost of a refusal is seen without HTTP.
 *
 * Without the front door's route in the build (its JSON API answers 404),
 * the HTTP part is skipped and says so. No assertions.
 */
import { spawn } from "node:child_process";
import os from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { getCard, updateCard } from "../../app/board/domain";
import { admitSubmission, formGuard } from "../../app/services/front-door-guard.server";
import { parseEnv } from "../../app/services/env.server";
import { percentile } from "../hostile/results";
import { connectYjs, createTestDatabase, sleep, spawnServer } from "../integration/harness";

export interface FloodFigures {
  p50: number | null;
  p99: number | null;
  max: number | null;
  edits: number;
  /**
   * Edits whose value the reader never saw because a later edit of the same
   * field came in the same frame (the server merges a tick's updates, and
   * spaces ticks under load): delivered, overwritten. Their round-trip is
   * the frame's (the moment the later value showed).
   */
  superseded: number;
  /** Edits the reader's document never reached: no later value of the field came either. */
  lost: number;
}

export interface FloodBenchResult {
  httpFlood: null | {
    seconds: number;
    senders: number;
    answersPerSecond: number;
    statuses: Record<string, number>;
    stored: number;
    answerP99Ms: number | null;
  };
  skipped?: string;
  membersBefore: FloodFigures;
  membersDuring: FloodFigures;
  guardInProcess: { honeypotPerSecond: number; addressBudgetPerSecond: number; tokenInvalidPerSecond: number };
  loadAverage: number;
  cores: number;
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

async function perSecond(fn: () => unknown, ms = 1_000): Promise<number> {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
  }
  return Math.round(n / (ms / 1000));
}

/** One public submission as a bot would send it (half of them with the honeypot filled): "status code". */
async function post(url: string, honeypot: boolean): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ kind: "request", category: "taal", text: "Ik zoek iemand om Nederlands mee te oefenen.", language: "nl", ...(honeypot ? { website: "http://spam.example" } : {}) }),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return `${res.status}${body.error ? ` ${body.error}` : ""}`;
}

/** The flood itself, run as a child process: `senders` loops posting back to back for `seconds`; prints one JSON line. */
async function sendFlood(url: string, seconds: number, senders: number): Promise<void> {
  const statuses: Record<string, number> = {};
  const times: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: senders }, async (_, i) => {
      for (let k = 0; performance.now() < end; k++) {
        const t0 = performance.now();
        const s = await post(url, (i + k) % 2 === 0).catch((e: Error) => `error ${e.message}`);
        times.push(performance.now() - t0);
        statuses[s] = (statuses[s] ?? 0) + 1;
      }
    }),
  );
  console.log(JSON.stringify({ statuses, elapsed: (performance.now() - started) / 1000, p99: percentile(times, 99) }));
}

export async function benchFrontDoorFlood(o: { seconds?: number; senders?: number; log?: (line: string) => void } = {}): Promise<FloodBenchResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const seconds = o.seconds ?? 10;
  const senders = o.senders ?? 64;
  const tdb = await createTestDatabase();
  const { seed } = tdb;
  const sqlite = tdb.database.sqlite;
  const slug = (sqlite.prepare("select slug from alliances where id = ?").get(seed.allianceA.id) as { slug: string }).slug;
  const columns = (sqlite.prepare("pragma table_info(alliances)").all() as { name: string }[]).map((c) => c.name);
  if (columns.includes("front_door_enabled") && columns.includes("front_door_board_id")) {
    sqlite.prepare("update alliances set front_door_enabled = 1, front_door_board_id = ? where id = ?").run(seed.boardA.id, seed.allianceA.id);
  }

  // The guard alone, in this process, on the same database.
  const svc = { db: tdb.database.db, async: tdb.database.async, env: parseEnv({ LOG_LEVEL: "silent" }), now: Date.now };
  const allianceId = seed.allianceA.id;
  const base = { allianceId, address: "198.51.100.7", honeypot: "", powSolution: undefined } as const;
  const honeypotPerSecond = await perSecond(() => admitSubmission(svc, { ...base, honeypot: "x", token: undefined }));
  const tokenInvalidPerSecond = await perSecond(() => admitSubmission(svc, { ...base, token: "f1.x.y" }));
  // An address over its hour: five items of its key today.
  const first = await admitSubmission(svc, { ...base, channel: "api", token: undefined });
  if (first.ok) {
    const insert = sqlite.prepare(
      "insert into front_door_items (id, alliance_id, board_id, request_id, kind, language, code_hash, address_key, created_at) values (?, ?, ?, null, 'request', 'nl', ?, ?, ?)",
    );
    for (let i = 0; i < 5; i++) insert.run(`bench-${i}`, allianceId, seed.boardA.id, `bench-code-${i}`, first.addressKey, Date.now());
  }
  const addressBudgetPerSecond = await perSecond(() => admitSubmission(svc, { ...base, channel: "api", token: undefined }));
  void formGuard;
  sqlite.prepare("delete from front_door_items").run();

  const server = await spawnServer({ databaseUrl: tdb.url, env: { LOG_LEVEL: "error" } });
  const cardId = seed.boardA.cardIds[0];
  const writer = await connectYjs(server.url, seed.boardA.id, { cookie: seed.cookies.memberA1 });
  const reader = await connectYjs(server.url, seed.boardA.id, { cookie: seed.cookies.memberA2 });
  const sentAt = new Map<number, number>();
  const latencies: { at: number; ms: number; seq: number; superseded: boolean }[] = [];
  /** The newest edit the reader has seen: every edit up to it has reached its document (the field holds the last). */
  let seen = 0;
  reader.doc.on("update", () => {
    const text = getCard(reader.doc, cardId)?.description;
    const m = typeof text === "string" ? /^bench (\d+)$/.exec(text) : null;
    if (!m) return;
    const seq = Number(m[1]);
    const now = performance.now();
    for (let k = seen + 1; k <= seq; k++) {
      const t0 = sentAt.get(k);
      if (t0 !== undefined) latencies.push({ at: now, ms: now - t0, seq: k, superseded: k < seq });
    }
    seen = Math.max(seen, seq);
  });
  let seq = 0;
  const editFor = async (ms: number): Promise<FloodFigures> => {
    const from = seq;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      seq++;
      sentAt.set(seq, performance.now());
      updateCard(writer.doc, cardId, { description: `bench ${seq}` }, Date.now());
      await sleep(50);
    }
    await sleep(1_000);
    const reached = latencies.filter((l) => l.seq > from && l.seq <= seq);
    const mine = reached.map((l) => l.ms);
    return {
      p50: round(percentile(mine, 50)),
      p99: round(percentile(mine, 99)),
      max: round(mine.length ? Math.max(...mine) : null),
      edits: seq - from,
      superseded: reached.filter((l) => l.superseded).length,
      lost: seq - from - reached.length,
    };
  };

  let httpFlood: FloodBenchResult["httpFlood"] = null;
  let skipped: string | undefined;
  let membersDuring: FloodFigures;
  const membersBefore = await editFor(seconds * 1000);
  const url = `${server.url}/api/public/${slug}/requests`;
  const probe = await post(url, false);
  // 404: no such route; 403 forbidden_origin without an Origin: the server's CSRF guard, so the route is not open to the public.
  if (probe.startsWith("404") || probe === "403 forbidden_origin") {
    skipped = `the front door's JSON API is not in this build (${probe}): flood skipped`;
    log(`  ${skipped}`);
    membersDuring = await editFor(seconds * 1000);
  } else {
    // The senders are a process of their own: this one only edits and reads, as two members' browsers would.
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--sender", url, String(seconds + 1), String(senders)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const done = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    await sleep(500);
    membersDuring = await editFor(seconds * 1000);
    await done;
    const sent = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { statuses: Record<string, number>; elapsed: number; p99: number | null };
    const answers = Object.values(sent.statuses).reduce((x, y) => x + y, 0);
    const stored = (sqlite.prepare("select count(*) as n from front_door_items").get() as { n: number }).n;
    httpFlood = { seconds: round(sent.elapsed)!, senders, answersPerSecond: Math.round(answers / sent.elapsed), statuses: sent.statuses, stored, answerP99Ms: round(sent.p99) };
  }
  writer.destroy();
  reader.destroy();
  await server.stop();
  tdb.cleanup();
  return {
    httpFlood,
    ...(skipped ? { skipped } : {}),
    membersBefore,
    membersDuring,
    guardInProcess: { honeypotPerSecond, addressBudgetPerSecond, tokenInvalidPerSecond },
    loadAverage: round(os.loadavg()[0])!,
    cores: os.cpus().length,
  };
}

export function printFloodBench(r: FloodBenchResult, log: (line: string) => void = (l) => console.log(l)): void {
  const g = r.guardInProcess;
  log(`  guard alone (this process): honeypot ${g.honeypotPerSecond}/s, bad token ${g.tokenInvalidPerSecond}/s, address over budget (SQL) ${g.addressBudgetPerSecond}/s`);
  if (r.httpFlood) {
    const f = r.httpFlood;
    log(`  flood: ${f.senders} senders, ${f.seconds} s, ${f.answersPerSecond} answers/s (p99 ${f.answerP99Ms} ms), items stored: ${f.stored}`);
    log(`  answers: ${Object.entries(f.statuses).map(([k, v]) => `${k} ×${v}`).join(", ")}`);
  } else log(`  flood: ${r.skipped}`);
  const m = (x: FloodFigures) => `p50 ${x.p50} ms, p99 ${x.p99} ms, max ${x.max} ms, ${x.edits} edits, ${x.superseded} overwritten in the frame that carried them, ${x.lost} lost`;
  log(`  members' edit round-trip before: ${m(r.membersBefore)}`);
  log(`  members' edit round-trip during: ${m(r.membersDuring)}`);
  log(`  load average ${r.loadAverage} on ${r.cores} cores`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv[2] === "--sender") {
  await sendFlood(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
  process.exit(0);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchFrontDoorFlood();
  printFloodBench(r);
  process.exit(0);
}
