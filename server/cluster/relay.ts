/**
 * The Yjs relay between app servers (REDIS_URL): every committed update of a
 * board goes to the Redis stream `ab:board:<id>:updates`, every server that
 * holds the board reads that stream and applies what the others committed to
 * its live document, and presence goes the same way on
 * `ab:board:<id>:presence`. Streams, not pub/sub: a server that was away for
 * a moment reads on from the last entry it saw.
 *
 * The guarantees, in order:
 * - Persist, then publish, then broadcast: the room manager stores a tick's
 *   updates, hands them here (one entry per board and tick) and only then
 *   sends them to its own clients. What a client has seen is stored.
 * - A server reads what it needs, not every loaded board's streams each
 *   round: each entry is followed, in the same Lua call, by a doorbell in
 *   one of BELL_SHARDS small streams (`ab:bell:<n>`, the board's id). The
 *   read loop blocks on the control stream and the doorbells of its boards'
 *   shards only, then reads the streams of the boards whose bell rang. (One
 *   XREAD of every loaded board's two streams grew with the boards: at 100
 *   boards, writing that command was a tenth of a server's time.)
 * - Nothing falls between load and stream: a loaded board is positioned at
 *   the stream's last entry first, and storage is read again after that
 *   (RoomManager.catchUpFromStorage). Whatever was committed before that
 *   position is in storage; whatever after, in the stream. Yjs updates apply
 *   twice without harm, so overlap costs nothing. The stream is read only
 *   once that catch-up has merged (an asynchronous storage's read is
 *   awaited): an entry after the position may build on commits before it,
 *   and applied first it would wait in the document as pending structs.
 * - The outbox: what is committed while Redis is away waits here, in order,
 *   and is published when Redis is back.
 * - A gap in the stream (trimmed past this server's position, or Redis
 *   restarted empty) is filled from storage, merged into the live document.
 * - Compaction of the stored log by one server at a time: a lease
 *   `ab:lease:compact:<id>`, and the compaction reads the stored rows, never
 *   this server's live copy (which may lack another server's newest rows).
 * - A rebuilt board (an erasure, the retention sweep, a spam mark) leaves
 *   nothing of its older generations in Redis: each server that rebuilds a
 *   board or drops a copy of it as rebuilt removes the entries of the older
 *   generations from the board's update stream (`scrub`), after forgetting
 *   the ones still waiting in its own outbox. The words an erasure removed
 *   are in those entries.
 * - Words go to Redis only from a server that holds the board: an update
 *   that is published after its board left this server (it waited in the
 *   outbox while Redis was away, or its commit was in flight as the board
 *   unloaded) goes without its words, as a notice that the board has new
 *   commits; the servers that hold the board read them from storage
 *   (positioned again). Such a server cannot know whether the board was
 *   rebuilt meanwhile, and nobody would scrub what it published later.
 *   A server that reads an entry of a generation older than its copy's
 *   scrubs the stream as well.
 */
import type { Redis } from "ioredis";
import { NO_PRESENCE } from "../sync/presence";
import { mergeAll, mergeStoredState } from "../sync/protocol";

export { mergeStoredState };
import type { Logger, RoomRelay, RoomStorage } from "../sync/types";
import { storedCompaction } from "../sync/storage";
import { within } from "../within";

/** What the relay needs of the room manager (server/sync/rooms.ts). */
export interface RelayRooms {
  /** Apply another server's committed update; false when the board is not here or of another generation. */
  applyRemote(boardId: string, generation: number, update: Uint8Array): boolean;
  /**
   * Another server's presence and who owns each id; `owners` may name ids the
   * update has no entry for (the owner registry's, when a board is positioned):
   * they become known as theirs too.
   */
  applyRemotePresence(boardId: string, generation: number, update: Uint8Array, owners: Record<string, string>): void;
  /**
   * Merge storage into the live document (after positioning, or a gap). The
   * relay reads the board's stream only once this has resolved; it rejects
   * when storage could not be read (the board is positioned again later).
   */
  catchUpFromStorage(boardId: string): void | Promise<void>;
  /** Another server rebuilt the board. */
  dropRebuilt(boardId: string): void;
  /** What another server asked every server to close (ControlMessage). */
  disconnectUser(userId: string, reason?: string): void;
  disconnectSessions(sessionIds: readonly string[], reason?: string): void;
  reconnectBoard(boardId: string, reason?: string): void;
  /** Another server changed who holds requests of a board: read them again (asynchronous holders). */
  holdersChanged?(boardId: string, requestIds?: readonly string[]): void | Promise<void>;
}

/**
 * Board connections every server closes (the stream `ab:control`): a person
 * whose access went (removed, role changed, password reset), sessions that
 * were logged out, a board archived or put back (reconnect and be judged
 * again). The server that decides closes its own connections itself.
 * And `holdersChanged`: who holds requests of a board changed (a claim,
 * release, referral, reassignment, expiry): every server that keeps the
 * board's holders in memory reads them again (decision 001).
 */
export type ControlMessage =
  | { type: "disconnectUser"; userId: string; reason?: string }
  | { type: "disconnectSessions"; sessionIds: string[]; reason?: string }
  | { type: "reconnectBoard"; boardId: string; reason?: string }
  | { type: "holdersChanged"; boardId: string; requestIds?: string[] };

export const CONTROL_KEY = "ab:control";

export interface RelayOptions {
  serverId: string;
  /** The shared command connection (server/cluster/redis.ts). */
  commands: Redis;
  /** A connection of its own for XREAD BLOCK (nothing else may use it). */
  blocking: Redis;
  storage: RoomStorage;
  log: Logger;
  /** `MAXLEN ~` of each board's update stream. */
  maxLen?: number;
  /** `MAXLEN ~` of each board's presence stream (short: only the latest state of each person matters). */
  presenceMaxLen?: number;
  /** How long one XREAD blocks. */
  blockMs?: number;
  /** The compaction lease's lifetime. */
  leaseMs?: number;
  /** Past this many waiting entries the outbox merges each board's updates into one. */
  outboxMax?: number;
}

export interface RelayStats {
  /** Update entries published (presence not counted). */
  published: number;
  presencePublished: number;
  received: number;
  applied: number;
  positioned: number;
  /** Catch-ups from storage after a gap in the stream. */
  gaps: number;
  compactions: number;
  /** Compactions not done because another server held the lease. */
  leaseHeld: number;
  outbox: number;
  readErrors: number;
  /** Entries of a rebuilt board's older generations removed from its update stream (scrub). */
  scrubbed: number;
  /** Updates Redis refused because the board had been rebuilt to a newer generation (PUBLISH). */
  refused: number;
  /** Updates published without their words, as a notice, because their board had left this server (counted in `published` too). */
  notices: number;
  /** Notices read: the board positioned again, its commits read from storage. */
  noticesRead: number;
  /**
   * Updates Redis did not take because it no longer knew the board's
   * generation (it restarted, or the key was evicted): the outbox waited
   * while the board was positioned again (its generation confirmed from storage).
   */
  unconfirmed: number;
}

export const updatesKey = (boardId: string) => `ab:board:${boardId}:updates`;
/**
 * The doorbells: an entry `b <board id>` follows each entry of a board's
 * update or presence stream, in the board's shard. Every server must use
 * the same number of shards.
 */
