/** Storage of board documents: the update log and its compacted snapshot. */
import { and, asc, eq, gt, inArray, lte, sql, type SQL } from "drizzle-orm";
import type { ActivityRow } from "./activity";
import type { AsyncDb, DB } from "./client";
import { first, forShare, forUpdate, preparedRows } from "./dialect";
import { auditEvents, boards, boardSnapshots, boardUpdates, organisations, requests, users } from "./schema";

/** An activity entry derived from a document change (who moved or edited what). */
export interface ActivityInput {
  requestId: string | null;
  userId: string | null;
  orgId: string | null;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Activity as stored, in the shape the board's feed shows it (db/activity.ts:
 * the audit row with who did it by name), so the sync server publishes what
 * it recorded without reading it back.
 */
export type StoredActivity = ActivityRow;

/** The feed's row of an audit row just written: `data` as the JSON column gives it back. */
function storedActivity(
  a: ActivityInput,
  row: { id: number; boardId: string; createdAt: number },
  names: { user: (id: string) => string | null; org: (id: string) => string | null },
): StoredActivity {
  return {
    id: row.id,
    boardId: row.boardId,
    requestId: a.requestId,
    type: a.type,
    data: JSON.parse(JSON.stringify(a.data)) as Record<string, unknown>,
    createdAt: row.createdAt,
    userId: a.userId,
    userName: a.userId === null ? null : names.user(a.userId),
    orgId: a.orgId,
    orgName: a.orgId === null ? null : names.org(a.orgId),
  };
}

/** Each id's name looked up once per call. */
function memo(lookup: (id: string) => string | null): (id: string) => string | null {
  const seen = new Map<string, string | null>();
  return (id) => {
    if (!seen.has(id)) seen.set(id, lookup(id));
    return seen.get(id)!;
  };
}

