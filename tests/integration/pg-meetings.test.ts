/**
 * db/meetings.ts, db/moments.ts, db/export.ts, db/job-report.ts on the
 * asynchronous layer, on SQLite and on a real PostgreSQL: every function run
 * and read back, and the races their rules decide raced by several callers
 * at once (Promise.all): one running meeting per board (the partial unique
 * index: of two starters of two meetings exactly one starts, the other is
 * told "running"; of two starts of one meeting the conditional UPDATE lets
 * one through), the same person added to who was there by several callers
 * (ON CONFLICT DO NOTHING: one row). And db/mail.ts and db/notifications.ts:
 * four servers taking due mails at once (one conditional UPDATE: each mail
 * taken by exactly one), a key queued or a notification stored once, one
 * unsubscribe token per person and kind, also when asked for at once.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { AsyncDb } from "../../db/client";
import { first } from "../../db/dialect";
import * as ex from "../../db/export";
import { jobsOfBoardForReport, placesOfBoardForReport } from "../../db/job-report";
import * as mq from "../../db/mail";
import * as mt from "../../db/meetings";
import * as nt from "../../db/notifications";
import { boardsDueForMoment, getMoment, insertMoment, latestMoment, listMoments, maxAuditId } from "../../db/moments";
import { bothEngines } from "../infra/engines";

const engines = bothEngines("pg_meetings");

const T0 = 1_700_000_000_000;
const RACES = 20;

/** An alliance with two organisations, a person in each, two boards (b1, b2) and four requests on b1. */
async function seed(h: AsyncDb) {
  const { t, q } = h;
  await q.insert(t.alliances).values({ id: "al", name: "Noord", slug: "noord", matchSecret: "s", demo: false });
  await q.insert(t.alliances).values({ id: "al2", name: "Zuid", slug: "zuid", matchSecret: "s", demo: false });
  await q.insert(t.organisations).values([
    { id: "o1", allianceId: "al", name: "Gemeente", shortName: "Gem" },
    { id: "o2", allianceId: "al", name: "Taalhuis", shortName: "Taal" },
    { id: "o3", allianceId: "al2", name: "Elders", shortName: "Eld" },
  ]);
  await q.insert(t.users).values([
    { id: "u1", email: "u1@noord.test", name: "Anna", passwordHash: "x", organisationId: "o1", role: "coordinator", createdAt: T0 },
    { id: "u2", email: "u2@noord.test", name: "Bram", passwordHash: "x", organisationId: "o2", createdAt: T0 },
    { id: "u3", email: "u3@zuid.test", name: "Cora", passwordHash: "x", organisationId: "o3", createdAt: T0 },
  ]);
  await q.insert(t.boards).values([
    { id: "b1", allianceId: "al", name: "Hulpvragen", createdAt: T0 },
    { id: "b2", allianceId: "al", name: "Tweede", createdAt: T0 + 1 },
    { id: "b3", allianceId: "al", name: "Oud", createdAt: T0, archivedAt: T0 + 5 },
  ]);
  await q.insert(t.requests).values(
    [0, 1, 2, 3].map((i) => ({ id: `r${i}`, boardId: "b1", createdByOrgId: "o1", reference: `REF-${i}`, lastActivityAt: T0 + i, createdAt: T0 + i })),
  );
}

