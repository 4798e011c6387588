/**
 * Alliance meetings (issue 13): the meeting, its agenda items, decisions,
 * actions and attendees. On the asynchronous layer (both engines,
 * docs/decisions/001-async-database-layer.md). One running meeting per board
 * is the partial unique index `meetings_one_running_idx` on SQLite and on
 * PostgreSQL: of two starts at once the second UPDATE fails on the index
 * (on PostgreSQL it waits for the first to commit) and is answered "running".
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { affected, first, forUpdate, greatest, isUniqueViolation, storedOrder } from "./dialect";
import type { meetingActions, meetingAttendees, meetingDecisions, meetingItems, meetings } from "./schema";

export type MeetingRow = typeof meetings.$inferSelect;
export type MeetingItemRow = typeof meetingItems.$inferSelect;
export type DecisionRow = typeof meetingDecisions.$inferSelect;
export type ActionRow = typeof meetingActions.$inferSelect & { orgName: string };
export type AttendeeRow = typeof meetingAttendees.$inferSelect & { orgName: string | null };

// ---------------------------------------------------------------- meetings

/** A meeting with its board's alliance and archive state (for access checks), or null. */
export async function getMeetingWithBoard(h: AsyncDb, meetingId: string): Promise<{ meeting: MeetingRow; allianceId: string; archivedAt: number | null } | null> {
  const { meetings, boards } = h.t;
  const row = await first(
    h.q
      .select({ meeting: meetings, allianceId: boards.allianceId, archivedAt: boards.archivedAt })
      .from(meetings)
      .innerJoin(boards, eq(boards.id, meetings.boardId))
      .where(eq(meetings.id, meetingId)),
  );
  return row ?? null;
}

export async function getMeetingRow(h: AsyncDb, meetingId: string): Promise<MeetingRow | null> {
  const { meetings } = h.t;
  return (await first(h.q.select().from(meetings).where(eq(meetings.id, meetingId)))) ?? null;
}

/** A board's meetings, newest planned date first. */
export async function listMeetingRows(h: AsyncDb, boardId: string): Promise<MeetingRow[]> {
  const { meetings } = h.t;
  return h.q.select().from(meetings).where(eq(meetings.boardId, boardId)).orderBy(desc(meetings.scheduledAt), desc(meetings.createdAt));
}

/** The board's running meeting, or null. */
export async function runningMeetingRow(h: AsyncDb, boardId: string): Promise<MeetingRow | null> {
  const { meetings } = h.t;
  return (await first(h.q.select().from(meetings).where(and(eq(meetings.boardId, boardId), eq(meetings.status, "running"))))) ?? null;
}

/** A new planned meeting with its first agenda items, in one transaction. */
export async function insertMeeting(h: AsyncDb, m: typeof meetings.$inferInsert, items: Array<typeof meetingItems.$inferInsert>): Promise<void> {
  await h.transaction(async (tx) => {
    await tx.q.insert(tx.t.meetings).values(m);
    if (items.length) await tx.q.insert(tx.t.meetingItems).values(items);
  });
}

export async function updateMeetingRow(
  h: AsyncDb,
  meetingId: string,
  fields: Partial<Pick<MeetingRow, "title" | "scheduledAt" | "summary" | "facilitatorUserId" | "startMomentId" | "endMomentId">>,
): Promise<void> {
  if (Object.keys(fields).length === 0) return;
  const { meetings } = h.t;
  await h.q.update(meetings).set(fields).where(eq(meetings.id, meetingId));
}

/**
 * Start a planned meeting: running, its facilitator, its first item current.
 * "not_planned" when it is not planned (any more: of two starts of the same
 * meeting the conditional UPDATE lets one through), "running" when another
 * meeting of the board runs (the unique index decides, also for two at once).
 */
export async function startMeetingRow(h: AsyncDb, meetingId: string, facilitatorUserId: string, at: number): Promise<"ok" | "not_planned" | "running"> {
  try {
    return await h.transaction(async (tx) => {
      const { meetings, meetingItems } = tx.t;
      const firstItem = await first(
        tx.q.select({ id: meetingItems.id }).from(meetingItems).where(eq(meetingItems.meetingId, meetingId)).orderBy(asc(meetingItems.order), asc(meetingItems.id)),
      );
      const res = await tx.q
        .update(meetings)
        .set({ status: "running", startedAt: at, facilitatorUserId, currentItemId: firstItem?.id ?? null })
        .where(and(eq(meetings.id, meetingId), eq(meetings.status, "planned")));
      if (affected(res) === 0) return "not_planned" as const;
      if (firstItem) await tx.q.update(meetingItems).set({ currentSince: at }).where(eq(meetingItems.id, firstItem.id));
      return "ok" as const;
    });
  } catch (e) {
    if (isUniqueViolation(e)) return "running";
    throw e;
  }
}

