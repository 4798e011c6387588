// Adds up the JSON reports of every test layer into one closing line.
import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
const read = (f) => {
  const p = path.join(dir, f);
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, "utf8")) : null;
};
for (const layer of ["unit", "integration"]) {
  const r = read(`${layer}.json`);
  if (!r) {
    console.log(`${layer}: no report (the run failed before testing)`);
    failed++;
    continue;
  }
  console.log(`${layer}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
const e2e = read("e2e.json");
if (!e2e) {
  console.log("e2e: no report (the run failed before testing)");
  failed++;
} else {
  const s = e2e.stats;
  const f = s.unexpected + (s.flaky ?? 0) * 0;
  console.log(`e2e: ${s.expected} passed, ${f} failed${s.flaky ? ` (${s.flaky} flaky, passed on retry)` : ""}`);
  passed += s.expected + (s.flaky ?? 0);
  failed += f;
  skipped += s.skipped;
}
console.log(`Total: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
