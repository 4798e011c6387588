/**
 * Benchmark: the coordinator's overview on a board of 5,000 requests.
 *
 *   npx remix build            # the bench serves the real Remix build
 *   npx tsx tests/bench/overview.ts
 *
 * Builds a temporary SQLite file (factories: an alliance, 8 organisations, a
 * coordinator, one board with 5,000 generated requests over half a year,
 * ~40% claimed with a "claimed" audit event, the done column reached with a
 * "moved" event, offers per organisation, some shared references), starts the
 * real server in this process (server/app.ts createAppServer with
 * build/index.js) on a free port, and measures over HTTP on 127.0.0.1:
 *
 *   - GET /boards/<id>/overzicht          (server-rendered page)
 *   - GET /api/boards/<id>/overview       (the overview as JSON)
 *   - GET /boards/<id>/rapport            (the report page, for comparison)
 *
 * each on a freshly started server: the first ("cold") request, then the
 * median (and min/max) of 10 warm ones. Time = request sent → whole body
 * read. Prints a table; no assertions. Run from the repository root.
 */
import type { ServerBuild } from "@remix-run/node";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { getBoard, getUserById } from "../../db/accounts";
import { asyncOf, openDatabase, type Database_ } from "../../db/client";
import { replaceOffers } from "../../db/offers";
import { claimRequest } from "../../db/ownership";
import { addAudit, touchRequest } from "../../db/requests";
import { DEFAULT_CATEGORIES, DEFAULT_COLUMNS, readBoard } from "../../app/board/domain";
import { URGENCIES } from "../../app/board/types";
import { duplicateGroups } from "../../app/services/duplicates.server";
import { parseEnv } from "../../app/services/env.server";
import { boardOverview, boardReport } from "../../app/services/overview.server";
import { createAppServer } from "../../server/app";
import { makeAlliance, makeBoard, makeOrganisation, makeSessionCookie, makeUser, type SeedCard } from "../factories";
import { seededRandom as random } from "../factories/random";
import { loadRemixBuild, ROOT } from "../integration/harness";

const DAY = 86400_000;
const CARDS = 5_000;
const WARM = 10;


const WORDS = {
  wonen: "woning huurtoeslag verhuizing inrichting energiecontract borg kamer gezinswoning meubels gordijnen vloer huurcontract woningcorporatie urgentie nutsvoorzieningen wasmachine koelkast verhuurder reparatie schimmel isolatie zolder tuin sleutel brievenbus buren trap lift parkeren afval".split(" "),
  taal: "taalmaatje taalcafé inburgering leesclub werkvloer uitspraak examen conversatie grammatica woordenschat schrijven lezen luisteren spreken alfabetisering brief formulier huiswerk bibliotheek cursus niveau oefenen dictee voorlezen boeken zinnen toets docent groep".split(" "),
  werk: "vrijwilligersplek stage sollicitatiebrief cv werkervaring opleiding diploma baan vacature uitzendbureau sollicitatiegesprek netwerk beroep horeca zorg techniek logistiek schoonmaak rijbewijs certificaat erkenning loonstrook contract werkgever proefplaatsing coaching taaleis".split(" "),
  maatje: "maatje buurtgenoten sportclub ontmoeting koffie wandelen muziek kookgroep voetbal zwemmen fietsen tuinieren knutselen spelletjes theater museum markt kerk moskee vereniging feest uitje natuur dieren kinderen ouders vrouwen mannen jongeren".split(" "),
} as Record<string, string[]>;
const GENERAL = "graag snel vader moeder gezin kinderen twee drie school gemeente brief afspraak overdag avond weekend hulp uitleg begeleiding vervoer bus trein fiets telefoon computer internet digid bank geld rekening zorgverzekering huisarts tandarts apotheek kleding schoenen winter zomer eten boodschappen".split(" ");
const AREAS = ["Angelslo", "Bargeres", "Emmerhout", "Rietlanden", "Centrum", "Delftlanden", "Emmermeer", "Klazienaveen", ""];

export interface Fixture {
  dir: string;
  url: string;
  boardId: string;
  coordinatorId: string;
  cookie: string;
  seconds: number;
  /** What was generated, for the printout. */
  counts: { cards: number; claimed: number; done: number; withReference: number };
}

