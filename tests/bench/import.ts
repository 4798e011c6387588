/**
 * Benchmark: importing a list of 10,000 rows, and the board page afterwards.
 *
 *   npx remix build            # the bench serves the real Remix build
 *   npx tsx tests/bench/import.ts      (or npm run bench -- --only import)
 *
 * Builds a temporary SQLite file (an alliance, one organisation, a member,
 * an empty board), generates Excel's `;` CSV in Windows-1252 with 10,000
 * rows (about 2% without a title, 1% with an unknown category, 1% repeating
 * the reference of the row before), starts the real server in this process
 * and measures over HTTP on 127.0.0.1:
 *
 *   - POST /api/boards/<id>/import?dryRun=1   (the preview: parse, map, validate, duplicates)
 *   - POST /api/boards/<id>/import            (the import: SQL rows + one Yjs transaction)
 *   - GET  /boards/<id>                       (the board page afterwards: cold on a fresh
 *                                              server, then the median of warm loads)
 *
 * and the same for an XLSX file of the same rows (built with exceljs). Prints
 * tables; no assertions. Run from the repository root.
 */
import type { ServerBuild } from "@remix-run/node";
import ExcelJS from "exceljs";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { openDatabase, type Database_ } from "../../db/client";
import { loadBoardState } from "../../db/board-store";
import { parseEnv } from "../../app/services/env.server";
import { createAppServer } from "../../server/app";
import { makeAlliance, makeBoard, makeOrganisation, makeSessionCookie, makeUser } from "../factories";
import { seededRandom } from "../factories/random";
import { loadRemixBuild, ROOT } from "../integration/harness";

const ROWS = 10_000;
const WARM = 5;
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const CATEGORIES = ["Wonen", "Taal", "Werk", "Maatje & ontmoeting"];
const WORDS = "woning huurtoeslag taalcafé inburgering sollicitatie vrijwilligerswerk fiets maatje wandelen koken formulier brief afspraak gemeente school kinderen gezin vervoer zorgverzekering huisarts digid bank kleding meubels".split(" ");
const AREAS = ["Angelslo", "Bargeres", "Emmerhout", "Rietlanden", "Centrum", "Delftlanden", "Emmermeer", "Klazienaveen", ""];
const URGENCY = ["laag", "normaal", "normaal", "normaal", "hoog", "spoed"];

interface Fixture {
  dir: string;
  url: string;
  boardId: string;
  cookie: string;
}

async function buildFixture(name: string): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-bench-import-"));
  const url = `file:${path.join(dir, "bench.sqlite")}`;
  const database = openDatabase(url, { migrate: true });
  const db = database.db;
  const alliance = await makeAlliance(db, { name: `Bench ${name}` });
  const org = await makeOrganisation(db, { allianceId: alliance.id, name: "Vluchtelingenwerk Bench", shortName: "VWB" });
  const member = await makeUser(db, { organisationId: org.id, email: `lid-${name}@bench.test`, name: "Lid" });
  const board = await makeBoard(db, { allianceId: alliance.id, name: "Hulpvragen Bench" });
  const cookie = await makeSessionCookie(db, member.id, 1);
  database.close();
  return { dir, url, boardId: board.id, cookie };
}

/** The rows of the list, the same for CSV and XLSX. */
function rows(): string[][] {
  const rnd = seededRandom(20261202);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
  const out: string[][] = [["Hulpvraag", "Categorie", "Omschrijving", "Wijk", "Urgentie", "Dossiernummer"]];
  for (let i = 0; i < ROWS; i++) {
    const r = rnd();
    const title = r < 0.02 ? "" : `${pick(WORDS)} ${pick(WORDS)} voor gezin ${i}`;
    const category = r > 0.99 ? "Fietsen" : pick(CATEGORIES);
    const repeat = r > 0.98 && r <= 0.99 && i > 0;
    const reference = repeat ? out[i][5] : `D-${String(100000 + i)}`;
    out.push([
      title,
      repeat ? out[i][1] : category,
      Array.from({ length: 12 }, () => pick(WORDS)).join(" ") + "; graag contact via de coördinator.",
      pick(AREAS),
      pick(URGENCY),
      reference,
    ]);
  }
  return out;
}

function csv(table: string[][]): Buffer {
  const quote = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  // Excel on Dutch Windows: ';' and Windows-1252 (the é of "taalcafé" and "coördinator" are single bytes).
  return Buffer.from(table.map((r) => r.map(quote).join(";")).join("\r\n") + "\r\n", "latin1");
}

