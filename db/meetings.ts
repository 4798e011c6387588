/**
 * Alliance meetings (issue 13): the meeting, its agenda items, decisions,
 * actions and attendees. One running meeting per board is enforced by
 * SQLite (`meetings_one_running_idx`): of two starts at once, the second
 * UPDATE fails on the index and is answered "running".
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { DB } from "./client";
import { boards, meetingActions, meetingAttendees, meetingDecisions, meetingItems, meetings, organisations, requests, users } from "./schema";

export type MeetingRow = typeof meetings.$inferSelect;
export type MeetingItemRow = typeof meetingItems.$inferSelect;
export type DecisionRow = typeof meetingDecisions.$inferSelect;
export type ActionRow = typeof meetingActions.$inferSelect & { orgName: string };
export type AttendeeRow = typeof meetingAttendees.$inferSelect & { orgName: string | null };

// ---------------------------------------------------------------- meetings

/** A meeting with its board's alliance and archive state (for access checks), or null. */
export function getMeetingWithBoard(db: DB, meetingId: string): { meeting: MeetingRow; allianceId: string; archivedAt: number | null } | null {
  const row = db
    .select({ meeting: meetings, allianceId: boards.allianceId, archivedAt: boards.archivedAt })
    .from(meetings)
    .innerJoin(boards, eq(boards.id, meetings.boardId))
    .where(eq(meetings.id, meetingId))
    .get();
  return row ?? null;
}

export function getMeetingRow(db: DB, meetingId: string): MeetingRow | null {
  return db.select().from(meetings).where(eq(meetings.id, meetingId)).get() ?? null;
}

/** A board's meetings, newest planned date first. */
export function listMeetingRows(db: DB, boardId: string): MeetingRow[] {
  return db.select().from(meetings).where(eq(meetings.boardId, boardId)).orderBy(desc(meetings.scheduledAt), desc(meetings.createdAt)).all();
}

/** The board's running meeting, or null. */
export function runningMeetingRow(db: DB, boardId: string): MeetingRow | null {
  return db.select().from(meetings).where(and(eq(meetings.boardId, boardId), eq(meetings.status, "running"))).get() ?? null;
}

/** A new planned meeting with its first agenda items, in one transaction. */
export function insertMeeting(db: DB, m: typeof meetings.$inferInsert, items: Array<typeof meetingItems.$inferInsert>): void {
  db.transaction((tx) => {
    tx.insert(meetings).values(m).run();
    if (items.length) tx.insert(meetingItems).values(items).run();
  });
}

export function updateMeetingRow(db: DB, meetingId: string, fields: Partial<Pick<MeetingRow, "title" | "scheduledAt" | "summary" | "facilitatorUserId" | "startMomentId" | "endMomentId">>): void {
  if (Object.keys(fields).length === 0) return;
  db.update(meetings).set(fields).where(eq(meetings.id, meetingId)).run();
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? "";
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || /UNIQUE constraint failed/.test(String((e as Error)?.message));
}

/**
 * Start a planned meeting: running, its facilitator, its first item current.
 * "not_planned" when it is not planned (any more), "running" when another
 * meeting of the board runs (the unique index decides, also for two at once).
 */
export function startMeetingRow(db: DB, meetingId: string, facilitatorUserId: string, at: number): "ok" | "not_planned" | "running" {
  try {
    return db.transaction((tx) => {
      const first = tx
        .select({ id: meetingItems.id })
        .from(meetingItems)
        .where(eq(meetingItems.meetingId, meetingId))
        .orderBy(asc(meetingItems.order), asc(meetingItems.id))
        .limit(1)
        .get();
      const res = tx
        .update(meetings)
        .set({ status: "running", startedAt: at, facilitatorUserId, currentItemId: first?.id ?? null })
        .where(and(eq(meetings.id, meetingId), eq(meetings.status, "planned")))
        .run();
      if (res.changes === 0) return "not_planned" as const;
      if (first) tx.update(meetingItems).set({ currentSince: at }).where(eq(meetingItems.id, first.id)).run();
      return "ok" as const;
    });
  } catch (e) {
    if (isUniqueViolation(e)) return "running";
    throw e;
  }
}

