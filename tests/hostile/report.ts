/**
 * The hostile suite's one table: reads every tests/.tmp/hostile/<part>.json
 * (written by `recordPart` in results.ts), prints one row per part and a
 * total, and exits 1 when any unexpected change or crash was counted, or when
 * a part of this folder did not report (its test file crashed or never ran).
 * With --postgres the parts of the run on PostgreSQL (`<part>-postgres`, every
 * *.test.ts but SQLITE_ONLY_PARTS) must have reported too.
 *
 *   node --import tsx tests/hostile/report.ts [--postgres] [--status <file>]
 *
 * With --status it also writes { ok, problems } as JSON to <file>, for
 * tests/summary.mjs.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HOSTILE_DIR, SQLITE_ONLY_PARTS, type PartResult } from "./results";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Every part this folder holds: one per *.test.ts / *.spec.ts file, named after it; with `postgres`, also `<part>-postgres` for every *.test.ts not SQLite's only. */
export function expectedParts(dir = HERE, postgres = false): string[] {
  const files = fs.readdirSync(dir);
  const parts = files.map((f) => /^(.+)\.(test|spec)\.ts$/.exec(f)?.[1]).filter((p): p is string => Boolean(p));
  const onPostgres = postgres
    ? files
        .map((f) => /^(.+)\.test\.ts$/.exec(f)?.[1])
        .filter((p): p is string => Boolean(p) && !SQLITE_ONLY_PARTS.includes(p!))
        .map((p) => `${p}-postgres`)
    : [];
  return [...parts, ...onPostgres].sort();
}

export function readParts(dir = HOSTILE_DIR): { parts: PartResult[]; unreadable: string[] } {
  const parts: PartResult[] = [];
  const unreadable: string[] = [];
  if (!fs.existsSync(dir)) return { parts, unreadable };
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".json")).sort()) {
    try {
      parts.push(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as PartResult);
    } catch (e) {
      unreadable.push(`${f}: ${(e as Error).message}`);
    }
  }
  return { parts, unreadable };
}

const fmt = (v: number | null, digits: number) => (v === null || v === undefined ? "–" : v.toFixed(digits));

export function renderTable(parts: PartResult[]): string {
  const rows: string[][] = [["part", "attacks", "refused", "unexpected changes", "crashes", "peak RSS MB", "p99 handle ms"]];
  for (const p of parts) {
    rows.push([p.part, String(p.attacks), String(p.refused), String(p.unexpectedChanges), String(p.crashes), fmt(p.peakRssMb, 0), fmt(p.p99HandleMs, 2)]);
  }
  const sum = (k: "attacks" | "refused" | "unexpectedChanges" | "crashes") => parts.reduce((s, p) => s + p[k], 0);
  const peaks = parts.map((p) => p.peakRssMb).filter((v): v is number => typeof v === "number");
  const p99s = parts.map((p) => p.p99HandleMs).filter((v): v is number => typeof v === "number");
  rows.push([
    "total",
    String(sum("attacks")),
    String(sum("refused")),
    String(sum("unexpectedChanges")),
    String(sum("crashes")),
    peaks.length ? fmt(Math.max(...peaks), 0) : "–",
    // The parts' p99s cannot be merged into one p99: the total shows the worst.
    p99s.length ? `≤ ${fmt(Math.max(...p99s), 2)}` : "–",
  ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => "| " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
  const rule = "|" + widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(rows[0]), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1])].join("\n");
}

export function problemsOf(parts: PartResult[], expected: string[], unreadable: string[]): string[] {
  const problems: string[] = unreadable.map((u) => `unreadable result ${u}`);
  const seen = new Set(parts.map((p) => p.part));
  for (const e of expected) if (!seen.has(e)) problems.push(`part "${e}" did not report (tests/.tmp/hostile/${e}.json missing: its file failed before the end or did not run)`);
  for (const p of parts) {
    if (p.unexpectedChanges > 0) problems.push(`part "${p.part}": ${p.unexpectedChanges} unexpected state change(s)`);
    if (p.crashes > 0) problems.push(`part "${p.part}": ${p.crashes} server crash(es)`);
  }
  return problems;
}

function main(): void {
  const args = process.argv.slice(2);
  const statusAt = args.indexOf("--status");
  const statusFile = statusAt >= 0 ? args[statusAt + 1] : null;
  const { parts, unreadable } = readParts();
  const expected = expectedParts(HERE, args.includes("--postgres"));
  const problems = problemsOf(parts, expected, unreadable);
  console.log("\nHostile suite");
  console.log(renderTable(parts));
  for (const p of parts) for (const n of p.notes) console.log(`  ${p.part}: ${n}`);
  if (problems.length) {
    console.log("\nHostile suite FAILED:");
    for (const p of problems) console.log(`  - ${p}`);
  } else {
    console.log("\nHostile suite: 0 unexpected changes, 0 crashes, every part reported.");
  }
  if (statusFile) fs.writeFileSync(statusFile, JSON.stringify({ ok: problems.length === 0, problems }, null, 2) + "\n");
  process.exitCode = problems.length ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
