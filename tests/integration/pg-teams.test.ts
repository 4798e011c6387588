/**
 * db/ modules moved to the asynchronous layer together (issue 16): password
 * resets, two-factor login, invitations, boards, alliances, teams and
 * limits run here on SQLite and on a real PostgreSQL
 * (tests/infra/postgres.ts). Every converted function is called at least
 * once with its result read back; what is used once is raced: one reset
 * link, one TOTP step, one recovery code, one login challenge and one
 * invitation link, each by several callers at once, exactly one wins; and
 * names checked again inside the transaction that writes them (a board's,
 * a team's): of many creating one name at once, one board, one team.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type AsyncDb } from "../../db/client";
import {
  allianceIds,
  countAlliances,
  demoAlliance,
  eraseAlliance,
  findAllianceByNameOrSlug,
  installationFact,
  listAllianceSummaries,
  setInstallationFact,
} from "../../db/alliances";
import {
  boardClaimExpiryDays,
  boardNameTaken,
  boardOfAlliance,
  countBoardRequests,
  insertBoardWithDocument,
  listBoards,
  renameBoard,
  setBoardArchivedAt,
  setBoardRetentionMonths,
} from "../../db/boards";
import { first } from "../../db/dialect";
import {
  acceptInvitation,
  insertInvitation,
  invitationById,
  invitationByTokenHash,
  openInvitations,
  pendingInvitationFor,
  renewInvitationToken,
  userLocale,
  withdrawInvitation,
} from "../../db/invitations";
import {
  addLoginDevice,
  allianceRequestQuota,
  countedRequestAt,
  deleteExpiredLoginDevices,
  forgetLoginDevices,
  importedRowsSince,
  isDeviceOfOthers,
  isLoginDevice,
  recordReferenceCheck,
  referenceCheckCounts,
  requestsCreatedByOrgSince,
  requestsPerOrgSince,
  setAllianceRequestQuota,
} from "../../db/limits";
import { insertPasswordReset, passwordResetState, usePasswordReset } from "../../db/password-resets";
import {
  deleteLoginChallenge,
  disableTwoFactor,
  enableTwoFactor,
  failLoginChallenge,
  getLoginChallenge,
  getTwoFactor,
  getTwoFactorPolicy,
  insertLoginChallenge,
  oneSealedSecret,
  replaceRecoveryCodes,
  setPendingSecret,
  setTwoFactorPolicy,
  spendRecoveryCode,
  spendTimeStep,
  twoFactorStatusOfPeople,
  unusedRecoveryCodes,
} from "../../db/two-factor";
import {
  deleteTeam,
  homeOrganisations,
  insertTeam,
  listTeams,
  setHomeOrganisation,
  setTeamMode,
  teamIdsForOrganisation,
  teamMode,
  teamNameTaken,
  teamOfAlliance,
  teamsWithActingOrganisations,
  updateTeam,
} from "../../db/teams";
import { bothEngines } from "../infra/engines";

const engines = bothEngines("pg_teams");

beforeAll(async () => {
  for (const h of [engines.sqlite.async, engines.postgres.async]) await seed(h);
});

/** Callers at once in each race. */
const RIVALS = 8;
const DAY = 86_400_000;

/** An alliance with two organisations, two people and a board. */
async function seed(h: AsyncDb) {
  const { t, q } = h;
  await q.insert(t.alliances).values({ id: "al", name: "Alliantie", slug: "alliantie", matchSecret: "s" });
  await q.insert(t.organisations).values([
    { id: "o1", allianceId: "al", name: "Een", shortName: "1" },
    { id: "o2", allianceId: "al", name: "Twee", shortName: "2" },
  ]);
  await q.insert(t.users).values([
    { id: "u1", email: "een@x.test", name: "Een", passwordHash: "h1", organisationId: "o1", role: "coordinator", locale: "en" },
    { id: "u2", email: "twee@x.test", name: "Twee", passwordHash: "h2", organisationId: "o2", role: "member" },
  ]);
  await q.insert(t.boards).values({ id: "b1", allianceId: "al", name: "Bord" });
}

