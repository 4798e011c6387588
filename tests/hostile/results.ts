/**
 * What every part of the hostile suite reports: one JSON file per part in
 * tests/.tmp/hostile/<part>.json, read by tests/hostile/report.ts, which
 * prints the table. The format is described in tests/hostile/README.md.
 *
 * A part's name is its file's name without `.test.ts` / `.spec.ts`
 * (frames.test.ts reports "frames"): the report expects one file per part
 * it finds in this folder, so a part that never reported is a failure.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HOSTILE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.tmp/hostile");

/**
 * Parts that run on SQLite only: the vitest project "hostile-postgres" runs
 * every other *.test.ts here a second time, on PostgreSQL and two servers,
 * where each reports as `<part>-postgres` (recordPart).
 */
export const SQLITE_ONLY_PARTS = ["kill"];

/** The name a part reports under: `<part>-postgres` on TEST_ENGINE=postgres, so both runs' figures stand side by side. */
export function partName(part: string): string {
  return process.env.TEST_ENGINE === "postgres" ? `${part}-postgres` : part;
}

export interface PartResult {
  /** The part's name: its file name without `.test.ts` / `.spec.ts`. */
  part: string;
  /** Hostile frames, requests or page loads tried. */
  attacks: number;
  /** Of those, how many the server refused (closed, 4xx, blocked) as it should. */
  refused: number;
  /** State changes that should not have happened: must be 0. */
  unexpectedChanges: number;
  /** Times the server process died or stopped answering (kill -9 by the suite itself does not count): must be 0. */
  crashes: number;
  /** The largest resident set size of the server's process seen during the part, in MB; null when not measured. */
  peakRssMb: number | null;
  /** 99th percentile of the time the server took to handle one hostile frame or request, in ms; null when not measured. */
  p99HandleMs: number | null;
  /** Short lines for the log: what was measured how, and every failure with the attack that caused it. */
  notes: string[];
}

function check(r: PartResult): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(r.part)) throw new Error(`recordPart: part name "${r.part}" must be lower-case letters, digits and dashes`);
  for (const k of ["attacks", "refused", "unexpectedChanges", "crashes"] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 0) throw new Error(`recordPart(${r.part}): ${k} must be a non-negative integer, got ${r[k]}`);
  }
  for (const k of ["peakRssMb", "p99HandleMs"] as const) {
    const v = r[k];
    if (v !== null && !(typeof v === "number" && Number.isFinite(v) && v >= 0)) throw new Error(`recordPart(${r.part}): ${k} must be a number ≥ 0 or null`);
  }
  if (!Array.isArray(r.notes) || r.notes.some((n) => typeof n !== "string")) throw new Error(`recordPart(${r.part}): notes must be strings`);
}

/** Write tests/.tmp/hostile/<part>.json (replacing an earlier run's; <part>-postgres.json on PostgreSQL). Call it once per part, after its attacks, even when some failed. */
export function recordPart(result: PartResult): string {
  result = { ...result, part: partName(result.part) };
  check(result);
  fs.mkdirSync(HOSTILE_DIR, { recursive: true });
  const file = path.join(HOSTILE_DIR, `${result.part}.json`);
  const rounded = {
    ...result,
    peakRssMb: result.peakRssMb === null ? null : Math.round(result.peakRssMb * 10) / 10,
    p99HandleMs: result.p99HandleMs === null ? null : Math.round(result.p99HandleMs * 1000) / 1000,
  };
  fs.writeFileSync(file, JSON.stringify(rounded, null, 2) + "\n");
  return file;
}

/** The p-th percentile (0–100) of `values` by nearest rank; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Samples a resident set size every `intervalMs` (this process by default,
 * or any reader such as a child's /proc/<pid>/status) and keeps the largest.
 */
export function rssSampler(read: () => number | null = () => process.memoryUsage.rss(), intervalMs = 50) {
  let peak = 0;
  const sample = () => {
    const v = read();
    if (v !== null && v > peak) peak = v;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    sample,
    /** The largest RSS seen so far, in MB (null if nothing could be read). */
    peakMb: () => (peak > 0 ? peak / 2 ** 20 : null),
    stop() {
      sample();
      clearInterval(timer);
    },
  };
}

/** RSS of another process in bytes (Linux /proc), or null when it is gone. */
export function rssOfPid(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The summed RSS of every process in a process group (a spawned server is
 * tsx plus the Node process it starts), in bytes; null when none is left.
 */
export function rssOfGroup(pgid: number): number | null {
  let total = 0;
  let found = false;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid pgrp …: comm may hold spaces, so read after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const rss = rssOfPid(Number(entry));
      if (rss !== null) {
        total += rss;
        found = true;
      }
    } catch {
      /* the process ended meanwhile */
    }
  }
  return found ? total : null;
}