export const BELL_SHARDS = 16;
export const bellKey = (shard: number) => `ab:bell:${shard}`;
/** A doorbell stream holds at least this many (`MAXLEN ~`): a reader further behind reads COUNT-full and reads all its boards of the shard. */
const BELL_MAXLEN = 10_000;
const BELL = /^ab:bell:(\d{1,4})$/;
/** The board's doorbell shard (FNV-1a of its id). */
export function bellShard(boardId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < boardId.length; i++) {
    h ^= boardId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % BELL_SHARDS;
}
export const presenceKey = (boardId: string) => `ab:board:${boardId}:presence`;
/**
 * The board's presence owner registry: a hash of every current presence id
 * (as a decimal string) to `<owner> <ms>`, its owner (a session hash,
 * room.ts presenceOwner) and when its server last published it. Written
 * with each presence entry (same pipeline): set for an id whose state is
 * shown, removed when it is removed (its person left, or the awareness
 * timeout); the key expires OWNER_TTL_MS after the board's last presence.
 * Read when a board is positioned, with the replayed recent presence, so
 * that a server loading the board knows every current owner, also one
 * whose entries fell out of the replayed window.
 */
export const ownersKey = (boardId: string) => `ab:board:${boardId}:owners`;
export const compactLeaseKey = (boardId: string) => `ab:lease:compact:${boardId}`;
/** The newest generation of the board published (a number; absent while it was never rebuilt): PUBLISH refuses older ones. */
export const generationKey = (boardId: string) => `ab:board:${boardId}:generation`;

const KEY = /^ab:board:([A-Za-z0-9_-]{1,64}):(updates|presence)$/;
const READ_COUNT = 500;
const PRESENCE_REPLAY = 64;
/**
 * An owner registry entry older than this is not read (and is removed when
 * seen): its removal was lost (its server ended, or the entry was dropped
 * from the outbox while Redis was away). Clients renew their presence every
 * 15 s and the awareness timeout is 30 s, so a current owner is never older.
 */
const OWNER_TTL_MS = 60_000;

/**
 * One page of a board's update stream (KEYS[1]) from ARGV[2] on (inclusive;
 * "-" for the start), ARGV[3] entries long: the entries whose generation
 * (field "g") is before ARGV[1] are deleted. Returns the number deleted, the
 * last id read ("" when none) and how many entries were read. Inclusive, not
 * "(id", so that it runs on Redis before 6.2 too: a page repeats the
 * previous page's last entry when that one stayed.
 */
const SCRUB = `local page = redis.call("XRANGE", KEYS[1], ARGV[2], "+", "COUNT", tonumber(ARGV[3]))
local before = tonumber(ARGV[1])
local deleted = 0
for _, e in ipairs(page) do
  local f = e[2]
  for i = 1, #f, 2 do
    if f[i] == "g" then
      local g = tonumber(f[i + 1])
      if g and g < before then
        redis.call("XDEL", KEYS[1], e[1])
        deleted = deleted + 1
      end
      break
    end
  end
end
local last = ""
if #page > 0 then last = page[#page][1] end
return {deleted, last, #page}`;
/**
 * Publish one entry of a board's update stream (KEYS[1]) unless its
 * generation ARGV[2] is older than the newest published (KEYS[2]), which it
 * raises: `XADD KEYS[1] MAXLEN ~ ARGV[1] * ARGV[5..]`, then its doorbell
 * (KEYS[3], the board's id ARGV[4]). Returns the entry's id, or nil when
 * refused. Checked in Redis, in one step with the XADD: a
 * server's entry that reaches Redis after a rebuild's marker (its socket
 * was slow, or Redis was away from it alone) cannot come in behind the
 * rebuild's scrub, whatever that server knows.
 * ARGV[3] says what the entry is: "w" an update with its words, "r" a
 * rebuild marker, "n" a notice (no words). While Redis does not know the
 * board's generation (it restarted empty, or the key was evicted; SEED sets
 * it), words are not taken: 0, and the server confirms its copy's generation
 * from storage first (RedisRelay.unconfirmed). A marker sets it; a notice
 * carries nothing to refuse.
 */
const PUBLISH = `local g = tonumber(ARGV[2])
local known = redis.call("GET", KEYS[2])
if known then
  local newest = tonumber(known)
  if g < newest then return false end
  if g > newest then redis.call("SET", KEYS[2], ARGV[2]) end
elseif ARGV[3] == "w" then
  return 0
elseif ARGV[3] == "r" then
  redis.call("SET", KEYS[2], ARGV[2])
end
local id = redis.call("XADD", KEYS[1], "MAXLEN", "~", ARGV[1], "*", unpack(ARGV, 5))
redis.call("XADD", KEYS[3], "MAXLEN", "~", ${BELL_MAXLEN}, "*", "b", ARGV[4])
return id`;
/** A presence entry (KEYS[1], `MAXLEN ~ ARGV[1]`, fields ARGV[3..]) and its doorbell (KEYS[2], the board's id ARGV[2]). */
const RING = `local id = redis.call("XADD", KEYS[1], "MAXLEN", "~", ARGV[1], "*", unpack(ARGV, 3))
redis.call("XADD", KEYS[2], "MAXLEN", "~", ${BELL_MAXLEN}, "*", "b", ARGV[2])
return id`;
/**
 * The board's generation as this server knows it from storage (ARGV[1]) is
 * the newest published (KEYS[1]) unless a newer one is: sent when a board is
 * loaded and again each time it is positioned (after its storage catch-up).
 */
const SEED = `local g = tonumber(ARGV[1])
local known = redis.call("GET", KEYS[1])
if not known or g > tonumber(known) then redis.call("SET", KEYS[1], ARGV[1]) end
return 1`;
/** Entries read by one call of SCRUB (a 10,000-entry stream: 20 short calls, other commands go between them). */
const SCRUB_PAGE = 500;
/** The wait before a scrub that failed (Redis away) is tried again. */
const SCRUB_RETRY_MS = 1_000;

/** Release a lease only if it is still ours. */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** Stream ids "ms-seq" in order (both parts may exceed 2^53). */
export function compareIds(a: string, b: string): number {
  const [am, as = "0"] = a.split("-");
  const [bm, bs = "0"] = b.split("-");
  const m = BigInt(am) - BigInt(bm);
  if (m !== 0n) return m < 0n ? -1 : 1;
  const s = BigInt(as) - BigInt(bs);
  return s === 0n ? 0 : s < 0n ? -1 : 1;
}

interface Followed {
  generation: number;
  /** Its doorbell shard (bellShard), reckoned once. */
  shard: number;
  /** The last entry read of each stream; null until the board is positioned. */
  updates: string | null;
  presence: string | null;
  /** Check the stream for a gap before the next read (behind, or after an error). */
  check: boolean;
  /** Positioning failed (storage could not be read): not tried again before this time, and how many times in a row. */
  retryAt: number;
  failures: number;
  /** Resolves the promise `loaded` returned (positioned, or no longer followed). */
  positionedNow: () => void;
}

interface OutboxEntry {
  boardId: string;
  key: string;
  maxLen: number;
  generation: number;
  kind: "updates" | "presence" | "control";
  payload: Buffer;
  owners?: string;
  /** Presence: the owner registry's changes (ownersKey), written in the same pipeline. */
  registry?: { set: string[]; gone: string[] };
  /** A rebuild marker (no update): the board's generation is now `generation`. */
  rebuilt?: boolean;
  /** Of a generation the board has left (superseded): never published; dropped from the outbox at the next send. */
  stale?: boolean;
  /** Order of enqueueing; an entry merged by `squeeze` keeps its first part's. The outbox is in this order. */
  seq: number;
}