/** Results of `n` callers at once. */
function race<T>(n: number, f: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => f(i)));
}

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`on ${engine}`, () => {
    const h = () => engines.async(engine);

    it("password resets: a link's state, and of many uses at once exactly one sets the password, ends the sessions and spends the other links", async () => {
      const { q, t } = h();
      await q.insert(t.sessions).values([
        { id: "s1", userId: "u2", expiresAt: 10 * DAY },
        { id: "s2", userId: "u2", expiresAt: 10 * DAY },
      ]);
      // An old link that expired more than a day ago goes when a new one is made.
      await insertPasswordReset(h(), { tokenHash: "old", userId: "u2", createdAt: 0, expiresAt: 1000 });
      await insertPasswordReset(h(), { tokenHash: "r1", userId: "u2", createdAt: 2 * DAY, expiresAt: 2 * DAY + 3_600_000 });
      await insertPasswordReset(h(), { tokenHash: "r2", userId: "u2", createdAt: 2 * DAY, expiresAt: 2 * DAY + 3_600_000 });
      expect(await first(q.select().from(t.passwordResets).where(eq(t.passwordResets.tokenHash, "old")))).toBeUndefined();
      expect(await passwordResetState(h(), "r1", 2 * DAY + 1)).toBe("valid");
      expect(await passwordResetState(h(), "r1", 3 * DAY)).toBe("expired");
      expect(await passwordResetState(h(), "nope", 2 * DAY)).toBe("unknown");
      expect(await usePasswordReset(h(), "r1", "late", 3 * DAY)).toBeNull();

      const results = await race(RIVALS, (i) => usePasswordReset(h(), "r1", `new-${i}`, 2 * DAY + 10));
      const winners = results.flatMap((r, i) => (r ? [{ ...r, i }] : []));
      expect(winners).toHaveLength(1);
      expect(winners[0].userId).toBe("u2");
      expect(winners[0].endedSessions.sort()).toEqual(["s1", "s2"]);
      const user = await first(q.select().from(t.users).where(eq(t.users.id, "u2")));
      expect(user?.passwordHash).toBe(`new-${winners[0].i}`);
      expect(await passwordResetState(h(), "r1", 2 * DAY + 20)).toBe("used");
      // The account's other open link is gone, and the sessions with it.
      expect(await passwordResetState(h(), "r2", 2 * DAY + 20)).toBe("unknown");
      expect(await q.select().from(t.sessions).where(eq(t.sessions.userId, "u2"))).toEqual([]);
    });

    it("two-factor: setup, enable, time steps and recovery codes spent once under races, challenges, policy, disable", async () => {
      const sealed = Buffer.from([1, 2, 3, 0, 255]);
      expect(await oneSealedSecret(h())).toBeNull();
      await setPendingSecret(h(), "u1", Buffer.from("pending"), 100);
      await setPendingSecret(h(), "u1", Buffer.from("pending-2"), 200);
      let row = await getTwoFactor(h(), "u1");
      expect(row?.pendingSecret?.toString()).toBe("pending-2");
      expect(row?.enabledAt).toBeNull();
      // Not enabled: no step can be spent.
      expect(await spendTimeStep(h(), "u1", 5)).toBe(false);

      await enableTwoFactor(h(), "u1", sealed, 10, ["c1", "c2", "c3"], 300);
      row = await getTwoFactor(h(), "u1");
      expect(row).toMatchObject({ enabledAt: 300, pendingSecret: null, lastStep: 10 });
      expect(Buffer.compare(row!.secret!, sealed)).toBe(0);
      expect(await oneSealedSecret(h())).toEqual({ userId: "u1", sealed });
      expect(await unusedRecoveryCodes(h(), "u1")).toBe(3);

      // The confirming step and older ones are spent already; a later one once.
      expect(await spendTimeStep(h(), "u1", 10)).toBe(false);
      const steps = await race(RIVALS, () => spendTimeStep(h(), "u1", 11));
      expect(steps.filter(Boolean)).toHaveLength(1);
      expect((await getTwoFactor(h(), "u1"))?.lastStep).toBe(11);

      const codes = await race(RIVALS, (i) => spendRecoveryCode(h(), "u1", "c2", 400 + i));
      expect(codes.filter(Boolean)).toHaveLength(1);
      expect(await spendRecoveryCode(h(), "u1", "c2", 500)).toBe(false);
      expect(await spendRecoveryCode(h(), "u2", "c1", 500)).toBe(false);
      expect(await unusedRecoveryCodes(h(), "u1")).toBe(2);
      await replaceRecoveryCodes(h(), "u1", ["d1", "d2", "d3", "d4"], 600);
      expect(await unusedRecoveryCodes(h(), "u1")).toBe(4);
      expect(await spendRecoveryCode(h(), "u1", "c1", 700)).toBe(false);

      await insertLoginChallenge(h(), { tokenHash: "ch-old", userId: "u1", redirectTo: "/boards", createdAt: 0, expiresAt: 50 });
      await insertLoginChallenge(h(), { tokenHash: "ch", userId: "u1", redirectTo: "/x?y=ä", createdAt: 100, expiresAt: 1000 });
      expect(await getLoginChallenge(h(), "ch-old", 10)).toBeNull(); // expired ones went with the insert
      expect(await getLoginChallenge(h(), "ch", 2000)).toBeNull();
      expect(await getLoginChallenge(h(), "ch", 500)).toMatchObject({ userId: "u1", redirectTo: "/x?y=ä", failures: 0 });
      const failures = await race(RIVALS, () => failLoginChallenge(h(), "ch"));
      expect(failures.sort((a, b) => a - b)).toEqual(Array.from({ length: RIVALS }, (_, i) => i + 1));
      expect(await failLoginChallenge(h(), "none")).toBe(Number.MAX_SAFE_INTEGER);
      const spent = await race(RIVALS, () => deleteLoginChallenge(h(), "ch"));
      expect(spent.filter(Boolean)).toHaveLength(1);

      expect(await getTwoFactorPolicy(h(), "al")).toBe("off");
      await setTwoFactorPolicy(h(), "al", "coordinators");
      expect(await getTwoFactorPolicy(h(), "al")).toBe("coordinators");
      expect(await getTwoFactorPolicy(h(), "nope")).toBe("off");
      const people = await twoFactorStatusOfPeople(h(), "al");
      expect(people.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: "u1", role: "coordinator", enabled: true },
        { id: "u2", role: "member", enabled: false },
      ]);

      await insertLoginChallenge(h(), { tokenHash: "ch2", userId: "u1", redirectTo: "/boards", createdAt: 100, expiresAt: 1000 });
      await disableTwoFactor(h(), "u1", 800);
      expect(await getTwoFactor(h(), "u1")).toMatchObject({ secret: null, enabledAt: null, disabledAt: 800, lastStep: 0 });
      expect(await unusedRecoveryCodes(h(), "u1")).toBe(0);
      expect(await getLoginChallenge(h(), "ch2", 500)).toBeNull();
      expect(await oneSealedSecret(h())).toBeNull();
    });

    it("invitations: issue, read, renew, withdraw; of many accepts of one link at once exactly one makes the account", async () => {
      const base = { allianceId: "al", organisationId: "o2", name: "Nieuw", role: "member" as const, locale: "en", invitedByUserId: "u1", createdAt: 1 };
      await insertInvitation(h(), { ...base, id: "i1", email: " Nieuw@X.test ", tokenHash: "t1", lastSentAt: 1, expiresAt: 10 * DAY });
      await insertInvitation(h(), { ...base, id: "i2", email: "ander@x.test", tokenHash: "t2", lastSentAt: 2, expiresAt: 10 * DAY });
      expect((await invitationById(h(), "i1"))?.email).toBe("nieuw@x.test");
      expect(await invitationByTokenHash(h(), "t1")).toMatchObject({ id: "i1", allianceName: "Alliantie", organisationName: "Twee", acceptedAt: null });
      expect(await invitationByTokenHash(h(), "nope")).toBeNull();
      expect(await pendingInvitationFor(h(), "NIEUW@x.test", 5)).toEqual({ id: "i1" });
      expect(await pendingInvitationFor(h(), "nieuw@x.test", 10 * DAY)).toBeNull();
      expect((await openInvitations(h(), "al")).map((i) => [i.id, i.invitedBy, i.organisationName])).toEqual([
        ["i2", "Een", "2"],
        ["i1", "Een", "2"],
      ]);
      expect(await renewInvitationToken(h(), "i1", "t1b", 3, 20 * DAY)).toBe(true);
      expect(await invitationByTokenHash(h(), "t1")).toBeNull();
      expect(await withdrawInvitation(h(), "i2", 4)).toBe(true);
      expect(await withdrawInvitation(h(), "i2", 5)).toBe(false);
      expect(await renewInvitationToken(h(), "i2", "t2b", 6, 20 * DAY)).toBe(false);
      expect((await openInvitations(h(), "al")).map((i) => i.id)).toEqual(["i1"]);

      expect(await acceptInvitation(h(), "t2", { id: "x", passwordHash: "p" }, 7)).toEqual({ ok: false, reason: "withdrawn" });
      expect(await acceptInvitation(h(), "nope", { id: "x", passwordHash: "p" }, 7)).toEqual({ ok: false, reason: "unknown" });
      expect(await acceptInvitation(h(), "t1b", { id: "x", passwordHash: "p" }, 21 * DAY)).toEqual({ ok: false, reason: "expired" });

      const results = await race(RIVALS, (i) => acceptInvitation(h(), "t1b", { id: `new-${i}`, passwordHash: `p${i}` }, 8));
      const won = results.filter((r) => r.ok);
      expect(won).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual(Array.from({ length: RIVALS - 1 }, () => ({ ok: false, reason: "used" })));
      const userId = (won[0] as { userId: string }).userId;
      const accounts = await h().q.select().from(h().t.users).where(eq(h().t.users.email, "nieuw@x.test"));
      expect(accounts.map((a) => [a.id, a.organisationId, a.role, a.locale])).toEqual([[userId, "o2", "member", "en"]]);
      expect(await invitationById(h(), "i1")).toMatchObject({ acceptedAt: 8, acceptedUserId: userId });
      expect(await userLocale(h(), userId)).toBe("en");
      expect(await userLocale(h(), "nope")).toBeNull();

      // Two invitations for one address, accepted at once: one account, the other email_taken.
      await insertInvitation(h(), { ...base, id: "i3", email: "dubbel@x.test", tokenHash: "t3", lastSentAt: 9, expiresAt: 10 * DAY });
      await insertInvitation(h(), { ...base, allianceId: "al", id: "i4", email: "dubbel@x.test", tokenHash: "t4", lastSentAt: 9, expiresAt: 10 * DAY });
      const both = await Promise.all([
        acceptInvitation(h(), "t3", { id: "d3", passwordHash: "p" }, 10),
        acceptInvitation(h(), "t4", { id: "d4", passwordHash: "p" }, 10),
      ]);
      expect(both.filter((r) => r.ok)).toHaveLength(1);
      expect(both.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "email_taken" }]);
      expect(await h().q.select().from(h().t.users).where(eq(h().t.users.email, "dubbel@x.test"))).toHaveLength(1);
    });
    it("boards: a new board with its document, one of many with the same name at once; list, rename, archive, retention, counts", async () => {
      const { q, t } = h();
      const state = new Uint8Array([0, 0]);
      const made = await race(RIVALS, (i) => insertBoardWithDocument(h(), { id: `nb${i}`, allianceId: "al", name: i % 2 ? "Nieuw Bord" : "nieuw bord", claimExpiryDays: 9 }, state, 50));
      expect(made.filter(Boolean)).toHaveLength(1);
      const id = `nb${made.indexOf(true)}`;
      const snapshots = await q.select().from(t.boardSnapshots).where(eq(t.boardSnapshots.boardId, id));
      expect(snapshots.map((r) => [r.lastUpdateId, r.updatedAt, [...r.data]])).toEqual([[0, 50, [0, 0]]]);
      expect(await q.select().from(t.boards).where(eq(t.boards.name, "Nieuw Bord"))).toHaveLength(made.indexOf(true) % 2);
      expect(await boardNameTaken(h(), "al", "NIEUW BORD")).toBe(true);
      expect(await boardNameTaken(h(), "al", "nieuw bord", id)).toBe(false);
      expect(await boardClaimExpiryDays(h(), id)).toBe(9);
      expect(await boardClaimExpiryDays(h(), "b1")).toBe(14); // the default
      expect(await boardClaimExpiryDays(h(), "nope")).toBeNull();
      expect((await listBoards(h(), "al", { archived: false })).map((b) => b.id)).toEqual(["b1", id]);
      await renameBoard(h(), id, "alfa");
      await setBoardRetentionMonths(h(), id, 7);
      expect(await boardOfAlliance(h(), "al", id)).toMatchObject({ name: "alfa", retentionMonths: 7, archivedAt: null, createdAt: 50 });
      expect(await boardOfAlliance(h(), "other", id)).toBeNull();
      expect((await listBoards(h(), "al", { archived: false })).map((b) => b.name)).toEqual(["alfa", "Bord"]);
      await setBoardArchivedAt(h(), id, 60);
      expect((await listBoards(h(), "al", { archived: true })).map((b) => [b.id, b.archivedAt])).toEqual([[id, 60]]);
      await setBoardArchivedAt(h(), id, null);
      expect(await listBoards(h(), "al", { archived: true })).toEqual([]);
      await q.insert(t.requests).values([
        { id: "br1", boardId: id, createdByOrgId: "o1", lastActivityAt: 1, createdAt: 1 },
        { id: "br2", boardId: id, createdByOrgId: "o1", lastActivityAt: 1, createdAt: 1 },
      ]);
      expect(await countBoardRequests(h(), id)).toBe(2);
      expect(await countBoardRequests(h(), "b1")).toBe(0);
    });

    it("teams: one of many with the same name at once; list, change, mode, acting organisations, home organisations, remove", async () => {
      const made = await race(RIVALS, (i) =>
        insertTeam(h(), { id: `tm${i}`, allianceId: "al", name: i % 2 ? "Wijkteam" : "WIJKTEAM", area: "Noord", organisationIds: ["o2", "o1"], createdAt: 70 }),
      );
      expect(made.filter(Boolean)).toHaveLength(1);
      const id = `tm${made.indexOf(true)}`;
      expect(await insertTeam(h(), { id: "tb", allianceId: "al", name: "Buurtteam", area: null, organisationIds: [], organisationId: "o2", createdAt: 71 })).toBe(true);
      expect(await teamNameTaken(h(), "al", "wijkteam")).toBe(true);
      expect(await teamNameTaken(h(), "al", "wijkteam", id)).toBe(false);
      expect((await listTeams(h(), "al")).map((x) => [x.id, x.organisationIds, x.organisationId])).toEqual([
        ["tb", [], "o2"],
        [id, ["o1", "o2"], null],
      ]);
      expect(await teamOfAlliance(h(), "al", id)).toMatchObject({ area: "Noord", createdAt: 70 });
      expect(await teamOfAlliance(h(), "other", id)).toBeNull();
      expect(await updateTeam(h(), "al", id, { name: "buurtteam" })).toBe(false);
      expect(await updateTeam(h(), "al", id, { name: "Centrumteam", area: null, organisationIds: ["o1"] })).toBe(true);
      expect(await teamOfAlliance(h(), "al", id)).toMatchObject({ name: "Centrumteam", area: null, organisationIds: ["o1"] });

      expect(await teamMode(h(), "al")).toBe("across_organisations");
      expect(await teamIdsForOrganisation(h(), "al", "o1")).toEqual([id]);
      expect(await teamIdsForOrganisation(h(), "al", "o2")).toEqual([]);
      await setTeamMode(h(), "al", "one_organisation");
      expect(await teamMode(h(), "al")).toBe("one_organisation");
      expect(await teamIdsForOrganisation(h(), "al", "o2")).toEqual(["tb"]);
      expect(await teamsWithActingOrganisations(h(), "al")).toEqual([
        { id: "tb", name: "Buurtteam", organisationIds: ["o2"] },
        { id, name: "Centrumteam", organisationIds: ["o1"] },
      ]);
      await setTeamMode(h(), "al", "across_organisations");

      await setHomeOrganisation(h(), "u2", "o1");
      expect([...(await homeOrganisations(h(), "al"))]).toEqual([["u2", { id: "o1", shortName: "1" }]]);
      await setHomeOrganisation(h(), "u2", null);
      expect((await homeOrganisations(h(), "al")).size).toBe(0);

      expect(await deleteTeam(h(), "other", id)).toBe(false);
      expect(await deleteTeam(h(), "al", id)).toBe(true);
      expect(await h().q.select().from(h().t.teamOrganisations).where(eq(h().t.teamOrganisations.teamId, id))).toEqual([]);
      expect((await listTeams(h(), "al")).map((x) => x.id)).toEqual(["tb"]);
    });

    it("alliances: summaries, name or slug taken, the demo, ids, installation facts", async () => {
      const { q, t } = h();
      await q.insert(t.alliances).values({ id: "demo", name: "Demo", slug: "demo", matchSecret: "s", demo: true, createdAt: 5 });
      await q.insert(t.organisations).values({ id: "do", allianceId: "demo", name: "Demo-org", shortName: "D" });
      expect(await countAlliances(h())).toBe(2);
      expect(await demoAlliance(h())).toEqual({ id: "demo", name: "Demo", slug: "demo" });
      expect(await findAllianceByNameOrSlug(h(), "ALLIANTIE", "x")).toEqual({ id: "al", name: "Alliantie", slug: "alliantie" });
      expect(await findAllianceByNameOrSlug(h(), "x", "demo")).toMatchObject({ id: "demo" });
      expect(await findAllianceByNameOrSlug(h(), "x", "y")).toBeNull();
      const summaries = await listAllianceSummaries(h());
      expect(summaries.find((a) => a.id === "demo")).toEqual({ id: "demo", name: "Demo", slug: "demo", demo: true, organisations: 1, people: 0, boards: 0, createdAt: 5 });
      const al = summaries.find((a) => a.id === "al")!;
      expect([al.demo, al.organisations, al.boards]).toEqual([false, 2, (await listBoards(h(), "al", { archived: false })).length]);
      expect(al.people).toBeGreaterThanOrEqual(2);
      const ids = await allianceIds(h(), "demo");
      expect(ids).toEqual({ alliances: ["demo"], organisations: ["do"], users: [], emails: [], boards: [], requests: [] });
      expect((await allianceIds(h(), "al")).boards).toContain("b1");
      expect(await installationFact(h(), "demo_removed_at")).toBeNull();
      await setInstallationFact(h(), "demo_removed_at", "gisteren");
      await setInstallationFact(h(), "demo_removed_at", "vandaag — 'echt'");
      expect(await installationFact(h(), "demo_removed_at")).toBe("vandaag — 'echt'");
    });

    it("limits: the quota's counts (an import once), the alliance's quota, reference checks, known browsers", async () => {
      const { q, t } = h();
      const req = (id: string, org: string, at: number, importId: string | null = null) => ({ id, boardId: "b1", createdByOrgId: org, importId, lastActivityAt: at, createdAt: at });
      await q.insert(t.requests).values([
        req("q1", "o1", 1000),
        req("q2", "o1", 2000),
        req("q3", "o1", 3000, "imp"),
        req("q4", "o1", 3000, "imp"),
        req("q5", "o1", 3000, "imp"),
        req("q6", "o2", 2500),
        req("q0", "o1", 10),
      ]);
      expect(await requestsCreatedByOrgSince(h(), "o1", 500)).toBe(3); // q1, q2 and the import once
      expect(await requestsCreatedByOrgSince(h(), "o2", 500)).toBe(1);
      expect(await countedRequestAt(h(), "o1", 500, 0)).toBe(1000);
      expect(await countedRequestAt(h(), "o1", 500, 2)).toBe(3000);
      expect(await countedRequestAt(h(), "o1", 500, 3)).toBeNull();
      expect(await importedRowsSince(h(), "o1", 500)).toBe(3);
      expect(await importedRowsSince(h(), "o1", 3001)).toBe(0);
      expect(await requestsPerOrgSince(h(), "al", 500)).toEqual([
        { orgId: "o1", name: "Een", created: 3 },
        { orgId: "o2", name: "Twee", created: 1 },
      ]);
      expect(await allianceRequestQuota(h(), "al")).toBeNull();
      await setAllianceRequestQuota(h(), "al", 7);
      expect(await allianceRequestQuota(h(), "al")).toBe(7);
      await setAllianceRequestQuota(h(), "al", null);
      expect(await allianceRequestQuota(h(), "al")).toBeNull();

      await recordReferenceCheck(h(), { boardId: "b1", userId: "u1", orgId: "o1", outcome: "match", createdAt: 100 });
      await recordReferenceCheck(h(), { boardId: "b1", userId: "u1", orgId: "o1", outcome: "no_match", createdAt: 200 });
      await recordReferenceCheck(h(), { boardId: "b1", userId: "u1", orgId: "o1", outcome: "rate_limited", createdAt: 300 });
      await recordReferenceCheck(h(), { boardId: "b1", userId: "u2", orgId: "o2", outcome: "match", createdAt: 50 });
      expect(await referenceCheckCounts(h(), "al", 60)).toEqual([
        { userId: "u1", name: "Een", email: "een@x.test", organisationName: "Een", checks: 3, matches: 1, rateLimited: 1, lastAt: 300 },
      ]);
      expect((await referenceCheckCounts(h(), "al", 0)).map((r) => [r.userId, r.checks])).toEqual([
        ["u1", 3],
        ["u2", 1],
      ]);

      await addLoginDevice(h(), { tokenHash: "dev", userId: "u1", createdAt: 0, expiresAt: 100 });
      await addLoginDevice(h(), { tokenHash: "dev", userId: "u1", createdAt: 0, expiresAt: 1000 }); // again: a later expiry
      await addLoginDevice(h(), { tokenHash: "dev", userId: "u2", createdAt: 0, expiresAt: 1000 });
      await addLoginDevice(h(), { tokenHash: "old", userId: "u1", createdAt: 0, expiresAt: 10 });
      expect(await isLoginDevice(h(), "dev", "u1", 500)).toBe(true);
      expect(await isLoginDevice(h(), "dev", "u1", 1000)).toBe(false);
      expect(await isDeviceOfOthers(h(), "dev", "u1", 500)).toBe(true);
      expect(await isDeviceOfOthers(h(), "other", "u1", 500)).toBe(false);
      expect(await deleteExpiredLoginDevices(h(), 50)).toBe(1);
      expect(await forgetLoginDevices(h(), "u1", "dev")).toBe(0);
      expect(await forgetLoginDevices(h(), "u2", null)).toBe(1);
      expect(await isDeviceOfOthers(h(), "dev", "u1", 500)).toBe(false);
      expect(await forgetLoginDevices(h(), "u1", null)).toBe(1);
      expect(await isLoginDevice(h(), "dev", "u1", 500)).toBe(false);
    });
  });
}

describe("eraseAlliance on its own SQLite database (as the demo command runs it)", () => {
  it("erases one alliance with everything of it and leaves the other", async () => {
    const own = openDatabase(":memory:", { migrate: true });
    try {
      await seed(own.async);
      await own.async.q.insert(own.async.t.alliances).values({ id: "zz", name: "Ander", slug: "ander", matchSecret: "s" });
      await own.async.q.insert(own.async.t.organisations).values({ id: "o3", allianceId: "zz", name: "Drie", shortName: "3" });
      const deleted = await eraseAlliance(own.async, "al");
      expect(deleted).toMatchObject({ alliances: 1, organisations: 2, users: 2, boards: 1 });
      expect(await countAlliances(own.async)).toBe(1);
      expect((await allianceIds(own.async, "zz")).organisations).toEqual(["o3"]);
    } finally {
      own.close();
    }
  });
});