async function xlsx(table: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("Hulpvragen");
  for (const r of table) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function start(fx: Fixture, build: ServerBuild) {
  const database: Database_ = openDatabase(fx.url);
  const env = parseEnv({ LOG_LEVEL: "error", DATABASE_URL: fx.url, HOST: "127.0.0.1", NODE_ENV: "production" });
  const server = createAppServer({ env, database, build, publicDir: path.join(ROOT, "public") });
  const { port } = await server.listen(0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      database.close();
    },
  };
}

async function post(base: string, fx: Fixture, query: string, type: string, body: Buffer) {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/boards/${fx.boardId}/import${query}`, {
    method: "POST",
    headers: { cookie: fx.cookie, origin: base, "content-type": type },
    body: new Uint8Array(body),
  });
  const text = await res.text();
  return { ms: performance.now() - t0, status: res.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

async function page(base: string, fx: Fixture) {
  const t0 = performance.now();
  const res = await fetch(`${base}/boards/${fx.boardId}`, { headers: { cookie: fx.cookie, accept: "text/html" } });
  const bytes = (await res.arrayBuffer()).byteLength;
  return { ms: performance.now() - t0, status: res.status, bytes };
}

function grid(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) => "| " + widths.map((w, i) => (i === 0 ? (cells[i] ?? "").padEnd(w) : (cells[i] ?? "").padStart(w))).join(" | ") + " |";
  const rule = "|" + widths.map((w, i) => "-".repeat(w + 1) + (i === 0 ? "-" : ":")).join("|") + "|";
  return [line(head), rule, ...body.map(line)].join("\n");
}

const kib = (n: number) => (n / 1024).toFixed(0);

async function benchOne(kind: "csv" | "xlsx", file: Buffer, build: ServerBuild): Promise<string[][]> {
  const fx = await buildFixture(kind);
  const type = kind === "csv" ? "text/csv" : XLSX;
  const out: string[][] = [];
  try {
    const s = await start(fx, build);
    try {
      const dry = await post(s.url, fx, "?dryRun=1", type, file);
      const c = dry.body.counts;
      out.push([`${kind}: POST import?dryRun=1`, String(dry.status), kib(file.length), kib(dry.bytes), dry.ms.toFixed(0), `${c.rows} rows, ${c.valid} valid, ${c.duplicates} duplicate, ${c.toImport} to import`]);
      const imp = await post(s.url, fx, "", type, file);
      out.push([`${kind}: POST import`, String(imp.status), kib(file.length), kib(imp.bytes), imp.ms.toFixed(0), `${imp.body.created} created`]);
      const warmSameServer = await page(s.url, fx);
      out.push([`${kind}: GET /boards/:id (same server, doc loaded)`, String(warmSameServer.status), "", kib(warmSameServer.bytes), warmSameServer.ms.toFixed(0), ""]);
    } finally {
      await s.close();
    }
    // The board page on a freshly started server: the document is read from SQLite first.
    const s2 = await start(fx, build);
    try {
      const cold = await page(s2.url, fx);
      const warm: number[] = [];
      for (let i = 0; i < WARM; i++) warm.push((await page(s2.url, fx)).ms);
      out.push([`${kind}: GET /boards/:id (fresh server) cold`, String(cold.status), "", kib(cold.bytes), cold.ms.toFixed(0), `warm median ${median(warm).toFixed(0)} ms (n=${WARM})`]);
    } finally {
      await s2.close();
    }
    const database = openDatabase(fx.url);
    const state = loadBoardState(database.db, fx.boardId);
    const stored = (state.snapshot?.byteLength ?? 0) + state.updates.reduce((n, u) => n + u.byteLength, 0);
    database.close();
    out.push([`${kind}: board stored (snapshot + log)`, "", "", kib(stored), "", `${state.updates.length} update rows`]);
  } finally {
    fs.rmSync(fx.dir, { recursive: true, force: true });
  }
  return out;
}

export async function benchImport(): Promise<void> {
  const table = rows();
  const csvFile = csv(table);
  const xlsxFile = await xlsx(table);
  console.log(`import bench: ${ROWS.toLocaleString("en")} rows; CSV ${kib(csvFile.length)} KiB (Windows-1252, ';'), XLSX ${kib(xlsxFile.length)} KiB`);
  const build = await loadRemixBuild();
  const body = [...(await benchOne("csv", csvFile, build)), ...(await benchOne("xlsx", xlsxFile, build))];
  console.log("");
  console.log(grid(["step", "status", "file KiB", "answer KiB", "ms", "note"], body));
  console.log("");
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu?"} ×${os.cpus().length}; times are request sent → whole answer read, on 127.0.0.1.`);
}

// Run directly: `npx tsx tests/bench/import.ts`.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  benchImport().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
