/**
 * What the custom server hands to every Remix loader and action: the database,
 * the live board rooms and the validated environment. Routes reach the world
 * only through these services, so the same rules apply on pages, API and sockets.
 */
import type * as Y from "yjs";
import type { AsyncDb, DB } from "../../db/client";
import type { Env } from "./env.server";

export interface BoardRooms {
  /**
   * Run domain operations on a board's live document: loads it if nobody has
   * it open, commits the resulting updates to SQLite and broadcasts them, and
   * unloads it again when no client is connected.
   */
  withDoc<T>(boardId: string, fn: (doc: Y.Doc) => T, origin?: unknown): Promise<T>;
  /**
   * Read a board's live document (loading it if needed, on either room
   * storage), without changing it. `fn` runs synchronously on the document.
   */
  readDoc<T>(boardId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /**
   * Replace a board's document (app/services/rebuild.server.ts): the
   * board's ticks are held (nothing of it committed or broadcast), and `fn`
   * gets the live document (an empty one when it is not loaded here) and
   * its generation (null when it is known current), and stores the
   * replacement in one transaction, returning the new generation. Afterwards the live room is dropped unstored and every
   * connection closed with 4410 ("rebuilt": drop your copy, load again).
   * When `fn` throws nothing changes.
   */
  rebuild<T extends { generation: number }>(boardId: string, fn: (current: Y.Doc, generation: number | null) => Promise<T>): Promise<T>;
  /** Close every open connection of a person (access removed, logged out). */
  disconnectUser(userId: string, reason?: string): void;
  /** Close every connection of a board; they reconnect and are judged again (archived: read-only). */
  reconnectBoard(boardId: string, reason?: string): void;
  /** Close the connections opened with these sessions (stored session ids) only: "log out everywhere else". */
  disconnectSessions(sessionIds: readonly string[], reason?: string): void;
  /**
   * The people on a board now (its live document's connections whose
   * presence is shown; those who hid it are left out), each once.
   */
  presentUsers(boardId: string): PresentPerson[];
  /**
   * The rooms keep who holds which request in memory (the asynchronous
   * storage, PostgreSQL): a move that claims or releases is decided (awaited)
   * before the document is changed. Absent or false: decided in SQL inside
   * the document's synchronous step (SQLite).
   */
  readonly holdersAsync?: boolean;
  /**
   * Who holds these requests of a board changed (every request of it
   * without `requestIds`): the rooms that keep holders in memory, here and
   * on the other servers, read them again. Resolves once this server's have.
   */
  holdersChanged?(boardId: string, requestIds?: readonly string[]): Promise<void>;
}

/** A person on a board, as the presence knows them. */
export interface PresentPerson {
  id: string;
  name: string;
  organisationId: string;
}

/** Server-decided events to the browsers (socket.io), one channel per board, per organisation and per person. */
export interface Broadcaster {
  toBoard(boardId: string, event: string, payload: unknown): void;
  toOrganisation(orgId: string, event: string, payload: unknown): void;
  /** Every open connection of one person (their notifications). */
  toUser(userId: string, event: string, payload: unknown): void;
}

/** One e-mail, written in full by the feature that sends it (see mail-layout.server.ts). */
export interface OutgoingMail {
  /**
   * What makes it one mail: enqueueing the same key again is ignored, so a
   * notification is never sent twice (e.g. `referral:<referralId>:<userId>`).
   */
  key: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers (List-Unsubscribe for notifications). */
  headers?: Record<string, string>;
}

/** The outgoing mail port: a queue in the database, sent by a worker with retries (or nothing, when mail is off). */
export interface Mailer {
  /** SMTP_URL and MAIL_FROM are set. When false, enqueue does nothing and the UI says where mail would have helped. */
  readonly enabled: boolean;
  /**
   * Queue a mail; false when mail is off or this key was queued before.
   * Inside a transaction of the asynchronous layer pass its handle (`h`):
   * the row is written in it, and the sender is not woken (call `wake()`
   * once the transaction has committed). The services' own handle
   * (`svc.async`) may be passed as well: then it is an ordinary enqueue.
   */
  enqueue(mail: OutgoingMail, h?: AsyncDb): Promise<boolean>;
  /** Wake the sender for mails queued inside a transaction that has committed. */
  wake(): void;
}

export interface AppServices {
  /**
   * SQLite's synchronous handle, for the synchronous paths that stay SQLite's
   * own (the room's holders read inside its step, the API's move judged in
   * one withDoc, the WAL checkpoint): absent on a PostgreSQL server, where
   * those paths take their asynchronous forms (`rooms.holdersAsync`). Reach
   * it through `sqliteOf(svc)`.
   */
  db?: DB;
  /** The asynchronous layer (db/ modules moved to it take this; decision 001). */
  async: AsyncDb;
  mail: Mailer;
  rooms: BoardRooms;
  realtime: Broadcaster;
  env: Env;
  now: () => number;
  /** The server's log (server/log.ts); absent in a command, where logFailure (log.server.ts) writes to stderr. */
  log?: ServiceLog;
}

/** One JSON line per event, as the server writes them. */
export interface ServiceLog {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

declare module "@remix-run/node" {
  interface AppLoadContext {
    services: AppServices;
  }
}

export function services(context: { services?: AppServices }): AppServices {
  if (!context.services) throw new Error("The Remix app must be served by server/index.ts");
  return context.services;
}

/** SQLite's synchronous handle for a path only SQLite takes; an error that names it when a PostgreSQL server reaches one. */
export function sqliteOf(svc: Pick<AppServices, "db">, what: string): DB {
  if (!svc.db) throw new Error(`${what} runs on SQLite only: this server runs on PostgreSQL, where the asynchronous path is taken`);
  return svc.db;
}