/** End a running meeting: the current item's time closed, status ended. False when it was not running. */
export async function endMeetingRow(h: AsyncDb, meetingId: string, at: number): Promise<boolean> {
  return h.transaction(async (tx) => {
    const { meetings } = tx.t;
    const res = await tx.q
      .update(meetings)
      .set({ status: "ended", endedAt: at, currentItemId: null })
      .where(and(eq(meetings.id, meetingId), eq(meetings.status, "running")));
    if (affected(res) === 0) return false;
    await closeCurrentTime(tx, meetingId, at);
    return true;
  });
}

async function closeCurrentTime(tx: AsyncDb, meetingId: string, at: number): Promise<void> {
  const { meetingItems } = tx.t;
  await tx.q
    .update(meetingItems)
    .set({ spentMs: sql`${meetingItems.spentMs} + ${greatest(tx, sql`0`, sql`${at} - ${meetingItems.currentSince}`)}`, currentSince: null })
    .where(and(eq(meetingItems.meetingId, meetingId), isNotNull(meetingItems.currentSince)));
}

/**
 * Make an item of a running meeting the current one: the previous current
 * item's stretch is added to its time. False when the meeting does not run.
 * The meeting's row is locked while this decides (two switches at once run
 * one after the other).
 */
export async function setCurrentItemRow(h: AsyncDb, meetingId: string, itemId: string | null, at: number): Promise<boolean> {
  return h.transaction(async (tx) => {
    const { meetings, meetingItems } = tx.t;
    const m = await first(forUpdate(tx, tx.q.select({ status: meetings.status, currentItemId: meetings.currentItemId }).from(meetings).where(eq(meetings.id, meetingId))));
    if (!m || m.status !== "running") return false;
    if (m.currentItemId === itemId) return true;
    await closeCurrentTime(tx, meetingId, at);
    if (itemId) await tx.q.update(meetingItems).set({ currentSince: at }).where(and(eq(meetingItems.id, itemId), eq(meetingItems.meetingId, meetingId)));
    await tx.q.update(meetings).set({ currentItemId: itemId }).where(eq(meetings.id, meetingId));
    return true;
  });
}

// ---------------------------------------------------------------- items

export async function listItemRows(h: AsyncDb, meetingId: string): Promise<MeetingItemRow[]> {
  const { meetingItems } = h.t;
  return h.q.select().from(meetingItems).where(eq(meetingItems.meetingId, meetingId)).orderBy(asc(meetingItems.order), asc(meetingItems.id));
}

export async function getItemRow(h: AsyncDb, itemId: string): Promise<MeetingItemRow | null> {
  const { meetingItems } = h.t;
  return (await first(h.q.select().from(meetingItems).where(eq(meetingItems.id, itemId)))) ?? null;
}

export async function insertItem(h: AsyncDb, item: typeof meetingItems.$inferInsert): Promise<void> {
  await h.q.insert(h.t.meetingItems).values(item);
}

export async function updateItemRow(h: AsyncDb, itemId: string, fields: Partial<Pick<MeetingItemRow, "title" | "view" | "notes" | "order">>): Promise<void> {
  if (Object.keys(fields).length === 0) return;
  const { meetingItems } = h.t;
  await h.q.update(meetingItems).set(fields).where(eq(meetingItems.id, itemId));
}

/** Remove an item; if it was the current one, the meeting has none. Decisions and actions keep their text (their item link is cleared). */
export async function deleteItemRow(h: AsyncDb, meetingId: string, itemId: string): Promise<void> {
  await h.transaction(async (tx) => {
    const { meetings, meetingItems, meetingDecisions, meetingActions } = tx.t;
    await tx.q.delete(meetingItems).where(and(eq(meetingItems.id, itemId), eq(meetingItems.meetingId, meetingId)));
    await tx.q.update(meetings).set({ currentItemId: null }).where(and(eq(meetings.id, meetingId), eq(meetings.currentItemId, itemId)));
    await tx.q.update(meetingDecisions).set({ itemId: null }).where(and(eq(meetingDecisions.meetingId, meetingId), eq(meetingDecisions.itemId, itemId)));
    await tx.q.update(meetingActions).set({ itemId: null }).where(and(eq(meetingActions.meetingId, meetingId), eq(meetingActions.itemId, itemId)));
  });
}

