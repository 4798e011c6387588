/**
 * db/accounts.ts on the asynchronous layer, on both engines: SQLite (its
 * gate) and a real PostgreSQL (tests/infra/postgres.ts). Every converted
 * function runs at least once against each and its rows are read back:
 * sessions (the one-query lookup with its "last seen" written at most once a
 * minute, expiry, disabled accounts, the list's order with never-seen
 * sessions last on both engines), people (profile, role, password, access;
 * the open reset links and half-done logins that end with them). Races with
 * one winner: one session ended by eight callers at once (one `true`), one
 * e-mail address taken by eight new accounts at once (the unique index: one
 * account, seven unique violations). And db/health.ts (what /readyz asks):
 * the database answers, its migrations against the dialect's journal
 * (drizzle's table; on PostgreSQL in the `drizzle` schema): current, one
 * behind, ahead, never migrated, unreachable.
 */
import { eq, sql, type SQL } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  boardSettings,
  deleteExpiredSessions,
  deleteSession,
  deleteUserSession,
  deleteUserSessions,
  disableUser,
  emailTaken,
  enableUser,
  extendSession,
  findUserByEmail,
  findUserForLogin,
  getSessionUser,
  getUserById,
  insertBoard,
  insertSession,
  insertUser,
  listAllBoards,
  listBoardsForAlliance,
  listPeople,
  listUserSessions,
  SESSION_SEEN_RESOLUTION_MS,
  setBoardExpiryDays,
  setPassword,
  setUserRole,
  updateUserProfile,
} from "../../db/accounts";
import { countAlliances } from "../../db/alliances";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { MIGRATIONS_DIR, openDatabase, openPostgres, PG_MIGRATIONS_DIR, type AsyncDb } from "../../db/client";
import { count, first, isUniqueViolation, rawRows } from "../../db/dialect";
import { databaseAnswers, migrationsApplied, migrationsBehind } from "../../db/health";
import { bothEngines } from "../infra/engines";

const engines = bothEngines("pg_accounts");

const T0 = 1_750_000_000_000;