/** How many times a wake's UNBLOCK is sent (every 20 ms) before the XREAD is left to end by itself. */
const WAKE_TRIES = 50;

/** The command connection with PUBLISH defined (the constructor). */
interface Publisher {
  abRelayPublish(stream: string, generationKey: string, bell: string, maxLen: number, generation: number, what: "w" | "r" | "n", boardId: string, ...fields: Array<string | Buffer>): Promise<string | null | 0>;
  abRelayRing(stream: string, bell: string, maxLen: number, boardId: string, ...fields: Array<string | Buffer>): Promise<string>;
  abRelaySeed(generationKey: string, generation: number): Promise<number>;
}

type RawEntries = Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;

export class RedisRelay implements RoomRelay {
  private rooms: RelayRooms | null = null;
  private readonly followed = new Map<string, Followed>();
  private readonly outbox: OutboxEntry[] = [];
  private sending = false;
  private closed = false;
  private reading = false;
  private readerId: number | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  /** The read loop's rounds so far (one XREAD each, unless woken before it). */
  private round = 0;
  /** A wake since the current round began. */
  private woken = false;
  /** Ends the read loop's wait before trying a Redis that was away again (null when it is not waiting). */
  private endPause: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Wakes the reader when a board whose positioning failed is due again. */
  private positionTimer: NodeJS.Timeout | null = null;
  private positionAt = 0;
  private runId: string | null = null;
  /** The last entry read of `ab:control`; null until positioned at its end. */
  private controlId: string | null = null;
  /**
   * After a Redis restart the control stream is read from its start (what
   * the servers back first sent); entries older than this (ms, Redis's
   * clock) are from before the restart, kept by a Redis that saved its data,
   * and were applied then: skipped.
   */
  private controlFrom = 0;
  /** The last doorbell read per shard of the boards followed (BELL_SHARDS). */
  private readonly bells = new Map<number, string>();
  /** Boards whose streams the next round reads: their bell rang, they were just positioned, or a read left more. */
  private readonly rung = new Set<string>();
  private readonly compacting = new Set<string>();
  /** How many entries were ever enqueued (OutboxEntry.seq). */
  private enqueued = 0;
  /** `published` callers: each resolved once every entry up to its `seq` has left the outbox. */
  private sendWaiters: Array<{ seq: number; resolve: () => void }> = [];
  /** `caughtUp` callers per board: each resolved once the board's stream is read up to `id` (or it is no longer followed). */
  private readonly readWaiters = new Map<string, Array<{ id: string; resolve: () => void }>>();
  /** Boards whose stream's last entry is asked in the next pipeline (one per turn of the event loop), with who waits for it. */
  private lastAsked: Map<string, Array<(id: string | null) => void>> | null = null;
  private loop: Promise<void> | null = null;
  /**
   * Boards whose update stream may still hold entries of a generation before
   * `generation` (scrub); `asked` counts the requests, so that one made while
   * a scrub of the board runs is done again after it.
   */
  private readonly toScrub = new Map<string, { generation: number; asked: number }>();
  private scrubbing = false;
  /** Outbox entries marked stale and perhaps still there (dropStale looks only then). */
  private staleMarked = 0;
  private scrubTimer: NodeJS.Timeout | null = null;
  /**
   * The board whose generation the outbox's head waits to have confirmed
   * (Redis answered PUBLISH with "unknown"): nothing is sent until it is
   * positioned again and its generation seeded, or it is no longer followed.
   */
  private awaiting: string | null = null;
  readonly stats: RelayStats = { published: 0, presencePublished: 0, received: 0, applied: 0, positioned: 0, gaps: 0, compactions: 0, leaseHeld: 0, outbox: 0, readErrors: 0, scrubbed: 0, refused: 0, notices: 0, noticesRead: 0, unconfirmed: 0 };
  private readonly maxLen: number;
  private readonly presenceMaxLen: number;
  private readonly blockMs: number;
  private readonly leaseMs: number;
  private readonly outboxMax: number;
  private readonly onReady = () => {
    this.kick();
    void this.scrub();
  };
  private readonly onBlockingClose = () => (this.readerId = null);

  constructor(private readonly opts: RelayOptions) {
    this.maxLen = opts.maxLen ?? 10_000;
    this.presenceMaxLen = opts.presenceMaxLen ?? 200;
    this.blockMs = opts.blockMs ?? 5_000;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.outboxMax = opts.outboxMax ?? 5_000;
    opts.commands.on("ready", this.onReady);
    opts.blocking.on("close", this.onBlockingClose);
    // (ioredis sends the script itself the first time on each connection, EVALSHA after.)
    if (!("abRelayPublish" in opts.commands)) opts.commands.defineCommand("abRelayPublish", { numberOfKeys: 3, lua: PUBLISH });
    if (!("abRelayRing" in opts.commands)) opts.commands.defineCommand("abRelayRing", { numberOfKeys: 2, lua: RING });
    if (!("abRelaySeed" in opts.commands)) opts.commands.defineCommand("abRelaySeed", { numberOfKeys: 1, lua: SEED });
  }

  /** Start reading for these rooms (the room manager is made with this relay, so it is attached after). */
  start(rooms: RelayRooms): void {
    this.rooms = rooms;
    this.loop ??= this.readLoop();
  }

  get serverId(): string {
    return this.opts.serverId;
  }

  // ------------------------------------------------------------ RoomRelay

  loaded(boardId: string, generation: number): Promise<void> {
    let positionedNow!: () => void;
    const positioned = new Promise<void>((resolve) => (positionedNow = resolve));
    this.unfollow(boardId);
    this.followed.set(boardId, { generation, shard: bellShard(boardId), updates: null, presence: null, check: false, retryAt: 0, failures: 0, positionedNow });
    // Just read from storage. (Positioning seeds it again after its catch-up; a failure here is left to that.)
    this.publisher.abRelaySeed(generationKey(boardId), generation).catch(() => undefined);
    this.wake();
    return positioned;
  }

  unloaded(boardId: string): void {
    this.unfollow(boardId);
  }

  /** Stop following a board; whoever waits for its positioning goes on. */
  private unfollow(boardId: string): void {
    this.followed.get(boardId)?.positionedNow();
    this.followed.delete(boardId);
    this.rung.delete(boardId);
    this.readUpTo(boardId, null);
    // What waited for its generation goes as a notice now (kick), or was marked stale by the drop that unfollowed it.
    if (this.awaiting === boardId) {
      this.awaiting = null;
      queueMicrotask(() => this.kick());
    }
  }

  private get publisher(): Publisher {
    return this.opts.commands as unknown as Publisher;
  }

  committed(boardId: string, generation: number, update: Uint8Array): void {
    this.enqueue({ boardId, key: updatesKey(boardId), maxLen: this.maxLen, generation, kind: "updates", payload: toBuffer(update) });
  }