/** End a running meeting: the current item's time closed, status ended. False when it was not running. */
export function endMeetingRow(db: DB, meetingId: string, at: number): boolean {
  return db.transaction((tx) => {
    const res = tx
      .update(meetings)
      .set({ status: "ended", endedAt: at, currentItemId: null })
      .where(and(eq(meetings.id, meetingId), eq(meetings.status, "running")))
      .run();
    if (res.changes === 0) return false;
    closeCurrentTime(tx as unknown as DB, meetingId, at);
    return true;
  });
}

function closeCurrentTime(db: DB, meetingId: string, at: number): void {
  db.update(meetingItems)
    .set({ spentMs: sql`${meetingItems.spentMs} + max(0, ${at} - ${meetingItems.currentSince})`, currentSince: null })
    .where(and(eq(meetingItems.meetingId, meetingId), isNotNull(meetingItems.currentSince)))
    .run();
}

/**
 * Make an item of a running meeting the current one: the previous current
 * item's stretch is added to its time. False when the meeting does not run.
 */
export function setCurrentItemRow(db: DB, meetingId: string, itemId: string | null, at: number): boolean {
  return db.transaction((tx) => {
    const m = tx.select({ status: meetings.status, currentItemId: meetings.currentItemId }).from(meetings).where(eq(meetings.id, meetingId)).get();
    if (!m || m.status !== "running") return false;
    if (m.currentItemId === itemId) return true;
    closeCurrentTime(tx as unknown as DB, meetingId, at);
    if (itemId) tx.update(meetingItems).set({ currentSince: at }).where(and(eq(meetingItems.id, itemId), eq(meetingItems.meetingId, meetingId))).run();
    tx.update(meetings).set({ currentItemId: itemId }).where(eq(meetings.id, meetingId)).run();
    return true;
  });
}

// ---------------------------------------------------------------- items

export function listItemRows(db: DB, meetingId: string): MeetingItemRow[] {
  return db.select().from(meetingItems).where(eq(meetingItems.meetingId, meetingId)).orderBy(asc(meetingItems.order), asc(meetingItems.id)).all();
}

export function getItemRow(db: DB, itemId: string): MeetingItemRow | null {
  return db.select().from(meetingItems).where(eq(meetingItems.id, itemId)).get() ?? null;
}

export function insertItem(db: DB, item: typeof meetingItems.$inferInsert): void {
  db.insert(meetingItems).values(item).run();
}

export function updateItemRow(db: DB, itemId: string, fields: Partial<Pick<MeetingItemRow, "title" | "view" | "notes" | "order">>): void {
  if (Object.keys(fields).length === 0) return;
  db.update(meetingItems).set(fields).where(eq(meetingItems.id, itemId)).run();
}

/** Remove an item; if it was the current one, the meeting has none. Decisions and actions keep their text (their item link is cleared). */
export function deleteItemRow(db: DB, meetingId: string, itemId: string): void {
  db.transaction((tx) => {
    tx.delete(meetingItems).where(and(eq(meetingItems.id, itemId), eq(meetingItems.meetingId, meetingId))).run();
    tx.update(meetings).set({ currentItemId: null }).where(and(eq(meetings.id, meetingId), eq(meetings.currentItemId, itemId))).run();
    tx.update(meetingDecisions).set({ itemId: null }).where(and(eq(meetingDecisions.meetingId, meetingId), eq(meetingDecisions.itemId, itemId))).run();
    tx.update(meetingActions).set({ itemId: null }).where(and(eq(meetingActions.meetingId, meetingId), eq(meetingActions.itemId, itemId))).run();
  });
}

// ---------------------------------------------------------------- decisions

export function listDecisionRows(db: DB, meetingId: string): DecisionRow[] {
  return db.select().from(meetingDecisions).where(eq(meetingDecisions.meetingId, meetingId)).orderBy(asc(meetingDecisions.createdAt), asc(sql`rowid`)).all();
}

export function getDecisionRow(db: DB, decisionId: string): DecisionRow | null {
  return db.select().from(meetingDecisions).where(eq(meetingDecisions.id, decisionId)).get() ?? null;
}

export function insertDecision(db: DB, d: typeof meetingDecisions.$inferInsert): void {
  db.insert(meetingDecisions).values(d).run();
}

export function deleteDecisionRow(db: DB, decisionId: string): void {
  db.delete(meetingDecisions).where(eq(meetingDecisions.id, decisionId)).run();
}

// ---------------------------------------------------------------- actions

const actionColumns = {
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
};

