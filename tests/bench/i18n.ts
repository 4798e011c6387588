/**
 * Benchmark: formatting texts (app/i18n/format.ts over intl-messageformat).
 *
 *   npm run bench -- --only i18n
 *
 * Per call, in microseconds, after a first call compiled the message: a text
 * without arguments, one with `{name}`s (joined from parts, no ICU at run
 * time), a plural (`{count, plural, ...}`: intl-messageformat), and the first
 * call of every message in both staff catalogs (compiling). No assertions.
 */
import { CATALOGS, translator, type MessageKey } from "../../app/i18n";

function perCall(fn: (i: number) => void, n: number): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return ((performance.now() - start) * 1000) / n;
}

export function benchI18n(): Record<string, number> {
  const t = translator("nl");
  const figures = {
    plainMicros: perCall(() => t("nav.boards"), 200_000),
    namesMicros: perCall(() => t("boards.title", { alliance: "AVE Emmen" }), 200_000),
    pluralMicros: perCall((i) => t("column.count", { count: i % 12 }), 100_000),
    compileAllMs: 0,
  };
  const start = performance.now();
  for (const locale of ["nl", "en"] as const) {
    const fresh = translator(locale);
    for (const key of Object.keys(CATALOGS[locale]) as MessageKey[]) fresh(key, {});
  }
  figures.compileAllMs = performance.now() - start;
  return figures;
}

export function printI18nBench(f: Record<string, number>): void {
  console.log(`text without arguments   ${f.plainMicros.toFixed(3)} µs/call`);
  console.log(`text with {name}s        ${f.namesMicros.toFixed(3)} µs/call`);
  console.log(`plural                   ${f.pluralMicros.toFixed(3)} µs/call`);
  console.log(`every staff message once ${f.compileAllMs.toFixed(1)} ms (nl + en, mostly compiling)`);
}