// ---------------------------------------------------------------- decisions

/** A meeting's decisions in the order they were taken (same millisecond: db/dialect.ts storedOrder). */
export async function listDecisionRows(h: AsyncDb, meetingId: string): Promise<DecisionRow[]> {
  const { meetingDecisions } = h.t;
  return h.q
    .select()
    .from(meetingDecisions)
    .where(eq(meetingDecisions.meetingId, meetingId))
    .orderBy(asc(meetingDecisions.createdAt), asc(storedOrder(h, meetingDecisions)));
}

export async function getDecisionRow(h: AsyncDb, decisionId: string): Promise<DecisionRow | null> {
  const { meetingDecisions } = h.t;
  return (await first(h.q.select().from(meetingDecisions).where(eq(meetingDecisions.id, decisionId)))) ?? null;
}

export async function insertDecision(h: AsyncDb, d: typeof meetingDecisions.$inferInsert): Promise<void> {
  await h.q.insert(h.t.meetingDecisions).values(d);
}

export async function deleteDecisionRow(h: AsyncDb, decisionId: string): Promise<void> {
  const { meetingDecisions } = h.t;
  await h.q.delete(meetingDecisions).where(eq(meetingDecisions.id, decisionId));
}

// ---------------------------------------------------------------- actions

function selectActions(h: AsyncDb) {
  const { meetingActions, organisations } = h.t;
  return h.q
    .select({
      id: meetingActions.id,
      meetingId: meetingActions.meetingId,
      boardId: meetingActions.boardId,
      itemId: meetingActions.itemId,
      requestId: meetingActions.requestId,
      orgId: meetingActions.orgId,
      text: meetingActions.text,
      due: meetingActions.due,
      doneAt: meetingActions.doneAt,
      doneByUserId: meetingActions.doneByUserId,
      createdByUserId: meetingActions.createdByUserId,
      createdAt: meetingActions.createdAt,
      orgName: organisations.shortName,
    })
    .from(meetingActions)
    .innerJoin(organisations, eq(organisations.id, meetingActions.orgId));
}

/** What actions are listed by: due day, then when they were taken. */
const actionOrder = (h: AsyncDb) => [asc(h.t.meetingActions.due), asc(h.t.meetingActions.createdAt), asc(h.t.meetingActions.id)];

export async function listActionRows(h: AsyncDb, meetingId: string): Promise<ActionRow[]> {
  return selectActions(h)
    .where(eq(h.t.meetingActions.meetingId, meetingId))
    .orderBy(...actionOrder(h));
}

export async function getActionRow(h: AsyncDb, actionId: string): Promise<ActionRow | null> {
  return (await first(selectActions(h).where(eq(h.t.meetingActions.id, actionId)))) ?? null;
}

/** A board's actions: the open ones (not done), or all; perhaps of one organisation or one request. */
export async function boardActionRows(
  h: AsyncDb,
  boardId: string,
  opts: { open?: boolean; orgId?: string; requestId?: string; notMeetingId?: string } = {},
): Promise<ActionRow[]> {
  const { meetingActions } = h.t;
  return selectActions(h)
    .where(
      and(
        eq(meetingActions.boardId, boardId),
        opts.open ? isNull(meetingActions.doneAt) : undefined,
        opts.orgId ? eq(meetingActions.orgId, opts.orgId) : undefined,
        opts.requestId ? eq(meetingActions.requestId, opts.requestId) : undefined,
        opts.notMeetingId ? ne(meetingActions.meetingId, opts.notMeetingId) : undefined,
      ),
    )
    .orderBy(...actionOrder(h));
}

export async function insertAction(h: AsyncDb, a: typeof meetingActions.$inferInsert): Promise<void> {
  await h.q.insert(h.t.meetingActions).values(a);
}

export async function updateActionRow(h: AsyncDb, actionId: string, fields: Partial<Pick<ActionRow, "text" | "due" | "orgId" | "doneAt" | "doneByUserId">>): Promise<void> {
  if (Object.keys(fields).length === 0) return;
  const { meetingActions } = h.t;
  await h.q.update(meetingActions).set(fields).where(eq(meetingActions.id, actionId));
}

/**
 * Mark an action done (a time and who) or open again (null), only if it is
 * not so already: of two marks at once (two servers, or two requests), the
 * second finds the row changed (PostgreSQL re-reads it after the first's row
 * lock) and leaves the first one's time and person. True when this one changed it.
 */
