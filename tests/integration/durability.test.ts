/**
 * When a board update reaches the disk. It is committed to SQLite before any
 * other participant sees it, always; the activity it carries is recorded
 * right after the broadcast. With SYNC_FSYNC=after-broadcast (the default)
 * the disk flush (fdatasync of the WAL) then runs off the event loop, and
 * the activity is published once it is on disk; a failed flush closes the
 * board so every client resyncs. With before-broadcast, nobody sees an update before it is on disk
 * (its activity still goes the asynchronous way).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { getCard, updateCard } from "../../app/board/domain";
import { ACTIVITY_EVENT } from "../../app/services/activity.server";
import type { RoomStorage, SyncRoomStorage } from "../../server/sync/types";
import { and, eq } from "drizzle-orm";
import { startTestServer, storedDocOf, TEST_ENGINE, waitFor, type TestServer } from "./harness";

/**
 * Every test here watches SQLite's own room storage (TestServerOptions.storage
 * wraps its append/record/flush: the fdatasync of the WAL), so they run on
 * SQLite only. PostgreSQL's counterparts: pg-rooms.test.ts ("a tick is not
 * broadcast before its commit resolved", "a failed commit unloads the room")
 * and pg-server.test.ts (kill -9 of one of two servers loses nothing a client had seen).
 */
const onPostgres = TEST_ENGINE === "postgres";

let t: TestServer | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/** The real SQLite storage, with a log of what the room manager asked of it and a switch to fail the next flush. */
function watched() {
  const events: string[] = [];
  const control = { failNextFlush: false, failNextRecord: false };
  const wrap = (real: SyncRoomStorage): RoomStorage => ({
    ...real,
    append(batches, opts) {
      events.push(`append:${opts?.flushLater ? "flush-later" : "flushed"}`);
      return real.append(batches, opts);
    },
    record(batches, opts) {
      events.push(`record:${opts?.flushLater ? "flush-later" : "flushed"}`);
      if (control.failNextRecord) {
        control.failNextRecord = false;
        throw new Error("SQLITE_FULL (test)");
      }
      return real.record(batches, opts);
    },
    flush(done) {
      events.push("flush");
      if (control.failNextFlush) {
        control.failNextFlush = false;
        return setImmediate(() => {
          events.push("flush-failed");
          done(new Error("EIO (test)"));
        });
      }
      real.flush!((error) => {
        events.push(error ? "flush-failed" : "flushed");
        done(error);
      });
    },
  });
  return { events, control, wrap };
}

/** A server on the watched storage, and two members of alliance A on its board A. */
async function twoMembers(w: ReturnType<typeof watched>, env: Record<string, string> = {}) {
  const server = await startTestServer(env, { storage: w.wrap });
  t = server;
  const { boardA, cookies } = server.seed;
  const a = await server.connect(boardA.id, { cookie: cookies.memberA1 });
  const b = await server.connect(boardA.id, { cookie: cookies.memberA2 });
  return { server, boardA, cookies, a, b };
}

/** What the server logged (console.log) while `fn` ran. */
async function logsDuring(fn: () => Promise<void>): Promise<string[]> {
  const logged: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return logged;
}

describe("disk flush after the broadcast (default)", () => {
  it.skipIf(onPostgres)("commits the update, broadcasts, records the activity, flushes, and only then publishes the activity", async () => {
    const w = watched();
    const { server, boardA, cookies, a, b } = await twoMembers(w);
    const watcher = await server.io({ cookie: cookies.memberA2, boardId: boardA.id });
    watcher.on(ACTIVITY_EVENT, () => w.events.push("activity"));
    const cardId = boardA.cardIds[0];

    updateCard(a.doc, cardId, { title: "Op schijf na de uitzending" }, Date.now());
    await waitFor(() => getCard(b.doc, cardId)?.title === "Op schijf na de uitzending");
    await waitFor(() => w.events.includes("activity"), { message: "activity published" });

    const tick = w.events.slice(w.events.lastIndexOf("append:flush-later"));
    expect(tick).toEqual(["append:flush-later", "record:flush-later", "flush", "flushed", "activity"]);
    expect(getCard(await storedDocOf(server.h, boardA.id), cardId)?.title).toBe("Op schijf na de uitzending");
  });

  it.skipIf(onPostgres)("a failed flush closes the board's connections (1011); clients resync and the edit is kept", async () => {
    const w = watched();
    const { server, boardA, a, b } = await twoMembers(w);
    const cardId = boardA.cardIds[0];
    const logged = await logsDuring(async () => {
      w.control.failNextFlush = true;
      updateCard(a.doc, cardId, { title: "Schijf weigerde" }, Date.now());
      await waitFor(() => a.closeCodes.includes(1011) && b.closeCodes.includes(1011), {
        message: "both connections closed with 1011 after the failed flush",
      });
    });
    expect(logged.some((l) => l.includes("could not flush board updates to disk"))).toBe(true);
    // Both reconnect on their own; the edit is in both documents and in SQLite.
    await waitFor(() => getCard(b.doc, cardId)?.title === "Schijf weigerde", { message: "B has the edit after resync" });
    await waitFor(async () => getCard(await storedDocOf(server.h, boardA.id), cardId)?.title === "Schijf weigerde");
  });
});

describe("the activity is recorded after the broadcast", () => {
  it.skipIf(onPostgres)("an activity that cannot be recorded is logged; the edit stays stored, seen and connected", async () => {
    const w = watched();
    const { server, boardA, a, b } = await twoMembers(w);
    const cardId = boardA.cardIds[2];
    const logged = await logsDuring(async () => {
      w.control.failNextRecord = true;
      updateCard(a.doc, cardId, { title: "Zonder logregel" }, Date.now());
      await waitFor(() => getCard(b.doc, cardId)?.title === "Zonder logregel");
      await waitFor(() => w.events.includes("flushed"), { message: "the tick is flushed" });
    });
    expect(logged.some((l) => l.includes("could not record board activity"))).toBe(true);
    expect(getCard(await storedDocOf(server.h, boardA.id), cardId)?.title).toBe("Zonder logregel");
    expect(a.closeCodes).toEqual([]);
    expect(b.closeCodes).toEqual([]);
    // The next edit is recorded as usual.
    updateCard(a.doc, cardId, { title: "Weer met logregel" }, Date.now());
    await waitFor(() => w.events.filter((e) => e === "flushed").length >= 2, { message: "the next tick is flushed" });
    const { auditEvents } = server.h.t;
    const rows = await server.h.q
      .select({ data: auditEvents.data })
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, cardId), eq(auditEvents.type, "edited")))
      .orderBy(auditEvents.id);
    expect(rows.map((r) => (r.data as { to?: string } | null)?.to)).toEqual(["Weer met logregel"]);
  });
});

describe("disk flush before the broadcast (SYNC_FSYNC=before-broadcast)", () => {
  it.skipIf(onPostgres)("commits the update with the flush inside the transaction; only the activity after it is flushed separately", async () => {
    const w = watched();
    const { boardA, a, b } = await twoMembers(w, { SYNC_FSYNC: "before-broadcast" });
    const cardId = boardA.cardIds[2];
    updateCard(a.doc, cardId, { title: "Eerst op schijf" }, Date.now());
    await waitFor(() => getCard(b.doc, cardId)?.title === "Eerst op schijf");
    await waitFor(() => w.events.includes("flushed"), { message: "the activity is flushed" });
    const tick = w.events.slice(w.events.lastIndexOf("append:flushed"));
    expect(tick).toEqual(["append:flushed", "record:flush-later", "flush", "flushed"]);
    expect(w.events).not.toContain("append:flush-later");
  });
});