export interface StoredBoard {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** id of the newest stored update (or the snapshot's last id) */
  lastUpdateId: number;
}

/** A Yjs update as the blob a column takes (no copy). */
function blob(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The stored board from its snapshot row and the update rows after it (both engines' reads end here). */
function storedBoard(snap: { data: Uint8Array; lastUpdateId: number } | undefined, rows: Array<{ id: number; data: Uint8Array }>): StoredBoard {
  const after = snap?.lastUpdateId ?? 0;
  return {
    snapshot: snap ? new Uint8Array(snap.data) : null,
    updates: rows.map((r) => new Uint8Array(r.data)),
    lastUpdateId: rows.length ? rows[rows.length - 1].id : after,
  };
}

export function loadBoardState(db: DB, boardId: string): StoredBoard {
  return db.transaction((tx) => {
    const snap = tx.select().from(boardSnapshots).where(eq(boardSnapshots.boardId, boardId)).get();
    const rows = tx
      .select({ id: boardUpdates.id, data: boardUpdates.data })
      .from(boardUpdates)
      .where(and(eq(boardUpdates.boardId, boardId), gt(boardUpdates.id, snap?.lastUpdateId ?? 0)))
      .orderBy(asc(boardUpdates.id))
      .all();
    return storedBoard(snap, rows);
  });
}

/** Commit several updates of one board in one transaction (group commit). Returns the last id. */
export function appendBoardUpdates(db: DB, boardId: string, updates: Uint8Array[], at = Date.now()): number {
  if (updates.length === 0) return 0;
  return db.transaction((tx) => {
    let last = 0;
    for (const u of updates) {
      const row = tx
        .insert(boardUpdates)
        .values({ boardId, data: blob(u), createdAt: at })
        .returning({ id: boardUpdates.id })
        .get();
      last = row.id;
    }
    return last;
  });
}

/**
 * The statements of the commit path, prepared once per connection: a live
 * board commits up to hundreds of times a second, and building and
 * preparing the SQL each time cost more than the insert itself.
 */
const commitStatements = new WeakMap<DB, ReturnType<typeof prepareCommit>>();

function prepareCommit(db: DB) {
  return {
    update: db
      .insert(boardUpdates)
      .values({ boardId: sql.placeholder("boardId"), data: sql.placeholder("data"), createdAt: sql.placeholder("at") })
      .prepare(),
    audit: db
      .insert(auditEvents)
      .values({
        boardId: sql.placeholder("boardId"),
        requestId: sql.placeholder("requestId"),
        userId: sql.placeholder("userId"),
        orgId: sql.placeholder("orgId"),
        type: sql.placeholder("type"),
        data: sql.placeholder("data"),
        createdAt: sql.placeholder("at"),
      })
      .returning({ id: auditEvents.id })
      .prepare(),
    userName: db.select({ name: users.name }).from(users).where(eq(users.id, sql.placeholder("id"))).prepare(),
    orgName: db.select({ name: organisations.shortName }).from(organisations).where(eq(organisations.id, sql.placeholder("id"))).prepare(),
    touch: db
      .update(requests)
      .set({ lastActivityAt: sql`${sql.placeholder("at")}` })
      .where(eq(requests.id, sql.placeholder("id")))
      .prepare(),
    // Pragmas are not cached by the query builder: prepared here once.
    synchronousNormal: db.$client.prepare("PRAGMA synchronous = NORMAL"),
    synchronousFull: db.$client.prepare("PRAGMA synchronous = FULL"),
    // better-sqlite3's transaction wrapper made once (BEGIN, COMMIT, a savepoint when nested):
    // Drizzle's db.transaction builds a transaction object and the wrapper anew each time.
    transaction: db.$client.transaction((fn: () => unknown) => fn()),
  };
}

function statements(db: DB): ReturnType<typeof prepareCommit> {
  let st = commitStatements.get(db);
  if (!st) commitStatements.set(db, (st = prepareCommit(db)));
  return st;
}

/**
 * Run one write transaction. With `flushLater` it does not wait for the
 * disk (synchronous=NORMAL for this transaction only): it is committed —
 * visible, and kept if this process crashes — and the caller makes it
 * durable with `flushLog` (client.ts), off the event loop. The
 * connection's default stays FULL.
 */
function commit<T>(db: DB, flushLater: boolean | undefined, fn: () => T): T {
  const st = statements(db);
  if (!flushLater) return st.transaction(fn) as T;
  st.synchronousNormal.run();
  try {
    return st.transaction(fn) as T;
  } finally {
    st.synchronousFull.run();
  }
}

/**
 * Commit the updates of several boards at once (one transaction per tick):
 * the part of a tick that the other participants wait for.
 */
export function appendManyBoardUpdates(
  db: DB,
  batches: Array<{ boardId: string; updates: Uint8Array[] }>,
  at = Date.now(),
  opts: { flushLater?: boolean } = {},
): void {
  const st = statements(db);
  commit(db, opts.flushLater, () => {
    for (const b of batches) {
      for (const u of b.updates) {
        st.update.run({ boardId: b.boardId, data: blob(u), at });
      }
    }
  });
}

/**
 * Record who moved or edited what on several boards (audit events), and the
 * requests' last activity time, in one transaction. The sync server writes
 * this right after the broadcast of the updates it describes, before the
 * disk flush that makes both durable. Returns the rows as the feed reads
 * them (names read in the same transaction), in the order given.
 */
export function recordBoardActivity(
  db: DB,
  batches: Array<{ boardId: string; activity: ActivityInput[] }>,
  at = Date.now(),
  opts: { flushLater?: boolean } = {},
): StoredActivity[] {
  const st = statements(db);
  return commit(db, opts.flushLater, () => {
    const stored: StoredActivity[] = [];
    const names = {
      user: memo((id) => st.userName.get({ id })?.name ?? null),
      org: memo((id) => st.orgName.get({ id })?.name ?? null),
    };
    for (const b of batches) {
      const touched = new Set<string>();
      for (const a of b.activity) {
        const row = st.audit.get({
          boardId: b.boardId,
          requestId: a.requestId,
          userId: a.userId,
          orgId: a.orgId,
          type: a.type,
          data: a.data, // the column's JSON mapping encodes it
          at,
        })!;
        stored.push(storedActivity(a, { id: row.id, boardId: b.boardId, createdAt: at }, names));
        if (a.requestId) touched.add(a.requestId);
      }
      for (const id of touched) st.touch.run({ id, at });
    }
    return stored;
  });
}

/**
 * Replace the log up to `upToId` by `state` (the document with those updates
 * applied and re-encoded). Updates appended meanwhile (id > upToId) stay.
 */
export function compactBoard(db: DB, boardId: string, state: Uint8Array, upToId: number): void {
  db.transaction((tx) => {
    // Never back: a snapshot that already covers more rows stays (those rows are gone).
    const snap = tx.select({ last: boardSnapshots.lastUpdateId }).from(boardSnapshots).where(eq(boardSnapshots.boardId, boardId)).get();
    if (snap && snap.last > upToId) return;
    const data = blob(state);
    tx.insert(boardSnapshots)
      .values({ boardId, data, lastUpdateId: upToId, updatedAt: Date.now() })
      .onConflictDoUpdate({ target: boardSnapshots.boardId, set: { data, lastUpdateId: upToId, updatedAt: Date.now() } })
      .run();
    tx.delete(boardUpdates).where(and(eq(boardUpdates.boardId, boardId), lte(boardUpdates.id, upToId))).run();
  });
}

/**
 * Compact from what is stored, in one transaction: `merge` gets the snapshot
 * and every update row after it, and its result becomes the snapshot up to
 * the last of those rows; rows appended later (by another server) stay.
 * Returns that row id, or 0 when there was no row to fold in.
 */
export function compactStoredBoard(
  db: DB,
  boardId: string,
  merge: (snapshot: Uint8Array | null, updates: Uint8Array[]) => Uint8Array,
): number {
  return db.transaction(() => {
    const stored = loadBoardState(db, boardId);
    if (stored.updates.length === 0) return 0;
    compactBoard(db, boardId, merge(stored.snapshot, stored.updates), stored.lastUpdateId);
    return stored.lastUpdateId;
  });
}

/**
 * compactStoredBoard for a connection of its own (the storage worker,
 * server/sync/storage-worker.ts), in three steps so that the write lock is
 * held only for the write: read the snapshot, the rows after it and the
 * board's document generation (one read transaction); merge them outside
 * any transaction; then, in a short write transaction, store the result
 * only if the generation is unchanged. A rebuild in between (an erasure, the
 * retention sweep) bumps the generation, and the merge of the old document
 * is dropped instead of bringing erased content back; a compaction that got
 * further in between stays (compactBoard never goes back). Returns the last
 * row folded in (0: nothing done).
 */
export function compactStoredBoardApart(
  db: DB,
  boardId: string,
  merge: (snapshot: Uint8Array | null, updates: Uint8Array[]) => Uint8Array,
): number {
  const generation = (tx: DB) => tx.select({ g: boards.docGeneration }).from(boards).where(eq(boards.id, boardId)).get()?.g;
  const read = db.transaction((tx) => ({ stored: loadBoardState(tx as unknown as DB, boardId), generation: generation(tx as unknown as DB) }));
  if (read.generation === undefined || read.stored.updates.length === 0) return 0;
  const state = merge(read.stored.snapshot, read.stored.updates);
  return db.transaction((tx) => {
    if (generation(tx as unknown as DB) !== read.generation) return 0;
    compactBoard(tx as unknown as DB, boardId, state, read.stored.lastUpdateId);
    return read.stored.lastUpdateId;
    // Immediate: the write lock first (waiting for it as busy_timeout allows), not a read lock upgraded later, which fails at once when another connection committed meanwhile.
  }, { behavior: "immediate" });
}

export function latestUpdateId(db: DB, boardId: string): number {
  const row = db
    .select({ id: sql<number>`coalesce(max(${boardUpdates.id}), 0)` })
    .from(boardUpdates)
    .where(eq(boardUpdates.boardId, boardId))
    .get();
  return row?.id ?? 0;
}

export function countBoardUpdates(db: DB, boardId: string): number {
  const row = db
    .select({ n: sql<number>`count(*)` })
    .from(boardUpdates)
    .where(eq(boardUpdates.boardId, boardId))
    .get();
  return row?.n ?? 0;
}

/**
 * Copy the write-ahead log back into the database file without waiting for
 * readers (a passive checkpoint). The sync server calls it between commits,
 * so that the checkpoint's writes and fsync are not inside a commit that
 * clients are waiting for.
 */
export function checkpointLog(db: DB): void {
  db.all(sql`PRAGMA wal_checkpoint(PASSIVE)`);
}

// ------------------------------------------------------------ the asynchronous layer (PostgreSQL)
//
// The room server's storage on the asynchronous layer (server/sync/storage.ts
// postgresRoomStorage). SQLite keeps the synchronous functions above: its
// group commit runs in one synchronous step (decision 001, "Consequences").
// These run on SQLite too (the tests run them on both engines).

/**
 * A board's stored document and its document generation, read in one
 * transaction at `repeatable read` (one snapshot of the database: a rebuild
 * committing meanwhile is seen wholly or not at all, never its generation
 * with the old log).
 */
export async function loadBoardStateAsync(h: AsyncDb, boardId: string): Promise<StoredBoard & { generation: number }> {
  return h.transaction(async (tx) => ({ ...(await readStored(tx, boardId)), generation: await generationIn(tx, boardId) }), {
    isolation: "repeatable read",
  });
}

/** The stored document (snapshot and the log after it) read through `tx` (the rebuild reads it inside its transaction, db/rebuild.ts). */
export async function readStoredBoard(tx: AsyncDb, boardId: string): Promise<StoredBoard> {
  return readStored(tx, boardId);
}

/** The snapshot and the rows after it (up to `upTo` when given). */
async function readStored(tx: AsyncDb, boardId: string, upTo?: number): Promise<StoredBoard> {
  const { boardSnapshots: s, boardUpdates: u } = tx.t;
  const snap = await first(tx.q.select({ data: s.data, lastUpdateId: s.lastUpdateId }).from(s).where(eq(s.boardId, boardId)));
  const rows = await tx.q
    .select({ id: u.id, data: u.data })
    .from(u)
    .where(and(eq(u.boardId, boardId), gt(u.id, snap?.lastUpdateId ?? 0), upTo === undefined ? undefined : lte(u.id, upTo)))
    .orderBy(asc(u.id));
  return storedBoard(snap, rows);
}

async function generationIn(tx: AsyncDb, boardId: string): Promise<number> {
  const row = await first(tx.q.select({ g: tx.t.boards.docGeneration }).from(tx.t.boards).where(eq(tx.t.boards.id, boardId)));
  return row?.g ?? 0;
}

/**
 * Commit a tick: the updates of several boards in one transaction, each
 * board's only if its document generation is still the one its room was
 * loaded with. The generations are read with their board rows locked
 * (`FOR SHARE`): a rebuild (which bumps the generation) waits for this
 * commit, or this commit waits for the rebuild and then sees its
 * generation. So no update of an old generation lands after a rebuild, on
 * any server. Returns the boards refused as stale (nothing of theirs
 * stored); the others are committed.
 */
export async function appendBoardTickAsync(
  h: AsyncDb,
  batches: ReadonlyArray<{ boardId: string; generation: number; updates: Uint8Array[] }>,
  at: number,
): Promise<{ stale: string[] }> {
  const ids = [...new Set(batches.map((b) => b.boardId))];
  if (ids.length === 0) return { stale: [] };
  if (h.dialect === "postgres") return appendBoardTickPostgres(h, batches, at);
  return h.transaction(async (tx) => {
    const { boards, boardUpdates: u } = tx.t;
    const rows = await forShare(tx, tx.q.select({ id: boards.id, g: boards.docGeneration }).from(boards).where(inArray(boards.id, ids)));
    const current = new Map(rows.map((r) => [r.id, r.g]));
    const stale: string[] = [];
    const values: Array<{ boardId: string; data: Buffer; createdAt: number }> = [];
    for (const b of batches) {
      if ((current.get(b.boardId) ?? 0) !== b.generation) {
        stale.push(b.boardId);
        continue;
      }
      for (const update of b.updates) values.push({ boardId: b.boardId, data: blob(update), createdAt: at });
    }
    // One statement for the whole tick, rows in the order given (their ids keep it).
    if (values.length) await tx.q.insert(u).values(values);
    return { stale };
  });
}

/**
 * appendBoardTickAsync on PostgreSQL as one statement, so one round trip
 * and one commit (the builder's transaction took four: BEGIN, the check,
 * the insert, COMMIT; on another machine each is the network's round trip,
 * and each wakes a backend). The same rules: the boards' rows are locked
 * `FOR SHARE` and their generation compared in the statement, which in READ
 * COMMITTED sees the newest committed generation of a row it locked (a
 * rebuild's commit that it waited for included); only the boards whose
 * generation matches get their rows, in the order given (`with ordinality`,
 * inserted in that order, so their ids keep it), each batch judged by its
 * own generation as the builder code does. A board without a row
 * counts as generation 0, as there (its rows then fail their foreign key).
 */
async function appendBoardTickPostgres(
  h: AsyncDb,
  batches: ReadonlyArray<{ boardId: string; generation: number; updates: Uint8Array[] }>,
  at: number,
): Promise<{ stale: string[] }> {
  const { boards: b, boardUpdates: u } = h.t;
  const rows = await preparedRows(
    h,
    "board_tick_append",
    sql`with want (board_id, g, n) as (select * from unnest(${sql.param(batches.map((x) => x.boardId))}::text[], ${sql.param(batches.map((x) => x.generation))}::bigint[]) with ordinality),
  cur as (select ${b.id} as id, ${b.docGeneration} as g from ${b} where ${b.id} = any(${sql.param(batches.map((x) => x.boardId))}::text[]) for share),
  ok as (select want.n, want.board_id from want left join cur on cur.id = want.board_id where coalesce(cur.g, 0) = want.g),
  v (batch, data, n) as (select * from unnest(${sql.param(batches.flatMap((x, i) => x.updates.map(() => i + 1)))}::bigint[], ${sql.param(batches.flatMap((x) => x.updates.map(blob)))}::bytea[]) with ordinality),
  ins as (insert into ${u} (${columns(u.boardId, u.data, u.createdAt)}) select ok.board_id, v.data, ${at}::bigint from v join ok on ok.n = v.batch order by v.n returning 1)
select board_id from want where n not in (select n from ok) order by n`,
  );
  return { stale: rows.map((r) => String(r.board_id)) };
}

/** Columns named for an INSERT's list (unqualified, as PostgreSQL wants them there). */
function columns(...cols: Array<{ name: string }>): SQL {
  return sql.join(
    cols.map((c) => sql.identifier(c.name)),
    sql`, `,
  );
}

/** recordBoardActivity on the asynchronous layer: the audit rows and the requests' last activity, one transaction; the feed's rows in the order given. */
export async function recordBoardActivityAsync(
  h: AsyncDb,
  batches: ReadonlyArray<{ boardId: string; activity: ActivityInput[] }>,
  at: number,
): Promise<StoredActivity[]> {
  const values = batches.flatMap((b) =>
    b.activity.map((a) => ({ boardId: b.boardId, requestId: a.requestId, userId: a.userId, orgId: a.orgId, type: a.type, data: a.data, createdAt: at })),
  );
  if (values.length === 0) return [];
  const distinct = (ids: Array<string | null>) => [...new Set(ids.filter((id): id is string => !!id))];
  const touched = distinct(values.map((v) => v.requestId));
  const userIds = distinct(values.map((v) => v.userId));
  const orgIds = distinct(values.map((v) => v.orgId));
  const feed = (ids: number[], userNames: Map<string, string>, orgNames: Map<string, string>) => {
    const names = { user: (id: string) => userNames.get(id) ?? null, org: (id: string) => orgNames.get(id) ?? null };
    return values.map((v, i) => storedActivity(v, { id: ids[i], boardId: v.boardId, createdAt: at }, names));
  };
  if (h.dialect === "postgres") return recordBoardActivityPostgres(h, values, { touched, userIds, orgIds }, at, feed);
  return h.transaction(async (tx) => {
    const { auditEvents, users, organisations } = tx.t;
    const ids = await tx.q.insert(auditEvents).values(values).returning({ id: auditEvents.id });
    if (touched.length) await tx.q.update(tx.t.requests).set({ lastActivityAt: at }).where(inArray(tx.t.requests.id, touched));
    const userNames = new Map(
      userIds.length ? (await tx.q.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, userIds))).map((r) => [r.id, r.name]) : [],
    );
    const orgNames = new Map(
      orgIds.length
        ? (await tx.q.select({ id: organisations.id, name: organisations.shortName }).from(organisations).where(inArray(organisations.id, orgIds))).map((r) => [r.id, r.name])
        : [],
    );
    return feed(
      ids.map((r) => r.id),
      userNames,
      orgNames,
    );
  });
}

/**
 * recordBoardActivityAsync on PostgreSQL as one statement (one round trip
 * and one commit where the builder's transaction took six): the audit rows
 * inserted in the order given (so ascending ids are that order), the
 * requests touched, and the names the feed shows read in the same snapshot.
 */
async function recordBoardActivityPostgres(
  h: AsyncDb,
  values: ReadonlyArray<{ boardId: string; requestId: string | null; userId: string | null; orgId: string | null; type: string; data: Record<string, unknown> }>,
  ids: { touched: string[]; userIds: string[]; orgIds: string[] },
  at: number,
  feed: (ids: number[], userNames: Map<string, string>, orgNames: Map<string, string>) => StoredActivity[],
): Promise<StoredActivity[]> {
  const { auditEvents: a, requests: r, users: u, organisations: o } = h.t;
  const list = <K extends keyof (typeof values)[number]>(k: K) => sql.param(values.map((v) => v[k]));
  const [row] = await preparedRows(
    h,
    "board_tick_activity",
    sql`with v (board_id, request_id, user_id, org_id, type, data, n) as (
    select * from unnest(${list("boardId")}::text[], ${list("requestId")}::text[], ${list("userId")}::text[], ${list("orgId")}::text[], ${list("type")}::text[], ${sql.param(values.map((v) => JSON.stringify(v.data)))}::jsonb[]) with ordinality),
  ins as (insert into ${a} (${columns(a.boardId, a.requestId, a.userId, a.orgId, a.type, a.data, a.createdAt)})
    select board_id, request_id, user_id, org_id, type, data, ${at}::bigint from v order by n returning ${a.id} as id),
  touched as (update ${r} set ${sql.identifier(r.lastActivityAt.name)} = ${at}::bigint where ${r.id} = any(${sql.param(ids.touched)}::text[]) returning 1)
select (select coalesce(json_agg(id order by id), '[]') from ins) as ids,
  (select coalesce(json_agg(json_build_array(${u.id}, ${u.name})), '[]') from ${u} where ${u.id} = any(${sql.param(ids.userIds)}::text[])) as users,
  (select coalesce(json_agg(json_build_array(${o.id}, ${o.shortName})), '[]') from ${o} where ${o.id} = any(${sql.param(ids.orgIds)}::text[])) as orgs`,
  );
  const pairs = (x: unknown) => new Map((x as Array<[string, string]>).map(([id, name]) => [id, name]));
  return feed((row.ids as Array<number | string>).map(Number), pairs(row.users), pairs(row.orgs));
}

/**
 * compactStoredBoardApart on PostgreSQL (its storage worker,
 * server/sync/storage-worker.ts), so that the board's row is never locked
 * while the document is decoded and encoded again (a tick's append locks it
 * `FOR SHARE` and would wait), and never across round trips:
 *
 * 1. One statement locks the row `FOR UPDATE` and reads the generation and
 *    the newest row id. Row ids are handed out at insert, not at commit: a
 *    tick that inserted a lower id may still be uncommitted while a higher
 *    one is visible. Every append locks the row `FOR SHARE` before it takes
 *    an id, so once this lock is granted every id up to that newest one is
 *    committed (or rolled back); ids taken later are larger (the identity's
 *    sequence caches no ids per session: CACHE 1, its default, which this
 *    relies on). The lock ends with the statement.
 * 2. The snapshot and the rows after it up to that id, in one snapshot of
 *    the database (repeatable read), without a lock.
 * 3. The merge, outside any transaction.
 * 4. One statement locks the row again, and writes the snapshot and deletes
 *    the rows it folded in only if the generation is unchanged (a rebuild
 *    meanwhile wins: an erasure stays erased) and no compaction got further
 *    (never back). Rows appended meanwhile stay.
 *
 * Returns the last row folded in (0: nothing done). SQLite (one writer, ids
 * committed in order) runs compactStoredBoardAsync.
 */
export async function compactStoredBoardApartAsync(
  h: AsyncDb,
  boardId: string,
  merge: (snapshot: Uint8Array | null, updates: Uint8Array[]) => Uint8Array,
): Promise<number> {
  if (h.dialect !== "postgres") return compactStoredBoardAsync(h, boardId, merge);
  const { boards: b, boardSnapshots: s, boardUpdates: u } = h.t;
  const [settled] = await preparedRows(
    h,
    "board_compact_settle",
    sql`select ${b.docGeneration} as g, (select coalesce(max(${u.id}), 0) from ${u} where ${u.boardId} = ${boardId}) as last
from ${b} where ${b.id} = ${boardId} for update of ${b}`,
  );
  if (!settled) return 0;
  const generation = Number(settled.g);
  const stored = await h.transaction((tx) => readStored(tx, boardId, Number(settled.last)), { isolation: "repeatable read" });
  if (stored.updates.length === 0) return 0;
  const data = blob(merge(stored.snapshot, stored.updates));
  const upToId = stored.lastUpdateId;
  const [written] = await preparedRows(
    h,
    "board_compact_write",
    sql`with current as (select ${b.docGeneration} as g from ${b} where ${b.id} = ${boardId} for update of ${b}),
  snap as (insert into ${s} (${columns(s.boardId, s.data, s.lastUpdateId, s.updatedAt)})
    select ${boardId}, ${data}::bytea, ${upToId}::bigint, ${Date.now()}::bigint from current where current.g = ${generation}::bigint
    on conflict (${sql.identifier(s.boardId.name)}) do update set ${sql.identifier(s.data.name)} = excluded.${sql.identifier(s.data.name)},
      ${sql.identifier(s.lastUpdateId.name)} = excluded.${sql.identifier(s.lastUpdateId.name)}, ${sql.identifier(s.updatedAt.name)} = excluded.${sql.identifier(s.updatedAt.name)}
    where ${s}.${sql.identifier(s.lastUpdateId.name)} <= excluded.${sql.identifier(s.lastUpdateId.name)}
    returning 1),
  folded as (delete from ${u} where ${u.boardId} = ${boardId} and ${u.id} <= ${upToId}::bigint and exists (select 1 from snap) returning 1)
select (select count(*) from snap) as n`,
  );
  return Number(written?.n ?? 0) > 0 ? upToId : 0;
}

/**
 * compactStoredBoard on the asynchronous layer. The board's row is locked
 * first (`FOR UPDATE`): two servers compacting one board run one after the
 * other, the second folding in what the first left (and appends, which
 * lock it `FOR SHARE`, wait the moment it takes). Returns the last row id
 * folded in (0: nothing to do).
 */
export async function compactStoredBoardAsync(
  h: AsyncDb,
  boardId: string,
  merge: (snapshot: Uint8Array | null, updates: Uint8Array[]) => Uint8Array,
): Promise<number> {
  return h.transaction(async (tx) => {
    const { boards, boardSnapshots: s, boardUpdates: u } = tx.t;
    await forUpdate(tx, tx.q.select({ id: boards.id }).from(boards).where(eq(boards.id, boardId)));
    const stored = await readStored(tx, boardId);
    if (stored.updates.length === 0) return 0;
    const data = blob(merge(stored.snapshot, stored.updates));
    const upToId = stored.lastUpdateId;
    const at = Date.now();
    await tx.q
      .insert(s)
      .values({ boardId, data, lastUpdateId: upToId, updatedAt: at })
      .onConflictDoUpdate({ target: s.boardId, set: { data, lastUpdateId: upToId, updatedAt: at } });
    await tx.q.delete(u).where(and(eq(u.boardId, boardId), lte(u.id, upToId)));
    return upToId;
  });
}
