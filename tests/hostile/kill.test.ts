/**
 * The hostile suite, kill -9 part (short variant): 5 kills at random moments
 * while 6 clients make 100 edits each against the server as a child process.
 * Nothing any client had received may be missing from the SQLite file after a
 * kill, `PRAGMA integrity_check` is ok every time, and at the end the server
 * has every edit. The long variant (50 kills, 20 × 500) is
 * `npm run bench -- --only kill` (tests/bench/kill.ts).
 */
import { afterAll, describe, expect, it } from "vitest";
import { describeKill, runKill, type KillResult } from "../bench/kill";
import { recordPart } from "./results";

let result: KillResult | null = null;
let failure: string | null = null;

afterAll(() => {
  const r = result;
  recordPart({
    part: "kill",
    attacks: r?.kills ?? 0,
    // A kill is "refused" when the server came back with everything: nothing received lost, the file intact.
    refused: r?.survived ?? 0,
    unexpectedChanges: r ? r.lostReceived + r.lostAtEnd + (r.kills - r.integrityOk) : 0,
    crashes: r ? r.crashes : 1,
    peakRssMb: r?.peakServerRssMb ?? null,
    p99HandleMs: null,
    notes: r
      ? [
          `${r.kills} × kill -9 of the server's process group during ${r.clients} clients × ${r.editsPerClient} edits (${r.seconds} s); ` +
            `"refused" = kills after which nothing received was missing and integrity_check was ok; RSS = the server's (tsx + node)`,
          `restart p50 ${r.restartMs.p50} ms, max ${r.restartMs.max} ms; ${r.receivedChecked} received updates checked against the file after each kill`,
          ...r.problems.map((p) => `FAILED: ${p.slice(0, 400)}`),
        ]
      : [`FAILED before the end: ${failure ?? "unknown"}`],
  });
});

describe("kill -9 during a burst of edits (short variant)", () => {
  it("loses nothing any client had received, and the file is intact after every kill", async () => {
    try {
      result = await runKill({ clients: 6, edits: 100, kills: 5, pauseMs: 40, seed: Number(process.env.HOSTILE_SEED ?? 7) });
    } catch (e) {
      failure = (e as Error).message;
      throw e;
    }
    console.log(describeKill(result));
    expect(result.problems).toEqual([]);
    expect(result.kills).toBe(5);
    expect(result.lostReceived).toBe(0);
    expect(result.lostAtEnd).toBe(0);
    expect(result.integrityOk).toBe(5);
    expect(result.crashes).toBe(0);
  });
});
