// Adds up the JSON reports of every test layer into one closing line.
import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
/** Each failed test by name, printed after the totals so a log's tail says which failed. */
const failures = [];
/**
 * One failure of a layer: counted, and named (`line`) after the totals. A
 * flaky test (`counted: false`: it passed on retry) is named but not counted.
 */
function record(layer, line, { counted = true } = {}) {
  if (counted) failed++;
  failures.push(`${layer}: ${line}`);
}
/** A layer whose report the run never wrote: one failure. */
function noReport(layer) {
  console.log(`${layer}: no report (the run failed before testing)`);
  failed++;
}
const firstLine = (m) => String(m ?? "").replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((l) => l.trim()) ?? "";
const read = (f) => {
  const p = path.join(dir, f);
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, "utf8")) : null;
};
/**
 * A vitest report: its tests, and the files that failed without a failing
 * test (an error in beforeAll or at import skips their tests, which would
 * otherwise count as skipped, not failed). Each such file counts as a failure.
 */
function vitest(layer, r) {
  const broken = (r.testResults ?? []).filter((f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed"));
  const fileNote = broken.length ? ` (${broken.length} file${broken.length === 1 ? "" : "s"} failed before their tests: ${broken.map((f) => path.relative(process.cwd(), f.name)).join(", ")})` : "";
  console.log(`${layer}: ${r.numPassedTests} passed, ${r.numFailedTests} failed${fileNote}`);
  for (const f of r.testResults ?? []) {
    const file = path.relative(process.cwd(), f.name);
    for (const a of f.assertionResults ?? []) {
      if (a.status === "failed") record(layer, `${file} › ${a.fullName ?? a.title}: ${firstLine(a.failureMessages?.[0])}`);
    }
    if (broken.includes(f)) record(layer, `${file}: ${firstLine(f.message)}`);
  }
  passed += r.numPassedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
/** A vitest layer's report (<layer>.json), or a failure when the run never wrote it. */
function vitestLayer(layer) {
  const r = read(`${layer}.json`);
  if (r) return vitest(layer, r);
  noReport(layer);
}
for (const layer of ["unit", "integration", "postgres"]) vitestLayer(layer);
function playwright(layer, r) {
  const s = r.stats;
  const f = s.unexpected;
  console.log(`${layer}: ${s.expected} passed, ${f} failed${s.flaky ? ` (${s.flaky} flaky, passed on retry)` : ""}`);
  passed += s.expected + (s.flaky ?? 0);
  // A file's suite carries the file's name as its title; describe blocks below it add theirs.
  const walk = (suite, titles, isFile) => {
    const here = isFile || !suite.title ? titles : [...titles, suite.title];
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== "unexpected" && t.status !== "flaky") continue;
        // A flaky test's last result is the retry that passed: its error is in an earlier one.
        const failedRun = (t.results ?? []).find((x) => x.status !== "passed" && x.status !== "skipped");
        const where = `${spec.file}:${spec.line} › ${[...here, spec.title].join(" › ")}`;
        const flaky = t.status === "flaky";
        record(flaky ? `${layer} (flaky)` : layer, `${where}: ${firstLine(failedRun?.error?.message)}`, { counted: !flaky });
      }
    }
    for (const child of suite.suites ?? []) walk(child, here, false);
  };
  for (const fileSuite of r.suites ?? []) walk(fileSuite, [], true);
  // Errors outside any test (a spec that fails to load): counted and named.
  for (const e of r.errors ?? []) record(layer, firstLine(e.message));
  skipped += s.skipped;
}

// The hostile suite (tests/hostile/run.sh): its vitest tests on SQLite and on PostgreSQL, its Chromium specs when it has any,
// and the verdict of its table (an unexpected change, a crash or a part that never reported).
for (const layer of ["hostile", "hostile-postgres"]) vitestLayer(layer);
const hostileE2e = read("hostile-e2e.json");
const hostileSpecs = fs.existsSync("tests/hostile") && fs.readdirSync("tests/hostile").some((f) => f.endsWith(".spec.ts"));
if (hostileE2e) playwright("hostile (Chromium)", hostileE2e);
else if (hostileSpecs) noReport("hostile (Chromium)");
const verdict = read("hostile-report.json");
if (!verdict || !verdict.ok) {
  const problem = verdict ? verdict.problems.join("; ") : "not printed";
  console.log(`hostile table: ${problem}`);
  record("hostile table", problem);
}

const e2e = read("e2e.json");
if (e2e) playwright("e2e", e2e);
else noReport("e2e");
if (failures.length) {
  console.log("Failed:");
  for (const f of failures) console.log(`  ${f.length > 400 ? `${f.slice(0, 400)}…` : f}`);
}
console.log(`Total: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
