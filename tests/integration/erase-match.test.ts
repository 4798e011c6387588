/**
 * What an erasure finds by text (a LIKE on a mail's key, or on a digest's
 * JSON) is the id as written: `_` and `%` in an id are no wildcards. Card
 * ids may hold `_` (`[A-Za-z0-9_-]`, made by the browsers), and so may ids
 * brought by an import; erasing one must not reach the rows of another whose
 * id differs from it in one character there. On SQLite and, in the postgres
 * project, on PostgreSQL (both take `LIKE … ESCAPE '\'`).
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { erasureCounts } from "../../db/erase";
import { enqueueMail } from "../../db/mail";
import { insertNotification } from "../../db/notifications";
import { eraseStaffAccount } from "../../db/staff-erase";
import { makeUser } from "../factories";
import { createTestDatabase, type TestDatabase } from "./harness";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.cleanup();
});

describe("an erasure matches ids as written", () => {
  it("a digest that lists another request, whose id differs in the place of a `_`, is not counted as about the erased one", async () => {
    const { h, seed } = db;
    const digest = (key: string, requestId: string) =>
      insertNotification(h, { key, userId: seed.memberA1.id, kind: "digest", boardId: seed.boardA.id, requestId: null, data: { requests: [requestId] }, at: 1 });
    await digest("digest-erased", "req_1");
    await digest("digest-other", "reqX1");
    await digest("digest-percent", "req%1");
    const counts = await erasureCounts(h, seed.boardA.id, ["req_1"]);
    expect(counts.notifications).toBe(1);
    // `%` is as plain: only the digest that lists "req%1" itself.
    expect((await erasureCounts(h, seed.boardA.id, ["req%1"])).notifications).toBe(1);
  });

  it("erasing an account whose id holds `_` leaves the mail about another account's change of address", async () => {
    const { h, seed } = db;
    const erased = await makeUser(h, { organisationId: seed.orgA1.id, email: "weg@noord.test", name: "Weg", id: "mw_1" });
    const other = await makeUser(h, { organisationId: seed.orgA1.id, email: "blijft@noord.test", name: "Blijft", id: "mwX1" });
    const notice = (userId: string, to: string) => enqueueMail(h, { key: `email-changed:${userId}:1`, to, subject: "Adres gewijzigd", text: "t", html: "<p>t</p>" }, 1);
    await notice(erased.id, "oud-weg@noord.test");
    await notice(other.id, "oud-blijft@noord.test");
    await h.q.update(h.t.users).set({ disabledAt: 1 }).where(eq(h.t.users.id, erased.id));
    expect(await eraseStaffAccount(h, erased.id, "Gewist account")).toBe("erased");
    const left = await h.q.select({ key: h.t.mailOutbox.key }).from(h.t.mailOutbox);
    expect(left.map((r) => r.key).filter((k) => k.startsWith("email-changed:"))).toEqual([`email-changed:${other.id}:1`]);
  });
});