export async function setActionDone(h: AsyncDb, actionId: string, done: { doneAt: number; doneByUserId: string } | null): Promise<boolean> {
  const { meetingActions } = h.t;
  const res = await h.q
    .update(meetingActions)
    .set(done ?? { doneAt: null, doneByUserId: null })
    .where(and(eq(meetingActions.id, actionId), done ? isNull(meetingActions.doneAt) : isNotNull(meetingActions.doneAt)));
  return affected(res) === 1;
}

/** Whether a request is on this board (an action or decision may name only those). */
export async function requestOnBoard(h: AsyncDb, boardId: string, requestId: string): Promise<boolean> {
  const { requests } = h.t;
  return !!(await first(h.q.select({ id: requests.id }).from(requests).where(and(eq(requests.id, requestId), eq(requests.boardId, boardId)))));
}

// ---------------------------------------------------------------- attendees

/** Who was there, in the order they came onto the list (same millisecond: db/dialect.ts storedOrder). */
export async function listAttendeeRows(h: AsyncDb, meetingId: string): Promise<AttendeeRow[]> {
  const { meetingAttendees, organisations } = h.t;
  return h.q
    .select({
      id: meetingAttendees.id,
      meetingId: meetingAttendees.meetingId,
      userId: meetingAttendees.userId,
      name: meetingAttendees.name,
      orgId: meetingAttendees.orgId,
      source: meetingAttendees.source,
      createdAt: meetingAttendees.createdAt,
      orgName: organisations.shortName,
    })
    .from(meetingAttendees)
    .leftJoin(organisations, eq(organisations.id, meetingAttendees.orgId))
    .where(eq(meetingAttendees.meetingId, meetingId))
    .orderBy(asc(meetingAttendees.createdAt), asc(storedOrder(h, meetingAttendees)));
}

/**
 * Add people from the presence; those already on the list are left as they
 * are (ON CONFLICT DO NOTHING: of two adds of one person at once, one row).
 * Returns how many were added. Each gets its own millisecond after `at`, so
 * the list keeps the order given on both engines.
 */
export async function addPresentAttendees(h: AsyncDb, meetingId: string, people: Array<{ id: string; userId: string; name: string; orgId: string }>, at: number): Promise<number> {
  if (!people.length) return 0;
  const res = await h.q
    .insert(h.t.meetingAttendees)
    .values(people.map((p, i) => ({ id: p.id, meetingId, userId: p.userId, name: p.name, orgId: p.orgId, source: "presence" as const, createdAt: at + i })))
    .onConflictDoNothing();
  return affected(res);
}

/**
 * Replace the list as a coordinator edited it. A person who was on it from
 * the presence keeps that source; everyone else is "manual". The meeting's
 * row is locked first, so two replacements at once run one after the other.
 */
export async function replaceAttendees(
  h: AsyncDb,
  meetingId: string,
  list: Array<{ id: string; userId: string | null; name: string; orgId: string | null }>,
  at: number,
): Promise<void> {
  await h.transaction(async (tx) => {
    const { meetings, meetingAttendees } = tx.t;
    await first(forUpdate(tx, tx.q.select({ id: meetings.id }).from(meetings).where(eq(meetings.id, meetingId))));
    const before = await tx.q
      .select({ userId: meetingAttendees.userId, source: meetingAttendees.source })
      .from(meetingAttendees)
      .where(eq(meetingAttendees.meetingId, meetingId));
    const fromPresence = new Set(before.filter((b) => b.source === "presence" && b.userId).map((b) => b.userId!));
    await tx.q.delete(meetingAttendees).where(eq(meetingAttendees.meetingId, meetingId));
    if (list.length) {
      await tx.q.insert(meetingAttendees).values(
        list.map((a, i) => ({
          id: a.id,
          meetingId,
          userId: a.userId,
          name: a.name,
          orgId: a.orgId,
          source: a.userId && fromPresence.has(a.userId) ? ("presence" as const) : ("manual" as const),
          // Keeps the order as given.
          createdAt: at + i,
        })),
      );
    }
  });
}

/** People of the alliance by id (name and organisation), for an attendee list that names them. */
export async function allianceUsers(h: AsyncDb, allianceId: string, ids: string[]): Promise<Array<{ id: string; name: string; orgId: string }>> {
  if (!ids.length) return [];
  const { users, organisations } = h.t;
  return h.q
    .select({ id: users.id, name: users.name, orgId: users.organisationId })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(inArray(users.id, ids), eq(organisations.allianceId, allianceId)));
}