export async function buildFixture(): Promise<Fixture> {
  const started = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-bench-"));
  const url = `file:${path.join(dir, "bench.sqlite")}`;
  const database = openDatabase(url, { migrate: true });
  const db = database.db;
  // A fixture, not data anyone relies on: no fsync per row while building it.
  database.sqlite.pragma("synchronous = OFF");
  const rnd = random(20261123);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];

  const alliance = await makeAlliance(db, { name: "Bench Alliantie" });
  const orgs: Awaited<ReturnType<typeof makeOrganisation>>[] = [];
  for (let i = 0; i < 8; i++)
    orgs.push(await makeOrganisation(db, { allianceId: alliance.id, name: `Organisatie ${i + 1}`, shortName: `Org ${i + 1}`, color: `#${(0x305070 + i * 0x101010).toString(16)}` }));
  const coordinator = await makeUser(db, { organisationId: orgs[0].id, email: "coordinator@bench.test", name: "Coördinator", role: "coordinator" });

  const now = Date.now();
  const columns = DEFAULT_COLUMNS.map((c) => c.id);
  const done = columns[columns.length - 1];
  const cards: SeedCard[] = [];
  const refs: string[] = [];
  for (let i = 0; i < CARDS; i++) {
    const category = pick(DEFAULT_CATEGORIES).id;
    const words = WORDS[category];
    const createdAt = now - Math.floor(rnd() ** 1.5 * 180 * DAY);
    // ~8% of references repeat an earlier one: duplicates and households.
    const reference = rnd() < 0.7 ? (refs.length && rnd() < 0.08 ? pick(refs) : `REF-${100000 + i}`) : null;
    if (reference) refs.push(reference);
    cards.push({
      title: `${pick(words)} ${pick(words)} ${pick(GENERAL)} ${pick(words)}`,
      category,
      description: Array.from({ length: 8 }, () => pick(rnd() < 0.5 ? words : GENERAL)).join(" "),
      area: pick(AREAS),
      urgency: pick(URGENCIES),
      column: pick(columns),
      archived: rnd() < 0.05,
      createdByOrg: pick(orgs).id,
      createdAt,
      reference,
    });
  }
  const board = await makeBoard(db, { allianceId: alliance.id, name: "Bench bord", cards });

  // Claims (with their audit event, as the product writes them) and arrivals in the done column.
  let claimed = 0;
  let finished = 0;
  await asyncOf(db).transaction(async (tx) => {
    for (const [i, id] of board.cardIds.entries()) {
      const c = cards[i];
      const inProgress = c.column !== "nieuw" && c.column !== "open";
      if (inProgress || rnd() < 0.15) {
        claimed++;
        const org = pick(orgs).id;
        const at = Math.min(now, c.createdAt! + Math.floor(rnd() * 20 * DAY));
        await claimRequest(tx, id, org, at, { boardId: board.id, requestId: id, orgId: org });
        // A live board: held requests were worked on recently, so the claim
        // expiry sweep at start does not return thousands of them to open
        // in the middle of the measurement.
        await touchRequest(tx, id, now - Math.floor(rnd() * 10 * DAY));
      }
      if (c.column === done) {
        finished++;
        const at = Math.min(now, c.createdAt! + Math.floor((5 + rnd() * 40) * DAY));
        await addAudit(tx, { boardId: board.id, requestId: id, type: "moved", data: { from: "in-uitvoering", to: done }, createdAt: at });
      }
    }
  });

  for (const org of orgs) {
    await replaceOffers(
      asyncOf(db),
      org.id,
      DEFAULT_CATEGORIES.filter(() => rnd() < 0.5).map((c, i) => ({
        id: `${org.id}-${i}`,
        category: c.id,
        label: "plaatsen vrij",
        capacity: Math.floor(rnd() * 40),
        area: pick(AREAS),
      })),
      now,
    );
  }
  const cookie = await makeSessionCookie(db, coordinator.id, 1);
  database.close();
  return {
    dir,
    url,
    boardId: board.id,
    coordinatorId: coordinator.id,
    cookie,
    seconds: (performance.now() - started) / 1000,
    counts: { cards: cards.length, claimed, done: finished, withReference: cards.filter((c) => c.reference).length },
  };
}

interface Row {
  what: string;
  status: number;
  bytes: number;
  cold: number;
  median: number;
  min: number;
  max: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(url: string, cookie: string): Promise<{ ms: number; status: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie, accept: "text/html,application/json" }, redirect: "manual" });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status, bytes: body.byteLength };
}

