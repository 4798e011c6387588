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
import { and, asc, eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { AsyncDb } from "../../db/client";
import {
  clearContact,
  contactAad,
  contactViewsOf,
  deleteContactsForRequests,
  getContact,
  logContactView,
  oneSealedValue,
  putContact,
  requestsWithContact,
} from "../../db/contacts";
import { FRONT_DOOR_ORG_KIND } from "../../app/board/front-door";
import {
  frontDoorBySlug,
  frontDoorItemByCode,
  frontDoorItemOfRequest,
  frontDoorOf,
  frontDoorOrganisation,
  insertFrontDoorItem,
  liveBoardOf,
  setFrontDoor,
} from "../../db/front-door";
import {
  addressUse,
  allianceItemsSince,
  allianceLoad,
  frontDoorDailyCap,
  frontDoorItemOf,
  markFrontDoorSpam,
  setFrontDoorDailyCap,
} from "../../db/front-door-guard";
import { insertImportedRequests } from "../../db/imports";
import { personalData } from "../../db/personal-export";
import { boardRetentions, twoFactorPolicyOf } from "../../db/privacy";
import { bothEngines } from "../infra/engines";
import type { AppServices } from "../../app/services/context.server";
import type { SessionUser } from "../../app/services/auth.server";
import { writeContact } from "../../app/services/contacts.server";
import { newDataKey } from "../../app/services/seal.server";

const engines = bothEngines("privacy");

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
    const h = () => engines.async(engine);

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

    it("privacy: the boards' retention by name (case ignored, archived marked) and the two-factor policy", async () => {
      const { q, t } = h();
      await q.insert(t.boards).values([
        { id: "b-z", allianceId: "al", name: "zomer", retentionMonths: 6, archivedAt: 5 },
        { id: "b-a", allianceId: "al", name: "avond", retentionMonths: 24 },
      ]);
      expect(await boardRetentions(h(), "al")).toEqual([
        { name: "avond", retentionMonths: 24, archived: false },
        { name: "Bord", retentionMonths: 12, archived: false },
        { name: "zomer", retentionMonths: 6, archived: true },
      ]);
      expect(await boardRetentions(h(), "nobody")).toEqual([]);
      expect(await twoFactorPolicyOf(h(), "al")).toBe("off");
      await q.update(t.alliances).set({ twoFactorPolicy: "coordinators" }).where(eq(t.alliances.id, "al"));
      expect(await twoFactorPolicyOf(h(), "al")).toBe("coordinators");
      expect(await twoFactorPolicyOf(h(), "nobody")).toBe("off");
    });

    it("personal export: the person's own rows, their own words only, nothing of another's", async () => {
      const { q, t } = h();
      await q.insert(t.sessions).values({ id: "s1", userId: "u1", createdAt: 10, expiresAt: 99, userAgent: "Firefox" });
      await q.insert(t.recoveryCodes).values([
        { codeHash: "c1", userId: "u1", createdAt: 10, usedAt: 20 },
        { codeHash: "c2", userId: "u1", createdAt: 10 },
      ]);
      await q.insert(t.comments).values([
        { id: "cm1", requestId: "r2", userId: "u1", orgId: "o1", body: "mijn woorden", createdAt: 30 },
        { id: "cm2", requestId: "r2", userId: "u2", orgId: "o2", body: "niet van mij", createdAt: 31 },
      ]);
      await q.insert(t.referrals).values([
        { id: "rf1", requestId: "r2", fromOrgId: "o1", toOrgId: "o2", note: "mijn notitie", status: "declined", reason: "hun reden", createdByUserId: "u1", decidedByUserId: "u2", createdAt: 40 },
        { id: "rf2", requestId: "r3", fromOrgId: "o2", toOrgId: "o1", note: "hun notitie", status: "declined", reason: "mijn reden", createdByUserId: "u2", decidedByUserId: "u1", createdAt: 41 },
      ]);
      await q.insert(t.auditEvents).values({ boardId: "b", requestId: "r2", userId: "u1", orgId: "o1", type: "claimed", data: { org: "o1" }, createdAt: 50 });
      expect(await personalData(h(), "nobody")).toBeNull();
      const d = (await personalData(h(), "u1"))!;
      expect(d.account).toMatchObject({ id: "u1", email: "u1@example.org", organisation: { id: "o1", shortName: "ONE" }, alliance: { id: "al" } });
      expect(d.twoFactor).toEqual({ enabled: false, enabledAt: null, disabledAt: null, recoveryCodes: { total: 2, used: 1, usedAt: [20] } });
      expect(d.sessions).toEqual([{ userAgent: "Firefox", createdAt: 10, lastSeenAt: null, expiresAt: 99 }]);
      expect(d.comments).toEqual([{ id: "cm1", requestId: "r2", boardId: "b", body: "mijn woorden", createdAt: 30 }]);
      expect(d.referrals.map((r) => [r.id, r.sent, r.note, r.reason])).toEqual([
        ["rf1", true, "mijn notitie", null],
        ["rf2", false, null, "mijn reden"],
      ]);
      expect(d.activity).toEqual([{ type: "claimed", boardId: "b", requestId: "r2", createdAt: 50 }]);
      expect(d.requestsEntered.map((r) => r.id)).toEqual(["r1", "r2", "r3", "r4"]);
      expect(d.meetings.planned).toEqual([]);
    });

    it("imports: 1,203 rows and their audit rows in one transaction, or none when one row is refused", async () => {
      const { q, t } = h();
      const rows = Array.from({ length: 1203 }, (_, i) => ({
        id: `imp-${engine}-${i}`,
        boardId: "b",
        createdByOrgId: "o1",
        createdByUserId: i % 2 ? "u1" : null,
        reference: i === 7 ? "ref-7" : null,
        importId: "imp1",
        lastActivityAt: 60,
        createdAt: 60,
      }));
      const audits = rows.map((r, i) => ({ boardId: "b", requestId: r.id, userId: "u1", orgId: "o1", type: "created", data: { row: i + 2, import: "imp1" }, createdAt: 60 }));
      await insertImportedRequests(h(), rows, audits);
      const stored = await q.select().from(t.requests).where(eq(t.requests.importId, "imp1")).orderBy(asc(t.requests.id));
      expect(stored).toHaveLength(1203);
      expect(stored.find((r) => r.id === `imp-${engine}-7`)).toMatchObject({ reference: "ref-7", createdByUserId: "u1", createdAt: 60 });
      const auditRows = await q.select({ data: t.auditEvents.data }).from(t.auditEvents).where(inArray(t.auditEvents.requestId, [rows[0].id, rows[1202].id]));
      expect(auditRows.map((a) => a.data).sort((a, b) => Number(a!.row) - Number(b!.row))).toEqual([
        { row: 2, import: "imp1" },
        { row: 1204, import: "imp1" },
      ]);
      // The last row clashes with a stored id: nothing of this import stays.
      const again = [...rows.slice(0, 3).map((r) => ({ ...r, id: `${r.id}-b`, importId: "imp2" })), { ...rows[0], importId: "imp2" }];
      await expect(insertImportedRequests(h(), again, [])).rejects.toThrow();
      expect(await q.select().from(t.requests).where(eq(t.requests.importId, "imp2"))).toEqual([]);
    });

    it("front door: settings by id and slug, live boards, items by code and request", async () => {
      expect(await frontDoorOf(h(), "al")).toEqual({ allianceId: "al", allianceName: "Alliantie", slug: "al", enabled: false, boardId: null, sites: [] });
      await setFrontDoor(h(), "al", { enabled: true, boardId: "b", sites: ["https://partner.example"] });
      expect(await frontDoorBySlug(h(), "al")).toEqual({ allianceId: "al", allianceName: "Alliantie", slug: "al", enabled: true, boardId: "b", sites: ["https://partner.example"] });
      expect(await frontDoorBySlug(h(), "nope")).toBeNull();
      expect(await frontDoorOf(h(), "nope")).toBeNull();
      expect(await liveBoardOf(h(), "al", "b")).toBe(true);
      expect(await liveBoardOf(h(), "al", "b-z")).toBe(false); // archived
      expect(await liveBoardOf(h(), "other", "b")).toBe(false);
      await insertFrontDoorItem(h(), { id: "fd1", allianceId: "al", boardId: "b", requestId: "r4", kind: "request", language: "nl", codeHash: "hash-1", addressKey: "k1", createdAt: 1_000 });
      expect(await frontDoorItemByCode(h(), "al", "hash-1")).toMatchObject({ id: "fd1", requestId: "r4", spamAt: null });
      expect(await frontDoorItemByCode(h(), "other", "hash-1")).toBeNull();
      expect((await frontDoorItemOfRequest(h(), "r4"))?.id).toBe("fd1");
      expect(await frontDoorItemOfRequest(h(), "r1")).toBeNull();
      // The receipt code's hash is unique: a second item with it is refused.
      await expect(
        insertFrontDoorItem(h(), { id: "fd-dup", allianceId: "al", boardId: "b", kind: "request", language: "nl", codeHash: "hash-1", addressKey: "k1", createdAt: 1_001 }),
      ).rejects.toThrow();
    });

    it("front door: 20 trials of six first submissions at once: one organisation each time, and all six get it", async () => {
      const { q, t } = h();
      for (let trial = 0; trial < 20; trial++) {
        const alliance = `door-al-${trial}`;
        await q.insert(t.alliances).values({ id: alliance, name: "D", slug: alliance, matchSecret: "s", demo: true });
        let made = 0;
        const ids = await Promise.all(
          [1, 2, 3, 4, 5, 6].map((i) =>
            frontDoorOrganisation(h(), alliance, () => {
              made++;
              return { id: `door-${trial}-${i}`, name: "Voordeur", shortName: "Voordeur", color: "#5a5a5a" };
            }),
          ),
        );
        const orgs = await q.select({ id: t.organisations.id }).from(t.organisations).where(and(eq(t.organisations.allianceId, alliance), eq(t.organisations.kind, FRONT_DOOR_ORG_KIND)));
        expect(orgs, `trial ${trial}`).toHaveLength(1);
        expect(made, `trial ${trial}`).toBe(1);
        expect(new Set(ids)).toEqual(new Set([orgs[0].id]));
      }
      // Later: found without making.
      const [only] = await q.select({ id: t.organisations.id }).from(t.organisations).where(and(eq(t.organisations.allianceId, "door-al-0"), eq(t.organisations.kind, FRONT_DOOR_ORG_KIND)));
      expect(await frontDoorOrganisation(h(), "door-al-0", () => ({ id: "never", name: "x", shortName: "x", color: "#000" }))).toBe(only.id);
    });

    it("front-door guard: the alliance's load and cap, an address's use with spam, items since, the spam mark", async () => {
      const item = (id: string, addressKey: string, createdAt: number, requestId: string | null = null) => ({
        id,
        allianceId: "al",
        boardId: "b",
        requestId,
        kind: "request" as const,
        language: "nl",
        codeHash: `code-${id}`,
        addressKey,
        createdAt,
      });
      // fd1 (k1, 1_000) is there already; four more.
      for (const i of [item("g1", "k2", 10_000), item("g2", "k2", 20_000, "r3"), item("g3", "k2", 30_000), item("g4", "k3", 30_000)]) await insertFrontDoorItem(h(), i);
      expect(await frontDoorDailyCap(h(), "al")).toBe(200);
      await setFrontDoorDailyCap(h(), "al", 7);
      expect(await frontDoorDailyCap(h(), "al")).toBe(7);
      expect(await frontDoorDailyCap(h(), "nope")).toBeNull();
      expect(await allianceLoad(h(), "al", 25_000, 5_000)).toEqual({ recent: 2, today: 4, cap: 7 });
      expect(await allianceLoad(h(), "al", 0, 40_000)).toEqual({ recent: 5, today: 0, cap: 7 });
      expect(await allianceLoad(h(), "nope", 0, 0)).toEqual({ recent: 0, today: 0, cap: null });
      expect(await allianceItemsSince(h(), "al", 10_000)).toBe(4);
      expect(await allianceItemsSince(h(), "al", 99_000)).toBe(0);

      expect(await frontDoorItemOf(h(), "b", "r3")).toEqual({ id: "g2", addressKey: "k2", spamAt: null });
      expect(await frontDoorItemOf(h(), "b", "r1")).toBeNull();
      await markFrontDoorSpam(h(), "g2", 35_000);
      expect(await frontDoorItemOf(h(), "b", "r3")).toEqual({ id: "g2", addressKey: "k2", spamAt: 35_000 });
      expect(await addressUse(h(), "k2", 15_000, 5_000)).toEqual({ hour: 2, hourSpam: 1, day: 3, daySpam: 1, hourOldest: 20_000 });
      expect(await addressUse(h(), "k2", 50_000, 5_000)).toEqual({ hour: 0, hourSpam: 0, day: 3, daySpam: 1, hourOldest: null });
      expect(await addressUse(h(), "none", 0, 0)).toEqual({ hour: 0, hourSpam: 0, day: 0, daySpam: 0, hourOldest: null });
    });
  });
}