function selectActions(db: DB) {
  return db.select(actionColumns).from(meetingActions).innerJoin(organisations, eq(organisations.id, meetingActions.orgId));
}

/** What actions are listed by: due day, then when they were taken. */
const actionOrder = [asc(meetingActions.due), asc(meetingActions.createdAt), asc(meetingActions.id)];

export function listActionRows(db: DB, meetingId: string): ActionRow[] {
  return selectActions(db).where(eq(meetingActions.meetingId, meetingId)).orderBy(...actionOrder).all();
}

export function getActionRow(db: DB, actionId: string): ActionRow | null {
  return selectActions(db).where(eq(meetingActions.id, actionId)).get() ?? null;
}

/** A board's actions: the open ones (not done), or all; perhaps of one organisation or one request. */
export function boardActionRows(db: DB, boardId: string, opts: { open?: boolean; orgId?: string; requestId?: string; notMeetingId?: string } = {}): ActionRow[] {
  return selectActions(db)
    .where(
      and(
        eq(meetingActions.boardId, boardId),
        opts.open ? isNull(meetingActions.doneAt) : undefined,
        opts.orgId ? eq(meetingActions.orgId, opts.orgId) : undefined,
        opts.requestId ? eq(meetingActions.requestId, opts.requestId) : undefined,
        opts.notMeetingId ? sql`${meetingActions.meetingId} <> ${opts.notMeetingId}` : undefined,
      ),
    )
    .orderBy(...actionOrder)
    .all();
}

export function insertAction(db: DB, a: typeof meetingActions.$inferInsert): void {
  db.insert(meetingActions).values(a).run();
}

export function updateActionRow(db: DB, actionId: string, fields: Partial<Pick<ActionRow, "text" | "due" | "orgId" | "doneAt" | "doneByUserId">>): void {
  if (Object.keys(fields).length === 0) return;
  db.update(meetingActions).set(fields).where(eq(meetingActions.id, actionId)).run();
}

/** Whether a request is on this board (an action or decision may name only those). */
export function requestOnBoard(db: DB, boardId: string, requestId: string): boolean {
  return !!db.select({ id: requests.id }).from(requests).where(and(eq(requests.id, requestId), eq(requests.boardId, boardId))).get();
}

// ---------------------------------------------------------------- attendees

export function listAttendeeRows(db: DB, meetingId: string): AttendeeRow[] {
  return db
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
    .orderBy(asc(meetingAttendees.createdAt), asc(sql`${meetingAttendees}.rowid`))
    .all();
}

/** Add people from the presence; those already on the list are left as they are. Returns how many were added. */
export function addPresentAttendees(db: DB, meetingId: string, people: Array<{ id: string; userId: string; name: string; orgId: string }>, at: number): number {
  if (!people.length) return 0;
  const res = db
    .insert(meetingAttendees)
    .values(people.map((p) => ({ id: p.id, meetingId, userId: p.userId, name: p.name, orgId: p.orgId, source: "presence" as const, createdAt: at })))
    .onConflictDoNothing()
    .run();
  return res.changes;
}

/**
 * Replace the list as a coordinator edited it. A person who was on it from
 * the presence keeps that source; everyone else is "manual".
 */
export function replaceAttendees(db: DB, meetingId: string, list: Array<{ id: string; userId: string | null; name: string; orgId: string | null }>, at: number): void {
  db.transaction((tx) => {
    const before = tx
      .select({ userId: meetingAttendees.userId, source: meetingAttendees.source })
      .from(meetingAttendees)
      .where(eq(meetingAttendees.meetingId, meetingId))
      .all();
    const fromPresence = new Set(before.filter((b) => b.source === "presence" && b.userId).map((b) => b.userId!));
    tx.delete(meetingAttendees).where(eq(meetingAttendees.meetingId, meetingId)).run();
    if (list.length) {
      tx.insert(meetingAttendees)
        .values(
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
        )
        .run();
    }
  });
}

/** People of the alliance by id (name and organisation), for an attendee list that names them. */
export function allianceUsers(db: DB, allianceId: string, ids: string[]): Array<{ id: string; name: string; orgId: string }> {
  if (!ids.length) return [];
  return db
    .select({ id: users.id, name: users.name, orgId: users.organisationId })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(inArray(users.id, ids), eq(organisations.allianceId, allianceId)))
    .all();
}
