/**
 * The SQLite side of the asynchronous database layer (db/client.ts): one
 * connection, so a transaction that awaits must not take in another flow's
 * statements. First the hazard itself, shown on the plain builder (another
 * flow's insert lands inside an open transaction and is rolled back with
 * it); then the same two interleaved flows through the layer, where the
 * outside insert waits for the gate and survives the rollback.
 */
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Database_ } from "../../db/client";
import { installation } from "../../db/schema";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let database: Database_;
afterEach(() => database?.close());

function keys(): string[] {
  return database.db.select({ key: installation.key }).from(installation).all().map((r) => r.key).sort();
}

describe("SQLite: an asynchronous transaction and another flow on one connection", () => {
  it("without the gate, the other flow's insert joins the open transaction and is rolled back with it", async () => {
    database = openDatabase(":memory:", { migrate: true });
    const { db, sqlite } = database;
    const a = (async () => {
      sqlite.exec("BEGIN IMMEDIATE");
      await db.insert(installation).values({ key: "a", value: "1" });
      await sleep(30);
      sqlite.exec("ROLLBACK");
    })();
    const b = (async () => {
      await sleep(5);
      await db.insert(installation).values({ key: "b", value: "1" });
    })();
    await Promise.all([a, b]);
    expect(keys()).toEqual([]); // b was acknowledged, then lost: what the gate prevents
  });

  it("through the layer, the other flow waits for the transaction and its insert survives the rollback", async () => {
    database = openDatabase(":memory:", { migrate: true });
    const h = database.async;
    const order: string[] = [];
    const a = h
      .transaction(async (tx) => {
        await tx.q.insert(tx.t.installation).values({ key: "a", value: "1" });
        order.push("a inserted");
        await sleep(30);
        order.push("a rolls back");
        throw new Error("rollback");
      })
      .catch((e: Error) => e.message);
    const b = (async () => {
      await sleep(5);
      order.push("b starts");
      await h.q.insert(h.t.installation).values({ key: "b", value: "1" });
      order.push("b inserted");
    })();
    expect(await a).toBe("rollback");
    await b;
    expect(keys()).toEqual(["b"]);
    expect(order).toEqual(["a inserted", "b starts", "a rolls back", "b inserted"]);
  });

  /** What `read` sees when it runs while a transaction that inserted key "a" is open, to be rolled back. */
  async function readDuringRollback<T>(h: Database_["async"], read: () => Promise<T>): Promise<T> {
    const a = h
      .transaction(async (tx) => {
        await tx.q.insert(tx.t.installation).values({ key: "a", value: "1" });
        await sleep(20);
        throw new Error("rollback");
      })
      .catch(() => undefined);
    await sleep(5);
    const seen = await read();
    await a;
    return seen;
  }

  it("reads through the layer wait too, so they never see a transaction's rows that may yet be rolled back", async () => {
    database = openDatabase(":memory:", { migrate: true });
    const h = database.async;
    const seen = await readDuringRollback(h, () => h.q.select().from(h.t.installation).where(eq(h.t.installation.key, "a")));
    expect(seen).toEqual([]);
  });

  it("a statement prepared through the layer waits too (db/accounts.ts prepares the session's and the board's reads)", async () => {
    database = openDatabase(":memory:", { migrate: true });
    const h = database.async;
    const byKey = h.q.select().from(h.t.installation).where(eq(h.t.installation.key, sql.placeholder("key"))).prepare("installation_by_key");
    const seen = await readDuringRollback(h, () => byKey.execute({ key: "a" }));
    expect(seen).toEqual([]);
    // And it reads, once nothing is open.
    await h.q.insert(h.t.installation).values({ key: "a", value: "2" });
    expect(await byKey.execute({ key: "a" })).toEqual([{ key: "a", value: "2" }]);
  });

  it("a synchronous write from outside an open transaction throws instead of joining it", async () => {
    database = openDatabase(":memory:", { migrate: true });
    const h = database.async;
    let syncError: unknown;
    // Scheduled outside the transaction (a timer set inside would carry its context and count as its own flow).
    const other = sleep(5).then(() => {
      try {
        database.db.insert(installation).values({ key: "sync", value: "1" }).run();
      } catch (e) {
        syncError = e;
      }
    });
    await h.transaction(async (tx) => {
      await tx.q.insert(tx.t.installation).values({ key: "a", value: "1" });
      await sleep(30);
    });
    await other;
    expect(String(syncError)).toMatch(/asynchronous transaction is open/);
    expect(keys()).toEqual(["a"]);
    // Once it is closed, synchronous writes work as before.
    database.db.insert(installation).values({ key: "sync", value: "1" }).run();
    expect(keys()).toEqual(["a", "sync"]);
  });

  it("a transaction opens in a turn of its own: flows that started with it finish their synchronous writes first", async () => {
    database = openDatabase(":memory:", { migrate: true });
    const h = database.async;
    // Three callers in one turn (socket.io packets of one read): each runs a transaction, then writes
    // synchronously as code not yet converted does. Were the next transaction opened as soon as the
    // gate is free, the write after the first would meet it and throw.
    const flow = async (key: string) => {
      database.db.insert(installation).values({ key: `${key}-before`, value: "1" }).run();
      await h.transaction(async (tx) => {
        await tx.q.insert(tx.t.installation).values({ key, value: "1" });
      });
      database.db.insert(installation).values({ key: `${key}-after`, value: "1" }).run();
    };
    await Promise.all(["a", "b", "c"].map(flow));
    expect(keys()).toEqual(["a", "a-after", "a-before", "b", "b-after", "b-before", "c", "c-after", "c-before"]);
  });

  it("commits, nests as savepoints, and refuses the outer handle inside its own transaction", async () => {
    database = openDatabase(":memory:", { migrate: true });
    const h = database.async;
    const result = await h.transaction(async (tx) => {
      await tx.q.insert(tx.t.installation).values({ key: "outer", value: "1" });
      await tx
        .transaction(async (inner) => {
          await inner.q.insert(inner.t.installation).values({ key: "inner", value: "1" });
          throw new Error("inner fails");
        })
        .catch(() => undefined);
      await expect(h.q.select().from(h.t.installation)).rejects.toThrow(/use the transaction's handle/);
      return "done";
    });
    expect(result).toBe("done");
    expect(keys()).toEqual(["outer"]);
  });
});