  presence(boardId: string, generation: number, update: Uint8Array, owners: Record<number, string>, removed: readonly number[] = []): void {
    // The registry: each owned id's owner while its state is shown, gone when it is removed (the room says which: no decoding here).
    const registry = { set: [] as string[], gone: [] as string[] };
    const at = Date.now();
    const left = new Set(removed);
    for (const [id, owner] of Object.entries(owners)) {
      if (left.has(Number(id))) registry.gone.push(id);
      else registry.set.push(id, `${owner} ${at}`);
    }
    this.enqueue({
      boardId,
      key: presenceKey(boardId),
      maxLen: this.presenceMaxLen,
      generation,
      kind: "presence",
      payload: toBuffer(update),
      owners: JSON.stringify(owners),
      registry,
    });
  }

  /**
   * This server rebuilt the board: a marker in the board's own stream, after
   * every update of the old generation, tells each server that holds the
   * board to drop its copy (4410 to its clients). A server that misses it
   * (Redis lost the stream) finds the new generation when it catches up from
   * storage, and a commit on an old copy is refused by the generation check
   * before it is stored (RoomManager.flushNow).
   */
  /** Ask every other server to close these connections (this server closes its own). */
  control(message: ControlMessage): void {
    this.enqueue({ boardId: "", key: CONTROL_KEY, maxLen: 1_000, generation: 0, kind: "control", payload: Buffer.from(JSON.stringify(message)) });
  }

  rebuilt(boardId: string, generation: number): void {
    this.unfollow(boardId);
    this.superseded(boardId, generation);
    // Scrubbed again once this marker is out (kick): after it, no server publishes the older generations any more.
    this.enqueue({ boardId, key: updatesKey(boardId), maxLen: this.maxLen, generation, kind: "updates", payload: Buffer.alloc(0), rebuilt: true });
  }

  /**
   * The board is at `generation` now (rebuilt here or elsewhere; this
   * server's copy of an older one was dropped): what of the older
   * generations still waits in the outbox is never published, and they are
   * removed from the board's update stream. They may hold what the rebuild
   * erased, and no server applies them any more (each drops an entry of
   * another generation than its copy's).
   */
  superseded(boardId: string, generation: number): void {
    let stale = 0;
    for (const e of this.outbox) {
      if (e.boardId === boardId && e.kind !== "control" && !e.rebuilt && e.generation < generation && !e.stale) {
        e.stale = true;
        stale++;
      }
    }
    this.staleMarked += stale;
    if (stale && !this.sending) this.dropStale();
    this.scrubLater(boardId, generation);
  }

  /** Remove the outbox's stale entries (not while a batch is in flight: it is the outbox's head). */
  private dropStale(): void {
    if (this.staleMarked === 0) return;
    this.staleMarked = 0;
    const kept = this.outbox.filter((e) => !e.stale);
    if (kept.length === this.outbox.length) return;
    this.outbox.splice(0, this.outbox.length, ...kept);
    this.stats.outbox = this.outbox.length;
    this.sentUpTo(this.outbox.length ? this.outbox[0].seq - 1 : this.enqueued);
  }

  private scrubLater(boardId: string, generation: number): void {
    const asked = this.toScrub.get(boardId);
    this.toScrub.set(boardId, { generation: Math.max(generation, asked?.generation ?? generation), asked: (asked?.asked ?? 0) + 1 });
    void this.scrub();
  }

  /**
   * Remove the entries of older generations from each board's update stream
   * in `toScrub` (SCRUB, a page at a time). Commands on the command
   * connection run in the order sent, so an outbox batch already in flight
   * is in the stream before this reads it. Redis away: tried again when it
   * is back, or after SCRUB_RETRY_MS.
   */
  private async scrub(): Promise<void> {
    if (this.scrubbing || this.closed || this.toScrub.size === 0) return;
    this.scrubbing = true;
    let failed = false;
    try {
      for (const [boardId, { generation, asked }] of [...this.toScrub]) {
        let start = "-";
        let deleted = 0;
        for (;;) {
          const [n, last, read] = (await this.opts.commands.eval(SCRUB, 1, updatesKey(boardId), generation, start, SCRUB_PAGE)) as [number, string, number];
          deleted += n;
          if (read < SCRUB_PAGE || !last) break;
          start = last;
        }
        this.stats.scrubbed += deleted;
        if (this.toScrub.get(boardId)?.asked === asked) this.toScrub.delete(boardId);
        if (deleted) this.opts.log.info("older generations of a rebuilt board removed from its relay stream", { board: boardId, entries: deleted });
      }
    } catch (e) {
      failed = true;
      if (!this.closed) this.opts.log.warn("could not remove a rebuilt board's older entries from its relay stream yet", { boards: this.toScrub.size, error: (e as Error).message });
    } finally {
      this.scrubbing = false;
    }
    if (failed) this.scrubLaterRetry();
    else if (this.toScrub.size) void this.scrub();
  }

  private scrubLaterRetry(): void {
    if (this.scrubTimer || this.closed) return;
    this.scrubTimer = setTimeout(() => {
      this.scrubTimer = null;
      void this.scrub();
    }, SCRUB_RETRY_MS);
    this.scrubTimer.unref();
  }

  compact(boardId: string): Promise<boolean> {
    return this.compactNow(boardId);
  }

  /** Take the lease and compact the stored log; false when another server holds it (or Redis is away). */
  async compactNow(boardId: string): Promise<boolean> {
    const compactStored = storedCompaction(this.opts.storage);
    if (!compactStored || this.compacting.has(boardId)) return false;
    this.compacting.add(boardId);
    const key = compactLeaseKey(boardId);
    try {
      const got = await this.opts.commands.set(key, this.opts.serverId, "PX", this.leaseMs, "NX");
      if (got !== "OK") {
        this.stats.leaseHeld++;
        return false;
      }
      try {
        await compactStored(boardId);
        this.stats.compactions++;
      } finally {
        await this.opts.commands.eval(RELEASE, 1, key, this.opts.serverId);
      }
      return true;
    } catch (e) {
      this.opts.log.warn("board compaction skipped", { board: boardId, error: (e as Error).message });
      return false;
    } finally {
      this.compacting.delete(boardId);
    }
  }

  // ------------------------------------------------------------ publishing (the outbox)

  private enqueue(entry: Omit<OutboxEntry, "seq">): void {
    this.outbox.push({ ...entry, seq: ++this.enqueued });
    if (this.outbox.length > this.outboxMax) this.squeeze();
    this.stats.outbox = this.outbox.length;
    this.kick();
  }

  /**
   * Redis has been away long: merge each board's waiting updates (of one
   * generation) into one entry, in the order of their first; waiting
   * presence is dropped (people's clients renew it every 15 seconds);
   * control messages and rebuild markers stay.
   */
  private squeeze(): void {
    if (this.sending) return; // the batch in flight is the outbox's head: wait for it
    const merged = new Map<string, { first: number; entry: OutboxEntry; parts: Buffer[] }>();
    this.outbox.forEach((e, i) => {
      if (e.kind !== "updates" || e.rebuilt) return;
      const k = `${e.boardId}\u0000${e.generation}`;
      const m = merged.get(k);
      if (m) m.parts.push(e.payload);
      else merged.set(k, { first: i, entry: e, parts: [e.payload] });
    });
    const kept = [
      ...[...merged.values()].map((m) => ({ first: m.first, entry: { ...m.entry, payload: toBuffer(mergeAll(m.parts)) } })),
      // Rebuild markers and control messages are kept as they are.
      ...this.outbox.flatMap((entry, first) => (entry.rebuilt || entry.kind === "control" ? [{ first, entry }] : [])),
    ]
      .sort((a, b) => a.first - b.first)
      .map((k) => k.entry);
    this.outbox.splice(0, this.outbox.length, ...kept);
    this.opts.log.warn("relay outbox merged while Redis is away", { entries: kept.length });
  }