describe("writing contact details while the request changes hands (PostgreSQL)", () => {
  it("a write waits for a change of holder in flight and is then refused: the check and the write are one transaction", async () => {
    const h = engines.postgres.async;
    // r4 (seeded above): entered by o1, held by o1 now.
    await h.q.update(h.t.requests).set({ ownerOrgId: "o1" }).where(eq(h.t.requests.id, "r4"));
    const svc = { async: h, env: { DATA_KEY: newDataKey() }, now: () => 5_000 } as unknown as AppServices;
    const uma = { id: "u1", organisationId: "o1", role: "member" } as unknown as SessionUser;
    const board = { id: "b", name: "Bord", allianceId: "al", archivedAt: null, docGeneration: 0 };
    // A referral to o2 being accepted on another connection: the holder changes, not yet committed.
    const other = await engines.postgres.pool.connect();
    try {
      await other.query("BEGIN");
      await other.query("UPDATE requests SET owner_org_id = 'o2' WHERE id = 'r4'");
      const writing = writeContact(svc, uma, board, "r4", { name: "Amira", consent: true });
      let settled = false;
      void writing.then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // waits for the row, does not write past the change
      await other.query("COMMIT");
      const res = await writing;
      expect(res.ok).toBe(false);
      expect(await getContact(h, "r4")).toBeNull();
    } finally {
      other.release();
    }
  });
});