function meeting(id: string, boardId: string, scheduledAt: number) {
  return { id, boardId, title: `Overleg ${id}`, scheduledAt, createdByUserId: "u1", createdAt: T0 };
}

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`db/meetings, moments, export, job-report on ${engine}`, () => {
    const h = () => engines.async(engine);

    beforeAll(async () => {
      await seed(h());
    });

    it(`one running meeting per board, ${RACES} races: two planned meetings started at once, exactly one runs; the other is told "running"`, async () => {
      let firstWins = 0;
      for (let i = 0; i < RACES; i++) {
        await mt.insertMeeting(h(), meeting(`race${i}a`, "b2", T0 + i), []);
        await mt.insertMeeting(h(), meeting(`race${i}b`, "b2", T0 + i), []);
        const answers = await Promise.all([mt.startMeetingRow(h(), `race${i}a`, "u1", T0 + 100), mt.startMeetingRow(h(), `race${i}b`, "u1", T0 + 100)]);
        expect([...answers].sort(), `race ${i}`).toEqual(["ok", "running"]);
        const winner = answers[0] === "ok" ? `race${i}a` : `race${i}b`;
        if (answers[0] === "ok") firstWins++;
        expect((await mt.runningMeetingRow(h(), "b2"))?.id).toBe(winner);
        const loser = await mt.getMeetingRow(h(), winner === `race${i}a` ? `race${i}b` : `race${i}a`);
        expect(loser?.status).toBe("planned");
        // End it, so the next race has a free board; ending twice at once: one ends it.
        expect((await Promise.all([mt.endMeetingRow(h(), winner, T0 + 200), mt.endMeetingRow(h(), winner, T0 + 200)])).sort()).toEqual([false, true]);
        expect(await mt.runningMeetingRow(h(), "b2")).toBeNull();
      }
      console.log(`${engine}: ${RACES} start races of two meetings on one board, the first caller won ${firstWins}, the second ${RACES - firstWins}`);
    });

    it(`${RACES} races: one planned meeting started by four callers at once; one starts it, the others not_planned`, async () => {
      for (let i = 0; i < RACES; i++) {
        const id = `same${i}`;
        await mt.insertMeeting(h(), meeting(id, "b2", T0 + i), [{ id: `same${i}-item`, meetingId: id, order: "a0", kind: "free", title: "Punt", view: {}, createdAt: T0 }]);
        const answers = await Promise.all([1, 2, 3, 4].map((k) => mt.startMeetingRow(h(), id, k === 1 ? "u1" : "u2", T0 + 300 + k)));
        expect(answers.filter((a) => a === "ok"), `race ${i}`).toHaveLength(1);
        expect(answers.filter((a) => a === "not_planned"), `race ${i}`).toHaveLength(3);
        const row = await mt.getMeetingRow(h(), id);
        expect(row).toMatchObject({ status: "running", currentItemId: `same${i}-item` });
        expect((await mt.getItemRow(h(), `same${i}-item`))?.currentSince).toBe(row!.startedAt);
        expect(await mt.endMeetingRow(h(), id, T0 + 400)).toBe(true);
      }
    });

    it("a meeting's life: planned with its agenda, updated, started, items switched with their time, ended; items, decisions, actions", async () => {
      await mt.insertMeeting(h(), meeting("m1", "b1", T0 + 10_000), [
        { id: "i1", meetingId: "m1", order: "a1", kind: "actions", title: "Acties", view: { query: "" }, createdAt: T0 },
        { id: "i2", meetingId: "m1", order: "a2", kind: "category", title: "Wonen", view: { query: "categorie=wonen" }, createdAt: T0 },
      ]);
      await mt.insertMeeting(h(), meeting("m0", "b1", T0 + 5_000), []);
      expect((await mt.listMeetingRows(h(), "b1")).map((m) => m.id)).toEqual(["m1", "m0"]);
      expect(await mt.getMeetingWithBoard(h(), "m1")).toMatchObject({ meeting: { id: "m1", status: "planned" }, allianceId: "al", archivedAt: null });
      expect(await mt.getMeetingWithBoard(h(), "nope")).toBeNull();
      await mt.updateMeetingRow(h(), "m1", { title: "Alliantieoverleg", summary: "Kort" });
      await mt.updateMeetingRow(h(), "m1", {});
      expect(await mt.getMeetingRow(h(), "m1")).toMatchObject({ title: "Alliantieoverleg", summary: "Kort", scheduledAt: T0 + 10_000 });

      await mt.insertItem(h(), { id: "i3", meetingId: "m1", order: "a3", kind: "free", title: "Rondvraag", view: null, createdAt: T0 });
      await mt.updateItemRow(h(), "i3", { title: "Rondvraag en sluiting", notes: "kort houden", view: { query: "q" } });
      expect(await mt.getItemRow(h(), "i3")).toMatchObject({ title: "Rondvraag en sluiting", notes: "kort houden", view: { query: "q" }, spentMs: 0 });
      expect((await mt.listItemRows(h(), "m1")).map((i) => i.id)).toEqual(["i1", "i2", "i3"]);

      expect(await mt.setCurrentItemRow(h(), "m1", "i2", T0 + 20_000)).toBe(false); // not running yet
      expect(await mt.startMeetingRow(h(), "m1", "u1", T0 + 20_000)).toBe("ok");
      expect(await mt.runningMeetingRow(h(), "b1")).toMatchObject({ id: "m1", currentItemId: "i1", facilitatorUserId: "u1" });
      expect(await mt.setCurrentItemRow(h(), "m1", "i1", T0 + 21_000)).toBe(true); // already current: nothing changes
      expect(await mt.setCurrentItemRow(h(), "m1", "i2", T0 + 25_000)).toBe(true);
      expect(await mt.setCurrentItemRow(h(), "m1", "i3", T0 + 32_000)).toBe(true);
      expect(await mt.setCurrentItemRow(h(), "m1", null, T0 + 33_000)).toBe(true);
      expect(await mt.setCurrentItemRow(h(), "m1", "i2", T0 + 40_000)).toBe(true);

      // Decisions, in the order they were taken; one names a request of the board.
      expect(await mt.requestOnBoard(h(), "b1", "r1")).toBe(true);
      expect(await mt.requestOnBoard(h(), "b2", "r1")).toBe(false);
      await mt.insertDecision(h(), { id: "d1", meetingId: "m1", itemId: "i2", requestId: "r1", text: "Voorrang", createdByUserId: "u1", createdAt: T0 + 26_000 });
      await mt.insertDecision(h(), { id: "d0", meetingId: "m1", itemId: "i3", requestId: null, text: "Later", createdByUserId: "u1", createdAt: T0 + 27_000 });
      expect((await mt.listDecisionRows(h(), "m1")).map((d) => d.id)).toEqual(["d1", "d0"]);
      expect(await mt.getDecisionRow(h(), "d0")).toMatchObject({ text: "Later", itemId: "i3" });

      // Actions: by due day; the board's open ones, per organisation, per request, not of one meeting.
      await mt.insertAction(h(), { id: "a1", meetingId: "m1", boardId: "b1", itemId: "i2", requestId: "r1", orgId: "o1", text: "Woning", due: "2026-02-01", createdByUserId: "u1", createdAt: T0 });
      await mt.insertAction(h(), { id: "a2", meetingId: "m1", boardId: "b1", itemId: "i3", requestId: null, orgId: "o2", text: "Maatjes", due: "2026-01-15", createdByUserId: "u1", createdAt: T0 });
      await mt.insertAction(h(), { id: "a3", meetingId: "m0", boardId: "b1", itemId: null, requestId: null, orgId: "o2", text: "Oud", due: "2026-03-01", createdByUserId: "u1", createdAt: T0 });
      expect((await mt.listActionRows(h(), "m1")).map((a) => [a.id, a.orgName])).toEqual([
        ["a2", "Taal"],
        ["a1", "Gem"],
      ]);
      await mt.updateActionRow(h(), "a2", { doneAt: T0 + 50_000, doneByUserId: "u2", text: "Maatjes gezocht" });
      await mt.updateActionRow(h(), "a2", {});
      expect(await mt.getActionRow(h(), "a2")).toMatchObject({ doneAt: T0 + 50_000, doneByUserId: "u2", text: "Maatjes gezocht", orgName: "Taal" });
      expect(await mt.getActionRow(h(), "nope")).toBeNull();
      const ids = async (opts: Parameters<typeof mt.boardActionRows>[2]) => (await mt.boardActionRows(h(), "b1", opts)).map((a) => a.id);
      expect(await ids({})).toEqual(["a2", "a1", "a3"]);
      expect(await ids({ open: true })).toEqual(["a1", "a3"]);
      expect(await ids({ open: true, orgId: "o2" })).toEqual(["a3"]);
      expect(await ids({ requestId: "r1" })).toEqual(["a1"]);
      expect(await ids({ open: true, notMeetingId: "m1" })).toEqual(["a3"]);

      // Removing the current item: no current item; its decisions and actions keep their text, not the link.
      await mt.deleteItemRow(h(), "m1", "i2");
      expect((await mt.getMeetingRow(h(), "m1"))?.currentItemId).toBeNull();
      expect(await mt.getDecisionRow(h(), "d1")).toMatchObject({ itemId: null, text: "Voorrang" });
      expect((await mt.getActionRow(h(), "a1"))?.itemId).toBeNull();
      await mt.deleteDecisionRow(h(), "d0");
      expect((await mt.listDecisionRows(h(), "m1")).map((d) => d.id)).toEqual(["d1"]);

      // i3 current again, then the end closes its time.
      expect(await mt.setCurrentItemRow(h(), "m1", "i3", T0 + 60_000)).toBe(true);
      expect(await mt.endMeetingRow(h(), "m1", T0 + 64_000)).toBe(true);
      expect(await mt.endMeetingRow(h(), "m1", T0 + 65_000)).toBe(false);
      const items = await mt.listItemRows(h(), "m1");
      // i1: 20s–25s; i3: 32s–33s and 60s–64s. Nothing current after the end.
      expect(items.map((i) => [i.id, i.spentMs, i.currentSince])).toEqual([
        ["i1", 5_000, null],
        ["i3", 5_000, null],
      ]);
      expect(await mt.getMeetingRow(h(), "m1")).toMatchObject({ status: "ended", endedAt: T0 + 64_000, currentItemId: null });
      expect(await mt.setCurrentItemRow(h(), "m1", "i1", T0 + 70_000)).toBe(false);
    });

    it("who was there: from the presence (once per person, also when added by five callers at once) in the order given, replaced by a coordinator", async () => {
      await mt.insertMeeting(h(), meeting("m2", "b1", T0), []);
      const added = await mt.addPresentAttendees(
        h(),
        "m2",
        [
          { id: "p1", userId: "u2", name: "Bram", orgId: "o2" },
          { id: "p2", userId: "u1", name: "Anna", orgId: "o1" },
        ],
        T0,
      );
      expect(added).toBe(2);
      expect(await mt.addPresentAttendees(h(), "m2", [], T0)).toBe(0);
      // The same person again from five callers at once: one row (the unique index decides), nobody added.
      const again = await Promise.all([1, 2, 3, 4, 5].map((k) => mt.addPresentAttendees(h(), "m2", [{ id: `again${k}`, userId: "u1", name: "Anna", orgId: "o1" }], T0 + k)));
      expect(again).toEqual([0, 0, 0, 0, 0]);
      expect((await mt.listAttendeeRows(h(), "m2")).map((a) => [a.userId, a.orgName, a.source])).toEqual([
        ["u2", "Taal", "presence"],
        ["u1", "Gem", "presence"],
      ]);
      // A new meeting: five callers add the same new person at once; exactly one adds them.
      await mt.insertMeeting(h(), meeting("m3", "b1", T0), []);
      const firstAdd = await Promise.all([1, 2, 3, 4, 5].map((k) => mt.addPresentAttendees(h(), "m3", [{ id: `new${k}`, userId: "u2", name: "Bram", orgId: "o2" }], T0 + k)));
      expect(firstAdd.sort()).toEqual([0, 0, 0, 0, 1]);
      expect(await mt.listAttendeeRows(h(), "m3")).toHaveLength(1);

      await mt.replaceAttendees(
        h(),
        "m2",
        [
          { id: "q1", userId: null, name: "Karin (GGD)", orgId: null },
          { id: "q2", userId: "u1", name: "Anna", orgId: "o1" },
          { id: "q3", userId: "u3", name: "Cora", orgId: "o3" },
        ],
        T0 + 100,
      );
      expect((await mt.listAttendeeRows(h(), "m2")).map((a) => [a.id, a.name, a.orgName, a.source])).toEqual([
        ["q1", "Karin (GGD)", null, "manual"],
        ["q2", "Anna", "Gem", "presence"],
        ["q3", "Cora", "Eld", "manual"],
      ]);
      // Two replacements at once: one list stands whole (the meeting's row lock orders them).
      await Promise.all(
        [1, 2].map((k) =>
          mt.replaceAttendees(
            h(),
            "m2",
            [
              { id: `x${k}a`, userId: "u1", name: "Anna", orgId: "o1" },
              { id: `x${k}b`, userId: "u2", name: "Bram", orgId: "o2" },
            ],
            T0 + 200,
          ),
        ),
      );
      const after = await mt.listAttendeeRows(h(), "m2");
      expect(after).toHaveLength(2);
      expect(new Set(after.map((a) => a.id.slice(0, 2))).size).toBe(1);
      expect(after.map((a) => a.source)).toEqual(["presence", "manual"]);

      expect((await mt.allianceUsers(h(), "al", ["u1", "u2", "u3", "nobody"])).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: "u1", name: "Anna", orgId: "o1" },
        { id: "u2", name: "Bram", orgId: "o2" },
      ]);
      expect(await mt.allianceUsers(h(), "al", [])).toEqual([]);
    });

    it("moments: stored, listed oldest first, one read back (not another board's), the latest, the audit position, the boards the sweep owes one", async () => {
      const { t, q } = h();
      expect(await maxAuditId(h(), "b2")).toBe(0);
      await q.insert(t.auditEvents).values([
        { boardId: "b1", requestId: "r0", type: "created", createdAt: T0 },
        { boardId: "b1", requestId: "r1", type: "created", createdAt: T0 },
      ]);
      const top = await maxAuditId(h(), "b1");
      expect(top).toBeGreaterThan(0);
      const doc = Buffer.from([1, 2, 3, 250]);
      await insertMoment(h(), { id: "mo1", boardId: "b1", reason: "meeting_start", meetingId: "m1", data: doc, lastAuditId: top, createdByUserId: "u1", at: T0 + 1_000 });
      await insertMoment(h(), { id: "mo3", boardId: "b1", reason: "daily", data: doc, lastAuditId: top, at: T0 + 3_000 });
      await insertMoment(h(), { id: "mo2", boardId: "b1", reason: "manual", data: doc, lastAuditId: top, at: T0 + 2_000 });
      expect(await listMoments(h(), "b1")).toEqual([
        { id: "mo1", at: T0 + 1_000, reason: "meeting_start", meetingId: "m1" },
        { id: "mo2", at: T0 + 2_000, reason: "manual", meetingId: null },
        { id: "mo3", at: T0 + 3_000, reason: "daily", meetingId: null },
      ]);
      const one = await getMoment(h(), "b1", "mo1");
      expect(Buffer.compare(one!.data, doc)).toBe(0);
      expect(one).toMatchObject({ lastAuditId: top, createdByUserId: "u1" });
      expect(await getMoment(h(), "b2", "mo1")).toBeNull();
      expect(await latestMoment(h(), "b1")).toEqual({ id: "mo3", at: T0 + 3_000, reason: "daily", meetingId: null, lastAuditId: top });
      expect(await latestMoment(h(), "b2")).toBeNull();

      // The sweep: b1's last moment is old enough but nothing changed since; b2 has none and is old enough; b3 is archived.
      const late = T0 + 10 * 86_400_000;
      expect(await boardsDueForMoment(h(), late)).toEqual(["b2"]);
      expect(await boardsDueForMoment(h(), T0 - 1)).toEqual([]);
      // A newer audit row on b1 makes it due; so does a document update after its moment.
      await q.insert(t.auditEvents).values({ boardId: "b1", requestId: "r2", type: "moved", createdAt: T0 + 4_000 });
      expect(await boardsDueForMoment(h(), late)).toEqual(["b1", "b2"]);
      expect(await boardsDueForMoment(h(), T0 + 2_000)).toEqual(["b2"]); // b1's last moment is newer than that
      await insertMoment(h(), { id: "mo4", boardId: "b1", reason: "daily", data: doc, lastAuditId: await maxAuditId(h(), "b1"), at: T0 + 5_000 });
      expect(await boardsDueForMoment(h(), late)).toEqual(["b2"]);
      await q.insert(t.boardUpdates).values({ boardId: "b1", data: Buffer.from([9]), createdAt: T0 + 6_000 });
      expect(await boardsDueForMoment(h(), late)).toEqual(["b1", "b2"]);
    });

    it("the report's places: a board's jobs and every place they had", async () => {
      const { t, q } = h();
      await q.insert(t.requests).values([
        { id: "job1", boardId: "b1", createdByOrgId: "o2", lastActivityAt: T0, createdAt: T0 },
        { id: "job2", boardId: "b2", createdByOrgId: "o2", lastActivityAt: T0, createdAt: T0 },
      ]);
      await q.insert(t.jobs).values([
        { id: "job1", boardId: "b1", orgId: "o2", places: 3, filled: 1, createdAt: T0 },
        { id: "job2", boardId: "b2", orgId: "o2", places: 1, createdAt: T0 },
      ]);
      await q.insert(t.jobPlaces).values([
        { jobId: "job1", requestId: "r0", filledByOrgId: "o1", filledByUserId: "u1", filledAt: T0 + 1, endedAt: T0 + 9, attended: true },
        { jobId: "job1", requestId: "r1", filledByOrgId: "o2", filledAt: T0 + 2, endedAt: T0 + 9, attended: false },
        { jobId: "job1", requestId: "r2", filledByOrgId: "o1", filledAt: T0 + 3 },
      ]);
      expect(await jobsOfBoardForReport(h(), "b1")).toEqual([{ id: "job1", places: 3, doneAt: null, createdAt: T0 }]);
      const places = (await placesOfBoardForReport(h(), "b1")).sort((a, b) => a.filledAt - b.filledAt);
      expect(places).toEqual([
        { jobId: "job1", filledByOrgId: "o1", filledAt: T0 + 1, endedAt: T0 + 9, attended: true },
        { jobId: "job1", filledByOrgId: "o2", filledAt: T0 + 2, endedAt: T0 + 9, attended: false },
        { jobId: "job1", filledByOrgId: "o1", filledAt: T0 + 3, endedAt: null, attended: null },
      ]);
      expect(await placesOfBoardForReport(h(), "b2")).toEqual([]);
    });

    it("the alliance's export: every reader returns the alliance's rows (no secrets), and nothing for no boards", async () => {
      const { t, q } = h();
      await q.insert(t.referrals).values({ id: "ref1", requestId: "r0", fromOrgId: "o1", toOrgId: "o2", createdAt: T0 });
      await q.insert(t.comments).values({ id: "c1", requestId: "r0", userId: "u1", orgId: "o1", body: "Gebeld", createdAt: T0 });
      await q.insert(t.offers).values({ id: "of1", organisationId: "o2", category: "taal", label: "Taalmaatje", capacity: 3, updatedAt: T0 });
      expect(await ex.exportAlliance(h(), "al")).toMatchObject({ id: "al", name: "Noord", slug: "noord" });
      expect(await ex.exportAlliance(h(), "nope")).toBeNull();
      expect(Object.keys((await ex.exportAlliance(h(), "al"))!)).not.toContain("matchSecret");
      expect((await ex.exportOrganisations(h(), "al")).map((o) => o.id)).toEqual(["o1", "o2"]);
      const people = await ex.exportPeople(h(), "al");
      expect(people.map((p) => p.id)).toEqual(["u1", "u2"]);
      expect(Object.keys(people[0])).not.toContain("passwordHash");
      expect(people[0].mustChangePassword).toBe(false);
      const boardIds = (await ex.exportBoards(h(), "al")).map((b) => b.id);
      expect(boardIds.sort()).toEqual(["b1", "b2", "b3"]);
      expect((await ex.exportRequests(h(), ["b1"])).map((r) => r.id)).toEqual(["job1", "r0", "r1", "r2", "r3"]);
      expect(await ex.exportReferrals(h(), boardIds)).toEqual([expect.objectContaining({ id: "ref1", status: "pending", note: "" })]);
      expect(await ex.exportComments(h(), boardIds)).toEqual([expect.objectContaining({ id: "c1", body: "Gebeld" })]);
      const audit = await ex.exportAudit(h(), boardIds);
      expect(audit.map((a) => a.type)).toEqual(["created", "created", "moved"]);
      expect(await ex.exportOffers(h(), "al")).toEqual([expect.objectContaining({ organisationId: "o2", category: "taal", capacity: 3 })]);
      expect(await ex.exportDuplicateDecisions(h(), boardIds)).toEqual([]);
      expect(await ex.exportReferenceChecks(h(), boardIds)).toEqual([]);
      const meetings = await ex.exportMeetings(h(), ["b1"]);
      expect(meetings.map((m) => m.id)).toEqual(["m2", "m3", "m0", "m1"]);
      expect((await ex.exportMeetingItems(h(), ["b1"])).map((i) => i.id)).toEqual(["i1", "i3"]);
      expect((await ex.exportMeetingDecisions(h(), ["b1"])).map((d) => d.id)).toEqual(["d1"]);
      expect((await ex.exportMeetingActions(h(), ["b1"])).map((a) => a.id).sort()).toEqual(["a1", "a2", "a3"]);
      const attendees = await ex.exportMeetingAttendees(h(), ["b1"]);
      expect(attendees.filter((a) => a.meetingId === "m2").map((a) => a.userId)).toEqual(["u1", "u2"]);
      expect(attendees.filter((a) => a.meetingId === "m3").map((a) => a.userId)).toEqual(["u2"]);
      const moments = await ex.exportMoments(h(), ["b1"]);
      expect(moments.map((m) => m.id)).toEqual(["mo1", "mo2", "mo3", "mo4"]);
      expect(Object.keys(moments[0])).not.toContain("data");
      expect((await ex.requestsForBoard(h(), "b1")).find((r) => r.id === "r2")).toEqual({ id: "r2", reference: "REF-2", createdByOrgId: "o1", ownerOrgId: null, mergedInto: null });
      for (const read of [ex.exportRequests, ex.exportReferrals, ex.exportComments, ex.exportAudit, ex.exportMeetings, ex.exportMeetingAttendees, ex.exportMoments]) {
        expect(await read(h(), [])).toEqual([]);
      }
      const row = await first(q.select({ n: t.meetings.id }).from(t.meetings).where(eq(t.meetings.id, "m1")));
      expect(row?.n).toBe("m1");
    });

    it(`the mail queue: a key queued once (also by eight callers at once); ${RACES} rounds of four servers taking due mails at once: each mail taken by exactly one`, async () => {
      const mail = (key: string) => ({ key, to: `${key}@noord.test`, subject: `S ${key}`, text: "t", html: "<p>t</p>", headers: { "X-K": key } });
      expect(await mq.enqueueMail(h(), mail("once"), T0)).toBe(true);
      expect(await mq.enqueueMail(h(), mail("once"), T0)).toBe(false);
      const same = await Promise.all(Array.from({ length: 8 }, () => mq.enqueueMail(h(), mail("same"), T0)));
      expect(same.filter(Boolean)).toHaveLength(1);
      expect(await mq.mailByKey(h(), "once")).toMatchObject({ key: "once", status: "pending", attempts: 0, headers: { "X-K": "once" }, nextAttemptAt: T0 });
      expect(await mq.mailByKey(h(), "nope")).toBeNull();
      // Take and settle these two, so the races below start from an empty queue.
      const two = await mq.takeDueMails(h(), T0, 10, T0 + 60_000);
      expect(two.map((m) => [m.key, m.attempts])).toEqual([
        ["once", 1],
        ["same", 1],
      ]);
      expect(await mq.mailCounts(h())).toEqual({ pending: 0, sending: 2, sent: 0, failed: 0 });
      await mq.markMailSent(h(), two[0].id, T0 + 10);
      await mq.markMailRetry(h(), two[1].id, "421 busy", T0 + 5_000);
      expect(await mq.mailByKey(h(), "once")).toMatchObject({ status: "sent", sentAt: T0 + 10, subject: "", text: "", html: "", headers: null });
      expect(await mq.mailByKey(h(), "same")).toMatchObject({ status: "pending", lastError: "421 busy", leaseUntil: null, subject: "S same" });
      expect(await mq.nextMailDue(h())).toBe(T0 + 5_000);
      expect(await mq.takeDueMails(h(), T0 + 4_999, 10, T0 + 60_000)).toEqual([]);
      const again = await mq.takeDueMails(h(), T0 + 5_000, 10, T0 + 60_000);
      expect(again.map((m) => [m.key, m.attempts])).toEqual([["same", 2]]);
      await mq.markMailFailed(h(), again[0].id, "550 no such user");
      expect(await mq.mailByKey(h(), "same")).toMatchObject({ status: "failed", lastError: "550 no such user", subject: "" });
      expect(await mq.nextMailDue(h())).toBeNull();

      let spread = 0;
      for (let round = 0; round < RACES; round++) {
        const at = T0 + 100_000 + round;
        const keys = Array.from({ length: 12 }, (_, i) => `r${round}-${i}`);
        for (const [i, key] of keys.entries()) await mq.enqueueMail(h(), mail(key), at - 12 + i);
        await mq.enqueueMail(h(), mail(`r${round}-later`), at + 1_000);
        const taken: string[][] = [[], [], [], []];
        // Four servers, each taking batches of three until nothing due is left for it.
        await Promise.all(
          taken.map(async (mine) => {
            for (;;) {
              const batch = await mq.takeDueMails(h(), at, 3, at + 60_000);
              if (!batch.length) return;
              mine.push(...batch.map((m) => m.key));
            }
          }),
        );
        const all = taken.flat();
        expect(all.sort(), `round ${round}`).toEqual([...keys].sort());
        expect(new Set(all).size).toBe(keys.length);
        if (taken.filter((t) => t.length).length > 1) spread++;
        for (const key of keys) expect((await mq.mailByKey(h(), key))?.attempts).toBe(1);
        expect((await mq.mailByKey(h(), `r${round}-later`))?.status).toBe("pending");
        await mq.markMailFailed(h(), (await mq.mailByKey(h(), `r${round}-later`))!.id, "not in this test");
      }
      console.log(`${engine}: ${RACES} rounds of 12 due mails taken by four servers at once; in ${spread} rounds more than one server took some`);
      const counts = await mq.mailCounts(h());
      expect(counts.sending).toBe(RACES * 12);

      // Leases: the expired ones this process does not hold.
      const held = await mq.mailByKey(h(), "r0-0");
      const expired = await mq.expiredLeases(h(), T0 + 100_000 + 60_000 + RACES, new Set([held!.id]));
      expect(expired).toHaveLength(RACES * 12 - 1);
      expect(expired.some((e) => e.key === "r0-0")).toBe(false);
      expect(await mq.expiredLeases(h(), T0, new Set())).toEqual([]);
      // Forgetting settled records: the sent and failed ones created before the limit.
      const purged = await mq.purgeSettledMail(h(), T0 + 100_000 + RACES + 1_000);
      expect(purged).toBe(2 + RACES);
      expect(await mq.mailCounts(h())).toEqual({ pending: 0, sending: RACES * 12, sent: 0, failed: 0 });

      // The rule itself, every time: one server has taken the due mails and not yet committed (its transaction
      // holds them 50 ms); two more take at that moment. On PostgreSQL their UPDATE waits for the row locks and
      // then finds the rows no longer pending; on SQLite they wait for the transaction. Nobody takes them again.
      for (let round = 0; round < 10; round++) {
        const at = T0 + 300_000 + round;
        const keys = Array.from({ length: 6 }, (_, i) => `held${round}-${i}`);
        for (const [i, key] of keys.entries()) await mq.enqueueMail(h(), mail(key), at - 6 + i);
        let tookThem!: () => void;
        const took = new Promise<void>((resolve) => (tookThem = resolve));
        const first = h().transaction(async (tx) => {
          const batch = await mq.takeDueMails(tx, at, 10, at + 60_000);
          tookThem();
          await new Promise((resolve) => setTimeout(resolve, 50));
          return batch;
        });
        await took;
        const [a, b, c] = await Promise.all([first, mq.takeDueMails(h(), at, 10, at + 60_000), mq.takeDueMails(h(), at, 10, at + 60_000)]);
        expect(a.map((m) => m.key), `round ${round}`).toEqual(keys);
        expect([...b, ...c].map((m) => m.key), `round ${round}`).toEqual([]);
      }
    });

    it("notifications: once per key (also five at once), listed, counted, read (only one's own), settings, unsubscribe tokens (one per person and kind), the trigger queries", async () => {
      const { t, q } = h();
      await q.insert(t.users).values([
        { id: "u4", email: "u4@noord.test", name: "Viewer", passwordHash: "x", organisationId: "o1", role: "viewer", createdAt: T0 },
        { id: "u5", email: "u5@noord.test", name: "Weg", passwordHash: "x", organisationId: "o1", createdAt: T0, disabledAt: T0 },
      ]);
      const n = (key: string, userId: string, at: number) => ({ key, userId, kind: "comment" as const, boardId: "b1", requestId: "r0", data: { orgId: "o1", n: 1 }, at });
      const id1 = await nt.insertNotification(h(), n("k1", "u1", T0 + 1));
      expect(id1).toEqual(expect.any(String));
      expect(await nt.insertNotification(h(), n("k1", "u1", T0 + 1))).toBeNull();
      const five = await Promise.all([1, 2, 3, 4, 5].map(() => nt.insertNotification(h(), n("k2", "u1", T0 + 2))));
      expect(five.filter((x) => x !== null)).toHaveLength(1);
      await nt.insertNotification(h(), n("k3", "u1", T0 - 1_000));
      await nt.insertNotification(h(), n("k4", "u2", T0 + 3));
      const list = await nt.listNotifications(h(), "u1");
      expect(list.map((x) => x.key)).toEqual(["k2", "k1", "k3"]);
      expect(list[1]).toMatchObject({ id: id1, kind: "comment", data: { orgId: "o1", n: 1 }, readAt: null });
      expect((await nt.listNotifications(h(), "u1", 1)).map((x) => x.key)).toEqual(["k2"]);
      expect(await nt.unreadCount(h(), "u1")).toBe(3);
      const k4 = (await nt.listNotifications(h(), "u2"))[0].id;
      expect(await nt.markNotificationsRead(h(), "u1", [id1!, k4], T0 + 10)).toBe(1); // u2's is not u1's
      expect(await nt.markNotificationsRead(h(), "u1", [], T0 + 10)).toBe(0);
      expect(await nt.unreadCount(h(), "u1")).toBe(2);
      expect(await nt.unreadCount(h(), "u2")).toBe(1);
      expect(await nt.markNotificationsRead(h(), "u1", null, T0 + 11)).toBe(2);
      expect(await nt.unreadCount(h(), "u1")).toBe(0);
      expect(await nt.purgeNotifications(h(), T0)).toBe(1);
      expect((await nt.listNotifications(h(), "u1")).map((x) => x.key)).toEqual(["k2", "k1"]);

      expect(await nt.storedSettings(h(), "u1")).toEqual({});
      await nt.storeSetting(h(), "u1", "digest", false, T0);
      await Promise.all([true, false, true].map((email, i) => nt.storeSetting(h(), "u1", "comment", email, T0 + i)));
      const settings = await nt.storedSettings(h(), "u1");
      expect(settings.digest).toBe(false);
      expect(typeof settings.comment).toBe("boolean");
      expect(await q.select().from(t.notificationSettings).where(eq(t.notificationSettings.userId, "u1"))).toHaveLength(2);

      const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => nt.unsubscribeToken(h(), "u2", "referral", T0)));
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await nt.unsubscribeToken(h(), "u2", "referral", T0 + 5)).toBe(tokens[0]);
      expect(await nt.unsubscribeToken(h(), "u2", "digest", T0)).not.toBe(tokens[0]);
      expect(await nt.unsubscribeTarget(h(), tokens[0])).toEqual({ userId: "u2", kind: "referral", email: "u2@noord.test", locale: "nl" });
      expect(await nt.unsubscribeTarget(h(), "nope")).toBeNull();

      expect((await nt.organisationRecipients(h(), "o1")).map((r) => r.id)).toEqual(["u1"]);
      expect(await nt.organisationRecipients(h(), "o2")).toEqual([
        { id: "u2", email: "u2@noord.test", locale: "nl", organisationId: "o2", organisationName: "Taal", allianceName: "Noord" },
      ]);
      const offered = await nt.offeredCategories(h());
      expect([...offered.entries()].map(([org, o]) => [org, o.allianceId, [...o.categories]])).toEqual([["o2", "al", ["taal"]]]);

      await q.update(t.requests).set({ ownerOrgId: "o2", claimedAt: T0, lastActivityAt: T0 + 50, referenceKey: "key-a" }).where(eq(t.requests.id, "r2"));
      await q.update(t.requests).set({ ownerOrgId: "o1", claimedAt: T0, lastActivityAt: T0 + 60, referenceKey: "key-a" }).where(eq(t.requests.id, "r3"));
      await q.update(t.requests).set({ referenceKey: "key-a" }).where(eq(t.requests.id, "r1"));
      expect((await nt.unheldRequestsCreated(h(), T0, T0 + 3)).map((r) => [r.id, r.allianceId]).sort()).toEqual([
        ["job1", "al"],
        ["job2", "al"],
        ["r0", "al"],
        ["r1", "al"],
      ]);
      expect((await nt.claimsIdleBetween(h(), "b1", T0 + 50, T0 + 60)).map((r) => [r.id, r.ownerOrgId])).toEqual([["r2", "o2"]]);
      expect((await nt.heldWithKey(h(), "b1", "key-a", "r1")).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: "r2", ownerOrgId: "o2" },
        { id: "r3", ownerOrgId: "o1" },
      ]);
      expect(await nt.heldWithKey(h(), "b1", "key-a", "r2")).toEqual([{ id: "r3", ownerOrgId: "o1" }]);
    });
  });
}