  /** Send the outbox's head as one pipeline; the rest follows when it is acknowledged. */
  private kick(): void {
    if (!this.sending) this.dropStale();
    if (this.sending || this.closed || this.outbox.length === 0 || this.awaiting !== null) return;
    if (this.opts.commands.status !== "ready") return; // "ready" calls kick again
    this.sending = true;
    const batch = this.outbox.slice(0, 256);
    const pipeline = this.opts.commands.pipeline();
    /** Where each entry's XADD is among the pipeline's results (a presence entry's registry writes follow it). */
    const at: number[] = [];
    /** Which of the batch's entries go as notices. */
    const notices: boolean[] = [];
    let commands = 0;
    for (const e of batch) {
      // An update of a board this server no longer holds: a notice without its words (the module's comment).
      const notice = e.kind === "updates" && !e.rebuilt && !this.followed.has(e.boardId);
      const fields: Array<string | Buffer> = ["o", this.opts.serverId, "g", String(e.generation), "u", notice ? EMPTY : e.payload];
      if (e.owners) fields.push("w", e.owners);
      if (e.rebuilt) fields.push("r", "1");
      if (notice) fields.push("n", "1");
      notices.push(notice);
      const bell = bellKey(bellShard(e.boardId));
      if (e.kind === "updates") (pipeline as unknown as Publisher).abRelayPublish(e.key, generationKey(e.boardId), bell, e.maxLen, e.generation, e.rebuilt ? "r" : notice ? "n" : "w", e.boardId, ...fields);
      else if (e.kind === "presence") (pipeline as unknown as Publisher).abRelayRing(e.key, bell, e.maxLen, e.boardId, ...fields);
      else pipeline.xadd(e.key, "MAXLEN", "~", e.maxLen, "*", ...fields);
      at.push(commands++);
      const registry = e.registry;
      if (registry && registry.set.length + registry.gone.length > 0) {
        const key = ownersKey(e.boardId);
        if (registry.set.length) pipeline.hset(key, ...registry.set);
        if (registry.gone.length) pipeline.hdel(key, ...registry.gone);
        pipeline.pexpire(key, OWNER_TTL_MS);
        commands += (registry.set.length ? 1 : 0) + (registry.gone.length ? 1 : 0) + 1;
      }
    }
    pipeline
      .exec()
      .then((results) => {
        // Published in order up to the first failure; the rest waits for the next try.
        // (A registry write that failed after its entry went is not tried again: the client's next renewal writes it.)
        let done = 0;
        /** Redis did not know an entry's board generation: when to try again (unconfirmed). */
        let unknown: "now" | "later" | null = null;
        for (const i of at) {
          if (!results?.[i] || results[i][0]) break;
          if (results[i][1] === 0) {
            // This entry and what follows wait until the board's generation is confirmed.
            unknown = this.unconfirmed(batch[done].boardId);
            break;
          }
          if (batch[done].rebuilt) this.scrubLater(batch[done].boardId, batch[done].generation);
          if (batch[done].kind === "updates" && results[i][1] === null) this.stats.refused++;
          else if (batch[done].kind === "updates") {
            this.stats.published++;
            if (notices[done]) this.stats.notices++;
          }
          else if (batch[done].kind === "presence") this.stats.presencePublished++;
          done++;
        }
        this.outbox.splice(0, done);
        this.sentUpTo(this.outbox.length ? this.outbox[0].seq - 1 : this.enqueued);
        if (unknown) return unknown === "now";
        if (done < batch.length) throw results?.[at[done]]?.[0] ?? new Error("relay publish failed");
        return true;
      })
      .then(
        (go) => go,
        (e: Error) => {
          if (!this.closed) this.opts.log.warn("relay publish failed; kept in the outbox", { waiting: this.outbox.length, error: e.message });
          return false;
        },
      )
      .then((sent) => {
        this.sending = false;
        this.stats.outbox = this.outbox.length;
        if (this.outbox.length > this.outboxMax) this.squeeze();
        if (sent) queueMicrotask(() => this.kick());
        // After a failure, never at once: a command connection whose socket
        // has ended but not yet closed still says "ready" and refuses every
        // command without I/O, so trying again in a microtask would spin
        // forever (the "close" that ends it never gets its turn). Tried again
        // on "ready", or after a pause if the connection stayed up.
        else this.retryLater();
      });
  }

  /**
   * Redis no longer knows the board's generation (it restarted empty, or
   * evicted the key): this server's copy may be of a generation a rebuild
   * has left while Redis was away (its marker lost with the restart), and
   * its words must not go before that is ruled out. The board is positioned
   * again, which reads storage (a copy rebuilt elsewhere is dropped there,
   * and what of it waits here is marked stale) and then seeds the
   * generation; the outbox waits for that ("now": kick finds `awaiting`).
   * A board no longer followed here goes as a notice at once; a relay that
   * does not read (no positioning) tries again later, never with the words
   * unchecked.
   */
  private unconfirmed(boardId: string): "now" | "later" {
    this.stats.unconfirmed++;
    const f = this.followed.get(boardId);
    if (!f) return "now";
    if (!this.loop) return "later";
    this.awaiting = boardId;
    if (f.updates !== null) {
      f.updates = null;
      f.presence = null;
      this.wake();
    }
    this.opts.log.info("Redis no longer knows a board's generation; confirming it from storage before publishing", { board: boardId });
    return "now";
  }