/** An alliance (`al`) with two organisations and one person (`u1`, o1) through the module's own inserts. */
async function seed(h: AsyncDb, tag: string) {
  const { t, q } = h;
  await q.insert(t.alliances).values({ id: `al-${tag}`, name: `Alliantie ${tag}`, slug: `a-${tag}`, matchSecret: "s", twoFactorPolicy: "coordinators" });
  await q.insert(t.organisations).values([
    { id: `o1-${tag}`, allianceId: `al-${tag}`, name: "Gemeente", shortName: "GEM", color: "#112233" },
    { id: `o2-${tag}`, allianceId: `al-${tag}`, name: "Bibliotheek", shortName: "BIB" },
  ]);
  await insertUser(h, { id: `u1-${tag}`, email: ` Anna.${tag}@Example.TEST `, name: "Anna", passwordHash: "h1", organisationId: `o1-${tag}`, role: "coordinator" });
  return { alliance: `al-${tag}`, o1: `o1-${tag}`, o2: `o2-${tag}`, u1: `u1-${tag}`, email: `anna.${tag}@example.test` };
}

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`db/accounts on ${engine}`, () => {
    const h = () => engines.async(engine);

    it("people: insert (address trimmed, lower case), find for login and by address, by id with organisation and alliance, taken addresses", async () => {
      const s = await seed(h(), "people");
      expect(await emailTaken(h(), s.email.toUpperCase())).toBe(true);
      expect(await emailTaken(h(), "nobody@example.test")).toBe(false);
      expect(await findUserForLogin(h(), ` ${s.email.toUpperCase()} `)).toEqual({ id: s.u1, passwordHash: "h1", disabledAt: null });
      expect(await findUserForLogin(h(), "nobody@example.test")).toBeUndefined();
      expect(await findUserByEmail(h(), s.email)).toEqual({ id: s.u1, email: s.email, locale: "nl", disabledAt: null });
      expect(await findUserByEmail(h(), "nobody@example.test")).toBeNull();
      expect(await getUserById(h(), s.u1)).toEqual({
        id: s.u1,
        email: s.email,
        name: "Anna",
        role: "coordinator",
        mustChangePassword: false,
        locale: "nl",
        organisationId: s.o1,
        organisationName: "Gemeente",
        organisationShortName: "GEM",
        organisationColor: "#112233",
        allianceId: s.alliance,
        allianceName: "Alliantie people",
        twoFactorPolicy: "coordinators",
        twoFactorEnabled: false,
      });
      expect(await getUserById(h(), "nobody")).toBeNull();
      // The alliance's people, by organisation (short name) then name; another alliance's are not among them.
      await insertUser(h(), { id: `u2-${s.alliance}`, email: "bert@people.test", name: "Bert", passwordHash: "h", organisationId: s.o2, role: "viewer" });
      await insertUser(h(), { id: `u3-${s.alliance}`, email: "aad@people.test", name: "Aad", passwordHash: "h", organisationId: s.o1 });
      const other = await seed(h(), "people-other");
      const people = await listPeople(h(), s.alliance);
      expect(people.map((p) => [p.organisationName, p.name])).toEqual([["BIB", "Bert"], ["GEM", "Aad"], ["GEM", "Anna"]]);
      expect(people[0]).toEqual({ id: `u2-${s.alliance}`, email: "bert@people.test", name: "Bert", role: "viewer", organisationId: s.o2, organisationName: "BIB", mustChangePassword: false, disabledAt: null });
      expect((await listPeople(h(), other.alliance)).map((p) => p.id)).toEqual([other.u1]);
      // Two-factor login on: the joined row says so.
      await h().q.insert(h().t.userTwoFactor).values({ userId: s.u1, enabledAt: T0 });
      expect((await getUserById(h(), s.u1))?.twoFactorEnabled).toBe(true);
    });

    it("a profile, a role, a password and access: changed, and what must end with them ends (reset links, half-done logins, sessions)", async () => {
      const s = await seed(h(), "profile");
      const { t, q } = h();
      const openLinks = async () => (await q.select({ n: count() }).from(t.passwordResets).where(eq(t.passwordResets.userId, s.u1)))[0].n;
      const challenges = async () => (await q.select({ n: count() }).from(t.loginChallenges).where(eq(t.loginChallenges.userId, s.u1)))[0].n;
      const plant = async (k: string) => {
        await q.insert(t.passwordResets).values([
          { tokenHash: `open-${k}`, userId: s.u1, createdAt: T0, expiresAt: T0 + 1000 },
          { tokenHash: `used-${k}`, userId: s.u1, createdAt: T0, expiresAt: T0 + 1000, usedAt: T0 },
        ]);
        await q.insert(t.loginChallenges).values({ tokenHash: `ch-${k}`, userId: s.u1, createdAt: T0, expiresAt: T0 + 1000 });
      };

      await plant("a");
      await updateUserProfile(h(), s.u1, { name: "Anna B.", locale: "en" });
      expect(await getUserById(h(), s.u1)).toMatchObject({ name: "Anna B.", locale: "en", email: s.email });
      expect([await openLinks(), await challenges()]).toEqual([2, 1]); // no new address: links stay
      await updateUserProfile(h(), s.u1, {}); // nothing to change
      await updateUserProfile(h(), s.u1, { email: " Anna.Nieuw@Example.TEST " });
      expect((await getUserById(h(), s.u1))?.email).toBe("anna.nieuw@example.test");
      expect([await openLinks(), await challenges()]).toEqual([1, 0]); // the used link is history, the open one is gone

      await setUserRole(h(), s.u1, "viewer");
      expect((await getUserById(h(), s.u1))?.role).toBe("viewer");

      await plant("b");
      await setPassword(h(), s.u1, "h2", true);
      expect(await findUserForLogin(h(), "anna.nieuw@example.test")).toMatchObject({ passwordHash: "h2" });
      expect((await getUserById(h(), s.u1))?.mustChangePassword).toBe(true);
      expect([await openLinks(), await challenges()]).toEqual([2, 0]);

      await plant("c");
      await insertSession(h(), { id: "sess-profile", userId: s.u1, expiresAt: T0 + 10_000 });
      await disableUser(h(), s.u1, T0 + 5);
      expect((await findUserByEmail(h(), "anna.nieuw@example.test"))?.disabledAt).toBe(T0 + 5);
      expect(await listUserSessions(h(), s.u1, T0)).toEqual([]);
      expect([await openLinks(), await challenges()]).toEqual([3, 0]);
      await enableUser(h(), s.u1);
      expect((await findUserForLogin(h(), "anna.nieuw@example.test"))?.disabledAt).toBeNull();
    });

    it("sessions: one lookup gives the person; last seen written at most once a minute; expired and disabled give nobody; extend, list, end", async () => {
      const s = await seed(h(), "sessions");
      const { t, q } = h();
      const lastSeen = async (id: string) => (await first(q.select({ at: t.sessions.lastSeenAt }).from(t.sessions).where(eq(t.sessions.id, id))))?.at;
      await insertSession(h(), { id: "s1", userId: s.u1, expiresAt: T0 + 3600_000, userAgent: "Firefox", createdAt: T0 });
      await insertSession(h(), { id: "s2", userId: s.u1, expiresAt: T0 + 3600_000, userAgent: "Safari", createdAt: T0 + 1 });
      await insertSession(h(), { id: "s3", userId: s.u1, expiresAt: T0 + 3600_000, createdAt: T0 + 2 });
      await insertSession(h(), { id: "old", userId: s.u1, expiresAt: T0 - 1, createdAt: T0 - 10 });

      const user = await getSessionUser(h(), "s1", T0 + 10);
      expect(user).toMatchObject({ id: s.u1, email: s.email, organisationId: s.o1, allianceId: s.alliance, twoFactorEnabled: false });
      expect(await lastSeen("s1")).toBe(T0 + 10);
      await getSessionUser(h(), "s1", T0 + 10 + SESSION_SEEN_RESOLUTION_MS - 1);
      expect(await lastSeen("s1")).toBe(T0 + 10); // not a write per page view
      await getSessionUser(h(), "s1", T0 + 10 + SESSION_SEEN_RESOLUTION_MS);
      expect(await lastSeen("s1")).toBe(T0 + 10 + SESSION_SEEN_RESOLUTION_MS);
      await getSessionUser(h(), "s2", T0 + 20);
      expect(await getSessionUser(h(), "old", T0)).toBeNull();
      expect(await getSessionUser(h(), "nope", T0)).toBeNull();

      // Most recently used first; a session never seen after the ones that were (on both engines).
      expect((await listUserSessions(h(), s.u1, T0 + 100)).map((r) => r.id)).toEqual(["s1", "s2", "s3"]);
      expect((await listUserSessions(h(), s.u1, T0 + 100))[1]).toEqual({ id: "s2", userAgent: "Safari", createdAt: T0 + 1, lastSeenAt: T0 + 20, expiresAt: T0 + 3600_000 });

      await extendSession(h(), "s3", T0 + 7200_000);
      expect((await listUserSessions(h(), s.u1, T0 + 3600_000)).map((r) => r.id)).toEqual(["s3"]);
      expect(await getSessionUser(h(), "s3", T0 + 3600_001)).not.toBeNull();

      expect(await deleteUserSession(h(), "someone-else", "s2")).toBe(false);
      expect(await deleteUserSession(h(), s.u1, "s2")).toBe(true);
      expect(await deleteUserSession(h(), s.u1, "s2")).toBe(false);
      expect(await deleteExpiredSessions(h(), T0)).toBe(1); // "old"
      expect((await deleteUserSessions(h(), s.u1, "s3")).sort()).toEqual(["s1"]);
      await deleteSession(h(), "s3");
      expect(await listUserSessions(h(), s.u1, T0)).toEqual([]);

      // A disabled account's session gives nobody, though it has not ended.
      await insertSession(h(), { id: "s4", userId: s.u1, expiresAt: T0 + 3600_000 });
      await h().q.update(t.users).set({ disabledAt: T0 }).where(eq(t.users.id, s.u1));
      expect(await getSessionUser(h(), "s4", T0)).toBeNull();
      expect((await deleteUserSessions(h(), s.u1, null)).sort()).toEqual(["s4"]);
    });

    it("races: eight callers end one session (one true); eight new accounts take one address (one account, seven unique violations)", async () => {
      const s = await seed(h(), "race");
      for (let trial = 0; trial < 10; trial++) {
        await insertSession(h(), { id: `r${trial}`, userId: s.u1, expiresAt: T0 + 3600_000 });
        const ended = await Promise.all(Array.from({ length: 8 }, () => deleteUserSession(h(), s.u1, `r${trial}`)));
        expect(ended.filter(Boolean), `trial ${trial}`).toHaveLength(1);
      }
      const tries = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          insertUser(h(), { id: `dup-${i}`, email: `Dubbel@Example.test`, name: `Dubbel ${i}`, passwordHash: "h", organisationId: s.o2 }),
        ),
      );
      expect(tries.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = tries.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(refused).toHaveLength(7);
      for (const r of refused) expect(isUniqueViolation(r.reason)).toBe(true);
      expect(await emailTaken(h(), "dubbel@example.test")).toBe(true);
    });

    it("boards: insert, the alliance's list by name, every unarchived board, the expiry setting and the settings read back; alliances counted", async () => {
      const s = await seed(h(), "boards");
      const before = await countAlliances(h());
      expect(before).toBeGreaterThanOrEqual(1);
      await insertBoard(h(), { id: "bz-boards", allianceId: s.alliance, name: "Zuid" });
      await insertBoard(h(), { id: "ba-boards", allianceId: s.alliance, name: "Aanbod", archivedAt: T0 });
      await insertBoard(h(), { id: "bm-boards", allianceId: s.alliance, name: "Midden" });
      expect(await listBoardsForAlliance(h(), s.alliance)).toEqual([
        { id: "ba-boards", name: "Aanbod", allianceId: s.alliance, archivedAt: T0, docGeneration: 0 },
        { id: "bm-boards", name: "Midden", allianceId: s.alliance, archivedAt: null, docGeneration: 0 },
        { id: "bz-boards", name: "Zuid", allianceId: s.alliance, archivedAt: null, docGeneration: 0 },
      ]);
      const live = (await listAllBoards(h())).filter((b) => b.allianceId === s.alliance);
      expect(live.map((b) => b.id).sort()).toEqual(["bm-boards", "bz-boards"]);
      expect(live[0].claimExpiryDays).toBe(14);
      await setBoardExpiryDays(h(), "bm-boards", 30);
      expect(await boardSettings(h(), "bm-boards")).toEqual({ id: "bm-boards", name: "Midden", claimExpiryDays: 30, retentionMonths: 12 });
      expect(await boardSettings(h(), "nope")).toBeNull();
      await h().q.insert(h().t.alliances).values({ id: "al-extra", name: "Extra", slug: "extra", matchSecret: "s" });
      expect(await countAlliances(h())).toBe(before + 1);
    });

    it("health: answers, migrations current; one behind when the newest is missing; ahead is not behind; never migrated: all behind; closed: unreachable", async () => {
      const journal = readMigrationFiles({ migrationsFolder: engine === "postgres" ? PG_MIGRATIONS_DIR : MIGRATIONS_DIR });
      expect(journal.length).toBeGreaterThan(0);
      expect(await databaseAnswers(h())).toBe("ok");
      expect(await migrationsBehind(h())).toBe(0);
      expect(await migrationsApplied(h())).toBe("ok");
      const table = engine === "postgres" ? sql`drizzle.__drizzle_migrations` : sql`__drizzle_migrations`;
      /** A statement that returns nothing (rawRows is for rows). */
      const exec = async (q: SQL) => {
        if (engine === "postgres") await h().q.execute(q);
        else await (h().q as unknown as { run(q: SQL): unknown }).run(q);
      };
      const [newest] = await rawRows(h(), sql`select id, hash, created_at from ${table} order by created_at desc limit 1`);
      await exec(sql`delete from ${table} where created_at = ${newest.created_at}`);
      try {
        expect(await migrationsBehind(h())).toBe(1);
        expect(await migrationsApplied(h())).toBe("behind");
        // A newer release migrated it meanwhile (a rolling upgrade): ahead, not behind.
        await exec(sql`insert into ${table} (hash, created_at) values ('from-a-newer-release', ${Number(newest.created_at) + 86400_000})`);
        expect(await migrationsApplied(h())).toBe("ok");
        await exec(sql`delete from ${table} where hash = 'from-a-newer-release'`);
      } finally {
        await exec(sql`insert into ${table} (hash, created_at) values (${newest.hash}, ${newest.created_at})`);
      }
      expect(await migrationsApplied(h())).toBe("ok");

      // Never migrated, then closed.
      if (engine === "sqlite") {
        const bare = openDatabase(":memory:");
        expect(await migrationsBehind(bare.async)).toBe(journal.length);
        expect(await migrationsApplied(bare.async)).toBe("behind");
        bare.close();
        expect(await databaseAnswers(bare.async)).toBe("unreachable");
        expect(await migrationsApplied(bare.async)).toBe("unreachable");
      } else {
        const bare = await openPostgres(await engines.server.createDatabase("pg_accounts_bare"), { max: 2 });
        expect(await migrationsBehind(bare.async)).toBe(journal.length);
        expect(await migrationsApplied(bare.async)).toBe("behind");
        await bare.close();
        expect(await databaseAnswers(bare.async)).toBe("unreachable");
        expect(await migrationsApplied(bare.async)).toBe("unreachable");
      }
    });
  });
}
