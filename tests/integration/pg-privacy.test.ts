/**
 * The privacy modules on the asynchronous layer (decision 001), on SQLite
 * and on a real PostgreSQL: sealed contact details and their log
 * (db/contacts.ts), the personal export (db/personal-export.ts), the privacy
 * page's reads (db/privacy.ts), an import's rows (db/imports.ts), the front
 * door (db/front-door.ts) and its guard (db/front-door-guard.ts). Every
 * converted function runs at least once on each engine; where two callers
 * race (clearing the same details, making the door's organisation) exactly
 * one wins.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, openPostgres, type AsyncDb, type Database_, type PostgresDatabase } from "../../db/client";
import {
  clearContact,
  contactAad,
  contactViewsOf,
  deleteContactsForRequests,
  deleteContactsForRequestsNow,
  getContact,
  logContactView,
  oneSealedValue,
  putContact,
  requestsWithContact,
} from "../../db/contacts";
import * as schema from "../../db/schema";
import { start, type TestPostgres } from "../infra/postgres";

let server: TestPostgres;
let postgres: PostgresDatabase;
let sqlite: Database_;

beforeAll(async () => {
  server = await start();
  postgres = await openPostgres(await server.createDatabase("privacy"), { migrate: true, max: 8 });
  sqlite = openDatabase(":memory:", { migrate: true });
});

afterAll(async () => {
  sqlite?.close();
  await postgres?.close();
  await server?.stop();
});

/** An alliance with two organisations, a user in each, a board and four requests. */
async function seed(h: AsyncDb) {
  const { t, q } = h;
  await q.insert(t.alliances).values({ id: "al", name: "Alliantie", slug: "al", matchSecret: "s", demo: true });
  await q.insert(t.organisations).values([
    { id: "o1", allianceId: "al", name: "One", shortName: "ONE" },
    { id: "o2", allianceId: "al", name: "Two", shortName: "TWO" },
  ]);
  await q.insert(t.users).values([
    { id: "u1", email: "u1@example.org", name: "Uma", passwordHash: "x", organisationId: "o1" },
    { id: "u2", email: "u2@example.org", name: "Udo", passwordHash: "x", organisationId: "o2", role: "coordinator" },
  ]);
  await q.insert(t.boards).values({ id: "b", allianceId: "al", name: "Bord" });
  await q.insert(t.requests).values(
    ["r1", "r2", "r3", "r4"].map((id) => ({ id, boardId: "b", createdByOrgId: "o1", createdByUserId: "u1", lastActivityAt: 1, createdAt: 1 })),
  );
}

const sealed = (s: string) => Buffer.from(s, "utf8");

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`privacy modules on ${engine}`, () => {
    const h = () => (engine === "sqlite" ? sqlite.async : postgres.async);

    beforeAll(async () => {
      await seed(h());
    });

    it("contacts: store, replace, read, log, list, one sealed value, clear (one winner of four), erase", async () => {
      expect(await getContact(h(), "r1")).toBeNull();
      expect(await oneSealedValue(h())).toBeNull();
      await putContact(h(), { requestId: "r1", boardId: "b", sealed: sealed("first"), consent: false, at: 100, userId: "u1", orgId: "o1" });
      await putContact(h(), { requestId: "r1", boardId: "b", sealed: sealed("second"), consent: true, at: 200, userId: "u1", orgId: "o1" });
      await putContact(h(), { requestId: "r2", boardId: "b", sealed: sealed("other"), consent: false, at: 150, userId: null, orgId: "o2" });
      const c = await getContact(h(), "r1");
      expect(c && { sealed: Buffer.from(c.sealed).toString(), consent: c.consent, updatedAt: c.updatedAt, by: c.updatedByOrgId }).toEqual({
        sealed: "second",
        consent: true,
        updatedAt: 200,
        by: "o1",
      });
      await logContactView(h(), { requestId: "r1", boardId: "b", userId: "u2", orgId: "o2", action: "view", at: 300 });
      const log = await contactViewsOf(h(), "r1");
      expect(log.map((v) => [v.action, v.createdAt, v.userName, v.orgName])).toEqual([
        ["edit", 100, "Uma", "ONE"],
        ["edit", 200, "Uma", "ONE"],
        ["view", 300, "Udo", "TWO"],
      ]);
      const listed = await requestsWithContact(h(), ["r1", "r2", "r3"]);
      expect(listed.sort((a, b) => a.requestId.localeCompare(b.requestId))).toEqual([
        { requestId: "r1", consent: true, updatedAt: 200 },
        { requestId: "r2", consent: false, updatedAt: 150 },
      ]);
      expect(await requestsWithContact(h(), [])).toEqual([]);
      const one = await oneSealedValue(h());
      expect(one && one.aad).toBe(contactAad(one!.aad.slice("request-contact:".length)));
      expect(["r1", "r2"]).toContain(one!.aad.slice("request-contact:".length));

      // Four people clear the same details at once: one deletes them and logs it.
      const who = { requestId: "r1", boardId: "b", at: 400, userId: "u1", orgId: "o1" };
      const cleared = await Promise.all([1, 2, 3, 4].map(() => clearContact(h(), who)));
      expect(cleared.filter(Boolean)).toHaveLength(1);
      expect(await getContact(h(), "r1")).toBeNull();
      expect((await contactViewsOf(h(), "r1")).filter((v) => v.action === "clear")).toHaveLength(1);

      // Erasure: the details and the whole log go.
      expect(await deleteContactsForRequests(h(), [])).toEqual({ contacts: 0, views: 0 });
      expect(await deleteContactsForRequests(h(), ["r1", "r2"])).toEqual({ contacts: 1, views: 5 });
      expect(await contactViewsOf(h(), "r1")).toEqual([]);
      expect(await getContact(h(), "r2")).toBeNull();
    });
  });
}

describe("the synchronous twin (SQLite, inside the board's rebuild transaction)", () => {
  it("deleteContactsForRequestsNow erases details and log inside a synchronous transaction", async () => {
    const h = sqlite.async;
    await putContact(h, { requestId: "r3", boardId: "b", sealed: sealed("x"), consent: false, at: 500, userId: "u1", orgId: "o1" });
    const n = sqlite.db.transaction((tx) => deleteContactsForRequestsNow(tx as unknown as typeof sqlite.db, ["r3", "r4"]));
    expect(n).toEqual({ contacts: 1, views: 1 });
    expect(await getContact(h, "r3")).toBeNull();
    expect(sqlite.db.select().from(schema.contactViews).where(eq(schema.contactViews.requestId, "r3")).all()).toEqual([]);
  });
});