  /** One retry of the outbox after a pause (not one per failure). */
  private retryLater(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, 500);
    this.retryTimer.unref();
  }

  // ------------------------------------------------------------ reading

  /**
   * Interrupt a blocked XREAD so that its next call includes a newly loaded board. A wake while the
   * loop is between two XREADs makes it go round again instead of blocking.
   */
  private wake(): void {
    if (this.closed) return; // close() unblocks until the loop has ended
    this.woken = true;
    const round = this.round;
    this.unblockUntil(() => this.round !== round, WAKE_TRIES);
  }

  /**
   * CLIENT UNBLOCK for the reader now and every 20 ms (at most `tries` times) until `done()`. The
   * UNBLOCK goes on the command connection and the XREAD on the blocking one: an UNBLOCK that reaches
   * Redis first does nothing, and the XREAD would block its whole time. One at a time (a later call
   * replaces an earlier one).
   */
  private unblockUntil(done: () => boolean, tries = Infinity): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    let sent = 0;
    const unblock = () => {
      this.wakeTimer = null;
      if (done()) return;
      if (this.reading && this.readerId !== null) this.opts.commands.client("UNBLOCK", this.readerId).catch(() => undefined);
      if (++sent >= tries) return;
      this.wakeTimer = setTimeout(unblock, 20);
      this.wakeTimer.unref();
    };
    unblock();
  }

  private async readLoop(): Promise<void> {
    let backoff = 100;
    let checkAll = false;
    while (!this.closed) {
      this.round++;
      this.woken = false;
      try {
        if (checkAll) {
          await this.findGaps();
          checkAll = false;
        }
        if (this.controlId === null) {
          const last = await this.opts.commands.xrevrange(CONTROL_KEY, "+", "-", "COUNT", 1);
          this.controlId = last[0]?.[0] ?? "0-0";
        }
        await this.positionNew();
        await this.checkMarked();
        const shards = new Set<number>();
        for (const f of this.followed.values()) if (f.updates !== null && f.presence !== null) shards.add(f.shard);
        for (const shard of [...this.bells.keys()]) if (!shards.has(shard)) this.bells.delete(shard);
        this.readerId ??= Number(await this.opts.blocking.client("ID"));
        // Closed while this round awaited: no new XREAD. Woken: a board loaded meanwhile is positioned first.
        if (this.closed) break;
        if (this.woken) continue;
        const keys: string[] = [CONTROL_KEY];
        const ids: string[] = [this.controlId];
        for (const shard of shards) {
          keys.push(bellKey(shard));
          ids.push(this.bells.get(shard) ?? (await this.positionShard(shard)));
        }
        // Boards to read already: the doorbells are only looked at, not waited for.
        const block = this.rung.size === 0;
        this.reading = block;
        let res: RawEntries;
        try {
          res = (await (block
            ? this.opts.blocking.xreadBuffer("COUNT", READ_COUNT, "BLOCK", this.blockMs, "STREAMS", ...keys, ...ids)
            : this.opts.blocking.xreadBuffer("COUNT", READ_COUNT, "STREAMS", ...keys, ...ids))) as RawEntries;
        } finally {
          this.reading = false;
        }
        if (res) this.deliverBells(res);
        if (this.rung.size && !this.closed) await this.readRung();
        backoff = 100;
      } catch (e) {
        if (this.closed) break;
        this.stats.readErrors++;
        this.opts.log.warn("relay read failed; catching up when Redis is back", { error: (e as Error).message });
        checkAll = true;
        // Whatever rang and was not read yet is read after the check (findGaps rings every board).
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  /** The read loop's wait before it tries Redis again; close() ends it early (endPause). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.endPause?.(), ms);
      timer.unref();
      this.endPause = () => {
        clearTimeout(timer);
        this.endPause = null;
        resolve();
      };
    });
  }

  /** Every followed board of the shard is read in the next round. */
  private ringShard(shard: number): void {
    for (const [id, f] of this.followed) if (f.shard === shard) this.rung.add(id);
  }

  /**
   * A shard without a position (not expected: positioning a board gives its
   * shard one): at its last bell, and every followed board of it is read.
   */
  private async positionShard(shard: number): Promise<string> {
    const last = await this.opts.commands.xrevrange(bellKey(shard), "+", "-", "COUNT", 1);
    const at = this.bells.get(shard) ?? last[0]?.[0] ?? "0-0";
    this.bells.set(shard, at);
    this.ringShard(shard);
    return at;
  }

  /** The control stream's entries and the doorbells: which boards to read. */
  private deliverBells(res: NonNullable<RawEntries>): void {
    for (const [rawKey, entries] of res) {
      const key = rawKey.toString();
      if (key === CONTROL_KEY) {
        for (const [rawId, fields] of entries) {
          this.controlId = rawId.toString();
          if (Number(this.controlId.split("-")[0]) < this.controlFrom) continue;
          const entry = readFields(fields);
          if (entry && entry.origin !== this.opts.serverId) this.applyControl(Buffer.from(entry.payload).toString());
        }
        continue;
      }
      const m = BELL.exec(key);
      if (!m || entries.length === 0) continue;
      const shard = Number(m[1]);
      this.bells.set(shard, entries[entries.length - 1][0].toString());
      // Far behind: bells may have been trimmed unread; every board of the shard is read (each checks its own stream).
      if (entries.length >= READ_COUNT) this.ringShard(shard);
      else {
        for (const [, fields] of entries) {
          for (let i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i].toString() !== "b") continue;
            const boardId = fields[i + 1].toString();
            if (this.followed.has(boardId)) this.rung.add(boardId);
            break;
          }
        }
      }
    }
  }

  /** Read the streams of the boards whose bell rang (not blocking), and apply what they hold. */
  private async readRung(): Promise<void> {
    const keys: string[] = [];
    const ids: string[] = [];
    const asked = new Map<string, Followed>();
    for (const boardId of this.rung) {
      const f = this.followed.get(boardId);
      if (!f || f.updates === null || f.presence === null) continue;
      keys.push(updatesKey(boardId), presenceKey(boardId));
      ids.push(f.updates, f.presence);
      asked.set(boardId, f);
    }
    this.rung.clear();
    if (!keys.length) return;
    const res = (await this.opts.blocking.xreadBuffer("COUNT", READ_COUNT, "STREAMS", ...keys, ...ids)) as RawEntries;
    if (res) this.deliver(res, asked);
  }

  /**
   * Apply what was read of boards' streams, in each stream's order, to the
   * copies `asked` read them for: a board loaded again meanwhile (a new copy,
   * to be positioned) or to be positioned again (its generation unconfirmed,
   * a notice) is left to its positioning, which reads storage first.
   */
  private deliver(res: NonNullable<RawEntries>, asked: ReadonlyMap<string, Followed>): void {
    for (const [rawKey, entries] of res) {
      const m = KEY.exec(rawKey.toString());
      if (!m) continue;
      const [, boardId, kind] = m;
      const f = this.followed.get(boardId);
      if (!f || asked.get(boardId) !== f || f.updates === null || f.presence === null) continue;
      if (entries.length >= READ_COUNT) {
        f.check = true; // far behind: the stream may have been trimmed past us
        this.rung.add(boardId); // and more to read
      }
      for (const [rawId, fields] of entries) {
        const id = rawId.toString();
        if (kind === "updates") f.updates = id;
        else f.presence = id;
        this.stats.received++;
        const entry = readFields(fields);
        if (!entry || entry.origin === this.opts.serverId) continue;
        if (entry.generation > f.generation) {
          // Rebuilt by another server (its marker, or anything of the new generation): this copy is stale.
          this.rooms?.dropRebuilt(boardId);
          // (The room manager says so too as it drops the room; this covers a board followed without one.)
          this.superseded(boardId, entry.generation);
          break;
        }
        if (entry.generation < f.generation && kind === "updates" && !entry.notice) {
          // Words of a generation the board has left (published by a server that had not learned of the rebuild): removed.
          this.scrubLater(boardId, f.generation);
          continue;
        }
        if (entry.generation !== f.generation || entry.rebuilt) continue;
        if (entry.notice) {
          // Another server committed updates of the board after it left there: read them from storage (positioned again).
          this.stats.noticesRead++;
          f.updates = null;
          f.presence = null;
          break;
        }
        if (kind === "updates") {
          if (this.rooms?.applyRemote(boardId, entry.generation, entry.payload)) this.stats.applied++;
        } else {
          let owners: Record<string, string> = {};
          try {
            owners = JSON.parse(entry.owners ?? "{}") as Record<string, string>;
          } catch {
            continue;
          }
          this.rooms?.applyRemotePresence(boardId, entry.generation, entry.payload, owners);
        }
        // The board may have been dropped by what was applied (a rebuild noticed).
        if (!this.followed.has(boardId)) break;
      }
      // (Not when it is to be positioned again: its waiters wait for that.)
      if (kind === "updates" && this.followed.get(boardId) === f && f.updates !== null) this.readUpTo(boardId, f.updates);
    }
  }

  private applyControl(json: string): void {
    let msg: ControlMessage;
    try {
      msg = JSON.parse(json) as ControlMessage;
    } catch {
      return;
    }
    const rooms = this.rooms;
    if (!rooms) return;
    if (msg.type === "disconnectUser" && typeof msg.userId === "string") rooms.disconnectUser(msg.userId, msg.reason);
    else if (msg.type === "disconnectSessions" && Array.isArray(msg.sessionIds)) rooms.disconnectSessions(msg.sessionIds.filter((x) => typeof x === "string"), msg.reason);
    else if (msg.type === "reconnectBoard" && typeof msg.boardId === "string") rooms.reconnectBoard(msg.boardId, msg.reason);
    else if (msg.type === "holdersChanged" && typeof msg.boardId === "string") {
      const ids = Array.isArray(msg.requestIds) ? msg.requestIds.filter((x) => typeof x === "string") : undefined;
      void rooms.holdersChanged?.(msg.boardId, ids);
    }
  }

  /**
   * Position each newly loaded board (all at once, each awaited): the
   * streams' last entries first, then storage merged (so nothing committed
   * elsewhere falls between), then the recent presence replayed so that
   * people already on the board are seen. A board is read from only once
   * its catch-up has merged; one whose storage could not be read stays
   * unpositioned and is tried again later (from a new position), while the
   * others are read on. A Redis error is thrown once every board's attempt
   * has ended (the read loop backs off and checks for gaps).
   */
  private async positionNew(): Promise<void> {
    const now = Date.now();
    const due = [...this.followed].filter(([, f]) => f.updates === null && f.retryAt <= now);
    const results = await Promise.allSettled(due.map(([boardId, f]) => this.position(boardId, f)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  private async position(boardId: string, f: Followed): Promise<void> {
    const shard = f.shard;
    const [lastBell, lastUpdate, recentPresence, registered] = await Promise.all([
      // The shard's last doorbell before the board's last entry (one connection: in this order).
      this.opts.commands.xrevrange(bellKey(shard), "+", "-", "COUNT", 1),
      this.opts.commands.xrevrange(updatesKey(boardId), "+", "-", "COUNT", 1),
      this.opts.commands.xrevrangeBuffer(presenceKey(boardId), "+", "-", "COUNT", PRESENCE_REPLAY),
      this.opts.commands.hgetall(ownersKey(boardId)),
    ]);
    if (this.followed.get(boardId) !== f) return; // unloaded (or reloaded) meanwhile
    try {
      await this.rooms?.catchUpFromStorage(boardId);
    } catch (e) {
      f.failures++;
      const delay = Math.min(100 * 2 ** (f.failures - 1), 5_000);
      f.retryAt = Date.now() + delay;
      this.opts.log.warn("could not catch up a board from storage; positioning it again later", { board: boardId, retryMs: delay, error: (e as Error).message });
      this.wakeLater(delay);
      return;
    }
    if (this.followed.get(boardId) !== f) return; // dropped by the catch-up (rebuilt elsewhere), or unloaded meanwhile
    // Confirmed from storage: Redis knows the generation again (PUBLISH takes this copy's words).
    await this.publisher.abRelaySeed(generationKey(boardId), f.generation);
    if (this.followed.get(boardId) !== f) return;
    if (this.awaiting === boardId) {
      this.awaiting = null;
      this.kick();
    }
    f.failures = 0;
    f.retryAt = 0;
    f.updates = lastUpdate[0]?.[0] ?? "0-0";
    const presence = recentPresence as unknown as Array<[Buffer, Buffer[]]>;
    f.presence = presence[0]?.[0].toString() ?? "0-0";
    for (const [, fields] of [...presence].reverse()) {
      const entry = readFields(fields);
      if (!entry || entry.origin === this.opts.serverId || entry.generation !== f.generation) continue;
      try {
        this.rooms?.applyRemotePresence(boardId, f.generation, entry.payload, JSON.parse(entry.owners ?? "{}"));
      } catch {
        /* a malformed entry is skipped */
      }
    }
    this.knowOwners(boardId, f.generation, registered);
    // Read once after positioning: what came after the position and before the shard's position
    // (a shard already read from may be past those bells), then on its bells.
    if (!this.bells.has(shard)) this.bells.set(shard, lastBell[0]?.[0] ?? "0-0");
    this.rung.add(boardId);
    this.stats.positioned++;
    f.positionedNow();
    this.readUpTo(boardId, f.updates);
  }

  /**
   * Every current owner of the board's presence ids (the registry, read with
   * the replay) becomes known to the room, also those whose entries are no
   * longer among the replayed ones; entries past OWNER_TTL_MS are left out
   * and removed.
   */
  private knowOwners(boardId: string, generation: number, registered: Record<string, string>): void {
    const owners: Record<string, string> = {};
    const stale: string[] = [];
    const since = Date.now() - OWNER_TTL_MS;
    for (const [id, value] of Object.entries(registered)) {
      const [owner, at] = value.split(" ");
      if (owner && Number(at) >= since) owners[id] = owner;
      else stale.push(id);
    }
    if (stale.length) this.opts.commands.hdel(ownersKey(boardId), ...stale).catch(() => undefined);
    if (Object.keys(owners).length) this.rooms?.applyRemotePresence(boardId, generation, NO_PRESENCE, owners);
  }

  /** Wake the reader after `ms` (a board to position again); one timer, the earliest wins. */
  private wakeLater(ms: number): void {
    const at = Date.now() + ms;
    if (this.positionTimer && this.positionAt <= at) return;
    if (this.positionTimer) clearTimeout(this.positionTimer);
    this.positionAt = at;
    this.positionTimer = setTimeout(() => {
      this.positionTimer = null;
      this.wake();
    }, ms);
    this.positionTimer.unref();
  }

  /**
   * After Redis was away: a Redis that restarted (another run id) lost its
   * streams, so every board catches up from storage and starts at the new
   * stream's end; otherwise each board whose stream was trimmed past its
   * position does.
   */
  private async findGaps(): Promise<void> {
    const info = await this.opts.commands.info("server");
    const runId = /run_id:(\w+)/.exec(info)?.[1] ?? null;
    const restarted = this.runId !== null && runId !== this.runId;
    this.runId = runId;
    // A Redis that restarted has only new control entries, unless it kept its data: read those from its start
    // on (a second early, as its uptime is in whole seconds).
    if (restarted) {
      this.controlId = "0-0";
      const nowUs = Number(/server_time_usec:(\d+)/.exec(info)?.[1]);
      const upS = Number(/uptime_in_seconds:(\d+)/.exec(info)?.[1]);
      this.controlFrom = Number.isFinite(nowUs) && Number.isFinite(upS) ? Math.floor(nowUs / 1000) - (upS + 1) * 1000 : 0;
    }
    if (restarted) this.bells.clear();
    for (const [boardId, f] of this.followed) {
      this.rung.add(boardId);
      if (restarted) {
        f.updates = null;
        f.presence = null;
      } else f.check = true;
    }
    if (restarted) this.stats.gaps += this.followed.size;
  }

  /** Boards marked for a check: was their stream trimmed past what was read? */
  private async checkMarked(): Promise<void> {
    if (this.runId === null) this.runId = /run_id:(\w+)/.exec(await this.opts.commands.info("server"))?.[1] ?? null;
    for (const [boardId, f] of [...this.followed]) {
      if (!f.check || f.updates === null) continue;
      f.check = false;
      let lost = false;
      try {
        const raw = (await this.opts.commands.xinfo("STREAM", updatesKey(boardId))) as unknown[];
        const info = new Map<string, unknown>();
        for (let i = 0; i + 1 < raw.length; i += 2) info.set(String(raw[i]), raw[i + 1]);
        const maxDeleted = info.get("max-deleted-entry-id");
        const first = info.get("first-entry") as [string, unknown] | null | undefined;
        if (typeof maxDeleted === "string") lost = compareIds(maxDeleted, f.updates) > 0;
        else lost = !!first && compareIds(first[0], f.updates) > 0; // Redis < 7: be safe
      } catch (e) {
        // No such key: the stream is gone (nothing read from it can be trusted to be whole).
        if (!/no such key/i.test((e as Error).message)) throw e;
        lost = f.updates !== "0-0";
      }
      if (!lost) continue;
      this.stats.gaps++;
      this.opts.log.info("relay stream lost entries; catching up from storage", { board: boardId });
      f.updates = null;
      f.presence = null;
    }
  }

  /** Stop reading and publishing; what waits in the outbox is dropped (it is stored: the other servers catch up from storage). */
  async close(): Promise<void> {
    this.closed = true;
    for (const f of this.followed.values()) f.positionedNow();
    for (const boardId of [...this.readWaiters.keys()]) this.readUpTo(boardId, null);
    this.sentUpTo(Infinity);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.scrubTimer) clearTimeout(this.scrubTimer);
    if (this.positionTimer) clearTimeout(this.positionTimer);
    this.opts.commands.off("ready", this.onReady);
    this.opts.blocking.off("close", this.onBlockingClose);
    this.endPause?.();
    if (!this.loop) return;
    // Until the loop has ended (a single UNBLOCK that overtook its XREAD left the drain waiting 5 s).
    let ended = false;
    const loop = this.loop.catch(() => undefined).then(() => (ended = true));
    this.unblockUntil(() => ended);
    await loop;
  }

  /**
   * Read your writes across servers: resolves once this server has read the
   * board's stream up to the entry that was its last when this was called,
   * so a server-side read or write here sees every update another server had
   * acknowledged by then (RoomManager.readDoc/withDoc). At most `timeoutMs`
   * (Redis slow or away: what is here, as before). Callers of one turn of the
   * event loop share one pipelined XREVRANGE per board; each waits on
   * `deliver`, which resolves it as the board's position passes the entry.
   */
  async caughtUp(boardId: string, timeoutMs = 1_000): Promise<void> {
    const f = this.followed.get(boardId);
    if (!f || this.closed) return;
    const started = Date.now();
    const last = await within(this.lastEntry(boardId), timeoutMs, null).catch(() => null);
    if (last === null || this.followed.get(boardId) !== f || (f.updates !== null && compareIds(f.updates, last) >= 0)) return;
    let resolve!: () => void;
    const read = new Promise<void>((r) => (resolve = r));
    const waiter = { id: last, resolve };
    const list = this.readWaiters.get(boardId) ?? [];
    list.push(waiter);
    this.readWaiters.set(boardId, list);
    await within(read, timeoutMs - (Date.now() - started), undefined);
    this.keepWaiters(boardId, (w) => w !== waiter);
  }

  /** The board's stream's last entry id ("0-0": none), asked with every other board's of this turn in one pipeline. */
  private lastEntry(boardId: string): Promise<string | null> {
    return new Promise((resolve) => {
      if (!this.lastAsked) {
        const asked = new Map<string, Array<(id: string | null) => void>>();
        this.lastAsked = asked;
        setImmediate(() => {
          this.lastAsked = null;
          const boards = [...asked.keys()];
          const pipeline = this.opts.commands.pipeline();
          for (const b of boards) pipeline.xrevrange(updatesKey(b), "+", "-", "COUNT", 1);
          pipeline.exec().then(
            (results) =>
              boards.forEach((b, i) => {
                const [error, rows] = results?.[i] ?? [new Error("no answer"), null];
                const id = error ? null : ((rows as Array<[string, string[]]>)[0]?.[0] ?? "0-0");
                for (const r of asked.get(b)!) r(id);
              }),
            () => boards.forEach((b) => asked.get(b)!.forEach((r) => r(null))),
          );
        });
      }
      const list = this.lastAsked.get(boardId) ?? [];
      list.push(resolve);
      this.lastAsked.set(boardId, list);
    });
  }

  /** The board's stream is read up to `id` (null: no longer followed, or closing): its waiters up to there go on. */
  private readUpTo(boardId: string, id: string | null): void {
    this.keepWaiters(boardId, (w) => {
      if (id !== null && compareIds(id, w.id) < 0) return true;
      w.resolve();
      return false;
    });
  }

  /** Keep the board's waiters that `keep` says to (the others are done with). */
  private keepWaiters(boardId: string, keep: (w: { id: string; resolve: () => void }) => boolean): void {
    const left = (this.readWaiters.get(boardId) ?? []).filter(keep);
    if (left.length) this.readWaiters.set(boardId, left);
    else this.readWaiters.delete(boardId);
  }

  /**
   * Resolves once everything enqueued so far has left the outbox for Redis
   * (a server-side write is acknowledged then: another server's `caughtUp`
   * finds it), or after `timeoutMs` (Redis away: it waits in the outbox).
   */
  async published(timeoutMs = 2_000): Promise<void> {
    await within(this.sent(this.enqueued), timeoutMs, undefined);
  }

  /** Resolves once entries up to `seq` have left the outbox. */
  private sent(seq: number): Promise<void> {
    if (this.closed || this.outbox.length === 0 || this.outbox[0].seq > seq) return Promise.resolve();
    return new Promise((resolve) => this.sendWaiters.push({ seq, resolve }));
  }

  /** Entries up to `seq` have left the outbox: their waiters go on. */
  private sentUpTo(seq: number): void {
    if (!this.sendWaiters.length) return;
    const left: typeof this.sendWaiters = [];
    for (const w of this.sendWaiters) (w.seq <= seq ? w.resolve() : left.push(w));
    this.sendWaiters = left;
  }

  /** Wait until the outbox is empty, whatever is enqueued meanwhile (tests, the drain); false after `timeoutMs`. */
  async flushed(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.outbox.length || this.sending) {
      if (Date.now() > until || this.closed) return false;
      await within(this.sent(this.enqueued), until - Date.now(), undefined);
      if (!this.outbox.length && this.sending) await new Promise((r) => setImmediate(r));
    }
    return true;
  }
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

const EMPTY = Buffer.alloc(0);

function readFields(fields: Buffer[]): { origin: string; generation: number; payload: Uint8Array; owners?: string; rebuilt: boolean; notice: boolean } | null {
  let rebuilt = false;
  let notice = false;
  let origin: string | null = null;
  let generation = NaN;
  let payload: Buffer | null = null;
  let owners: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i].toString();
    if (name === "o") origin = fields[i + 1].toString();
    else if (name === "g") generation = Number(fields[i + 1].toString());
    else if (name === "u") payload = fields[i + 1];
    else if (name === "w") owners = fields[i + 1].toString();
    else if (name === "r") rebuilt = true;
    else if (name === "n") notice = true;
  }
  if (origin === null || !Number.isInteger(generation) || !payload) return null;
  return { origin, generation, payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), owners, rebuilt, notice };
}