/** A fresh server (nothing cached, the board document not yet loaded) for one target: cold, then WARM more. */
async function measure(fx: Fixture, build: ServerBuild, what: string, pathname: string): Promise<Row> {
  const database: Database_ = openDatabase(fx.url);
  const env = parseEnv({ LOG_LEVEL: "error", DATABASE_URL: fx.url, HOST: "127.0.0.1", NODE_ENV: "production" });
  const server = createAppServer({ env, database, build, publicDir: path.join(ROOT, "public") });
  const { port } = await server.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}${pathname}`;
  try {
    const cold = await timed(url, fx.cookie);
    const warm: number[] = [];
    for (let i = 0; i < WARM; i++) warm.push((await timed(url, fx.cookie)).ms);
    return { what, status: cold.status, bytes: cold.bytes, cold: cold.ms, median: median(warm), min: Math.min(...warm), max: Math.max(...warm) };
  } finally {
    await server.close();
    database.close();
  }
}

/** The parts of the page, called in-process on the services the routes use (no HTTP, no React). */
async function breakdown(fx: Fixture): Promise<string[][]> {
  const database: Database_ = openDatabase(fx.url);
  const env = parseEnv({ LOG_LEVEL: "error", DATABASE_URL: fx.url, HOST: "127.0.0.1", NODE_ENV: "production" });
  const server = createAppServer({ env, database });
  const svc = server.services;
  const user = (await getUserById(asyncOf(database.db), fx.coordinatorId))!;
  const board = (await getBoard(asyncOf(database.db), fx.boardId))!;
  const now = svc.now();
  const parts: Array<[string, () => Promise<unknown>]> = [
    ["readBoard (Yjs → views)", () => svc.rooms.withDoc(board.id, (doc) => readBoard(doc))],
    ["boardOverview", () => boardOverview(svc, user, board, 14)],
    ["duplicateGroups", () => duplicateGroups(svc, user, board)],
    ["boardReport (90 days)", () => boardReport(svc, user, board, { from: now - 90 * DAY, to: now })],
  ];
  const out: string[][] = [];
  try {
    for (const [name, run] of parts) {
      const times: number[] = [];
      let note = "";
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const r = await run();
        times.push(performance.now() - t0);
        if (name === "duplicateGroups" && Array.isArray(r)) {
          const kinds: Record<string, number> = {};
          for (const g of r as Array<{ kind: string }>) kinds[g.kind] = (kinds[g.kind] ?? 0) + 1;
          note = Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ");
        }
      }
      out.push([name, times[0].toFixed(0), median(times.slice(1)).toFixed(0), note]);
    }
  } finally {
    await server.close();
    database.close();
  }
  return out;
}

/** A Markdown table; columns in `left` are left-aligned, the others right-aligned (numbers). */
function grid(head: string[], body: string[][], left: number[] = [0]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const isLeft = (i: number) => left.includes(i);
  const line = (cells: string[]) =>
    "| " + widths.map((w, i) => (isLeft(i) ? (cells[i] ?? "").padEnd(w) : (cells[i] ?? "").padStart(w))).join(" | ") + " |";
  const rule = "|" + widths.map((w, i) => "-".repeat(w + 1) + (isLeft(i) ? "-" : ":")).join("|") + "|";
  return [line(head), rule, ...body.map(line)].join("\n");
}

function table(rows: Row[]): string {
  const head = ["request", "status", "KiB", "cold ms", `warm median ms (n=${WARM})`, "warm min", "warm max"];
  const body = rows.map((r) => [
    r.what,
    String(r.status),
    (r.bytes / 1024).toFixed(0),
    r.cold.toFixed(0),
    r.median.toFixed(0),
    r.min.toFixed(0),
    r.max.toFixed(0),
  ]);
  return grid(head, body);
}

export async function benchOverview(): Promise<void> {
  console.log(`overview bench: building a board of ${CARDS.toLocaleString("en")} requests…`);
  const fx = await buildFixture();
  const c = fx.counts;
  console.log(`  fixture ready in ${fx.seconds.toFixed(1)} s: ${c.cards} requests, ${c.claimed} claimed, ${c.done} done, ${c.withReference} with a reference`);
  try {
    const build = await loadRemixBuild();
    const b = encodeURIComponent(fx.boardId);
    const rows: Row[] = [];
    rows.push(await measure(fx, build, "GET /boards/:id/overzicht", `/boards/${b}/overzicht`));
    rows.push(await measure(fx, build, "GET /api/boards/:id/overview", `/api/boards/${b}/overview`));
    rows.push(await measure(fx, build, "GET /boards/:id/rapport", `/boards/${b}/rapport`));
    console.log("");
    console.log(table(rows));
    console.log("");
    console.log("in-process parts (first call, then median of the next 4):");
    console.log(grid(["part", "first ms", "median ms", "note"], await breakdown(fx), [0, 3]));
    console.log("");
    console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu?"} ×${os.cpus().length}; each row on a freshly started server.`);
  } finally {
    fs.rmSync(fx.dir, { recursive: true, force: true });
  }
}

// Run directly: `npx tsx tests/bench/overview.ts`.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  benchOverview().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
