/**
 * Backups and restore around the SQLite file: one backup (`npm run backup`,
 * and the server's own daily one in BACKUP_DIR), one restore (`npm run
 * restore`), and the lock that tells a restore a server is running.
 *
 * A backup is written under a temporary name next to its target, checked
 * (db/backup.ts: integrity, foreign keys, migrations, rows) and only then
 * given its name, so a file with a backup's name is always a whole, checked
 * copy. The SQL itself lives in db/backup.ts.
 */
import type Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { appliedMigrations, checkDatabase, checkFile, copyDatabase, openReadOnly, quickCheck, type AppliedMigration, type DatabaseCheck } from "../db/backup";
import type { ClusterLock } from "./cluster/lock";
import { workerThread } from "./files";
import type { Logger } from "./sync/types";

/** A refusal or failed check, with a message for the person at the command line. */
export class BackupError extends Error {}

// ---------------------------------------------------------------- files

/** fsync on libuv's thread pool: a large file's flush must not stall the server. */
async function fsyncPath(p: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(p, "r");
    await handle.sync();
  } catch {
    /* a folder that cannot be opened for sync (some filesystems): best effort */
  } finally {
    await handle?.close();
  }
}

function removeQuietly(p: string): void {
  try {
    fs.rmSync(p, { force: true });
  } catch {
    /* already gone */
  }
}

/** A temporary copy and whatever SQLite kept beside it. */
function removeTemporary(file: string): void {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) removeQuietly(`${file}${suffix}`);
}

/** `2026-12-02T15-04-05Z`: a moment as part of a file name. */
export function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
}

/** Give `tmp` the name `target`: never over an existing file unless `force`. */
function publish(tmp: string, target: string, force: boolean): void {
  if (force) {
    fs.renameSync(tmp, target);
    return;
  }
  try {
    // A hard link fails when the target exists: no window in which a check-then-rename could overwrite.
    fs.linkSync(tmp, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new BackupError(`${target} bestaat al; kies een andere naam of gebruik --force`);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw e;
    // A filesystem without hard links.
    if (fs.existsSync(target)) throw new BackupError(`${target} bestaat al; kies een andere naam of gebruik --force`);
    fs.renameSync(tmp, target);
    return;
  }
  fs.unlinkSync(tmp);
}

// ---------------------------------------------------------------- the check, off the event loop

/** backup-check-worker.mjs, loading db/backup.ts (through tsx, or build/server/backup.js). */
const CHECK = workerThread("server/backup-check-worker.mjs", "db/backup.ts");

/**
 * checkFile in a worker thread: integrity_check reads every page of the
 * copy (0.4 s for 40 MB here, seconds for a large database), which must not
 * stall a running server. Aborting terminates the worker.
 */
export function checkFileOffThread(file: string, opts: { expectMigrations?: AppliedMigration[] }, signal?: AbortSignal): Promise<DatabaseCheck> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new BackupError("afgebroken"));
    const worker = new Worker(CHECK.entry, { execArgv: [], workerData: { module: CHECK.module, tsx: CHECK.tsx, file, opts } });
    const onAbort = () => void worker.terminate();
    signal?.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      fn();
    };
    worker.once("message", (m: { check?: DatabaseCheck; error?: string }) => {
      settle(() => (m.check ? resolve(m.check) : reject(new BackupError(`controle mislukt: ${m.error}`))));
      void worker.terminate();
    });
    worker.once("error", (e) => settle(() => reject(e)));
    worker.once("exit", (code) => settle(() => reject(new BackupError(signal?.aborted ? "afgebroken" : `controle gestopt (${code})`))));
  });
}

// ---------------------------------------------------------------- one backup

export interface BackupResult {
  file: string;
  check: DatabaseCheck;
  ms: number;
}

/** The path as the file system knows it (symbolic links followed, also of its folder when the file is not there). */
function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(file)), path.basename(file));
    } catch {
      return path.resolve(file);
    }
  }
}

/** Whether `target` is the database file of `source` or one of its -wal, -shm or -journal files. */
function isDatabaseFile(source: Database.Database, target: string): boolean {
  if (source.memory || !source.name) return false;
  const db = realPath(source.name);
  const t = realPath(target);
  return [db, `${db}-wal`, `${db}-shm`, `${db}-journal`].includes(t);
}

/**
 * Back up the database behind `source` into `file`: copied with SQLite's
 * backup API under a temporary name in the same folder, checked (its
 * migrations must be exactly the source's), flushed to disk and renamed.
 * Refuses an existing `file` unless `force`.
 */
export async function backupTo(
  source: Database.Database,
  file: string,
  opts: {
    force?: boolean;
    pagesPerStep?: number;
    onStep?: (p: { totalPages: number; remainingPages: number }) => void;
    /** Check the copy in a worker thread (a running server), not in this thread. */
    checkOffThread?: boolean;
    /** Abandon the backup (its temporary file removed). */
    signal?: AbortSignal;
  } = {},
): Promise<BackupResult> {
  const started = Date.now();
  const target = path.resolve(file);
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) throw new BackupError(`de map ${dir} bestaat niet`);
  // Even with --force, never the database itself or its -wal/-shm: renamed over them under a running server,
  // the server's open file and its log would no longer belong together.
  if (isDatabaseFile(source, target)) throw new BackupError(`${target} is de database zelf; kies een andere naam`);
  if (!opts.force && fs.existsSync(target)) throw new BackupError(`${target} bestaat al; kies een andere naam of gebruik --force`);
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}`);
  const expect = appliedMigrations(source) ?? [];
  try {
    await copyDatabase(source, tmp, {
      pagesPerStep: opts.pagesPerStep,
      onStep: (p) => {
        if (opts.signal?.aborted) throw new BackupError("afgebroken");
        opts.onStep?.(p);
      },
    });
    const check = opts.checkOffThread
      ? await checkFileOffThread(tmp, { expectMigrations: expect }, opts.signal)
      : checkFile(tmp, { expectMigrations: expect });
    if (!check.ok) throw new BackupError(`de kopie is niet in orde:\n  ${check.problems.join("\n  ")}`);
    await fsyncPath(tmp);
    if (opts.signal?.aborted) throw new BackupError("afgebroken");
    publish(tmp, target, !!opts.force);
    await fsyncPath(dir);
    return { file: target, check, ms: Date.now() - started };
  } finally {
    removeTemporary(tmp);
  }
}

// ---------------------------------------------------------------- is a server running?

/** The file a running server keeps beside its database, with its process id. */
export function serverLockFile(dbFile: string): string {
  return `${path.resolve(dbFile)}.pid`;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockHolder(dbFile: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(serverLockFile(dbFile), "utf8");
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return pid !== process.pid && alive(pid) ? pid : null;
}

/**
 * Processes (other than this one) that have the database or its log open,
 * read from /proc (Linux; processes of other users are not visible without
 * root, which is why the server also keeps its pid file).
 */
export function processesUsing(dbFile: string): number[] {
  const wanted = new Set([path.resolve(dbFile), `${path.resolve(dbFile)}-wal`]);
  try {
    wanted.add(fs.realpathSync(dbFile));
  } catch {
    /* no such file */
  }
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (wanted.has(target)) {
        found.push(Number(entry));
        break;
      }
    }
  }
  return found;
}

/** Why this database is in use right now, or null when nothing uses it. */
export function databaseInUse(dbFile: string): string | null {
  const holder = lockHolder(dbFile);
  if (holder !== null) return `een server draait op deze database (pid ${holder}, ${serverLockFile(dbFile)})`;
  const users = processesUsing(dbFile);
  if (users.length) return `proces ${users.join(", ")} heeft de database open`;
  return null;
}

/**
 * Claim the database for this server: writes `<db>.pid` with this process's
 * id, refuses when a live server already holds it (a stale file of a killed
 * server is taken over). `release()` on shutdown.
 */
export function holdServerLock(dbFile: string): { release(): void } {
  if (dbFile === ":memory:") return { release() {} };
  const lock = serverLockFile(dbFile);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      // Created only if absent: of two servers starting at once, one wins.
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw e;
      const holder = lockHolder(dbFile);
      if (holder !== null) throw new Error(`Er draait al een server op ${dbFile} (pid ${holder}); zie ${lock}`);
      // Left by a server that was killed: take it over.
      fs.rmSync(lock, { force: true });
    }
  }
  return {
    release() {
      try {
        if (fs.readFileSync(lock, "utf8").trim() === String(process.pid)) fs.unlinkSync(lock);
      } catch {
        /* gone already */
      }
    },
  };
}

// ---------------------------------------------------------------- restore

export interface RestoreResult {
  check: DatabaseCheck;
  /** Where the database that was there before now is, or null when there was none. */
  aside: string | null;
}

/**
 * Put a backup in place of the database of a stopped installation: refuses
 * while anything has the database open; checks the backup (this code's
 * migrations or an earlier release's, which the next start applies); copies
 * it beside the database and checks the copy; moves the current database
 * (with its -wal, which belongs to it) aside as
 * `<db>.before-restore-<time>`, removes its -shm, and renames the copy into
 * place.
 */
export async function restoreFrom(backupFile: string, dbFile: string, now = Date.now()): Promise<RestoreResult> {
  const db = path.resolve(dbFile);
  const busy = databaseInUse(db);
  if (busy) throw new BackupError(`herstellen geweigerd: ${busy}. Stop de server eerst.`);
  if (!fs.existsSync(backupFile)) throw new BackupError(`${backupFile} bestaat niet`);
  if (path.resolve(backupFile) === db) throw new BackupError("de back-up is de database zelf");

  let source: Database.Database;
  try {
    source = openReadOnly(backupFile);
  } catch (e) {
    throw new BackupError(`${backupFile} is geen leesbare SQLite-database (${(e as Error).message})`);
  }
  const tmp = `${db}.restore-tmp-${process.pid}`;
  let check: DatabaseCheck;
  try {
    try {
      check = checkDatabase(source);
    } catch (e) {
      throw new BackupError(`${backupFile} kon niet worden gecontroleerd (${(e as Error).message})`);
    }
    if (!check.ok) throw new BackupError(`de back-up is niet in orde:\n  ${check.problems.join("\n  ")}`);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    await copyDatabase(source, tmp);
  } catch (e) {
    removeTemporary(tmp);
    throw e;
  } finally {
    source.close();
  }

  try {
    const copy = openReadOnly(tmp);
    try {
      const result = quickCheck(copy);
      if (result !== "ok") throw new BackupError(`de kopie naast de database is niet in orde: ${result}`);
    } finally {
      copy.close();
    }
    await fsyncPath(tmp);
    // Someone may have started the server while we copied.
    const late = databaseInUse(db);
    if (late) throw new BackupError(`herstellen geweigerd: ${late}. Stop de server eerst.`);

    let aside: string | null = null;
    const stamp = fileStamp(now);
    if (fs.existsSync(db)) {
      aside = `${db}.before-restore-${stamp}`;
      fs.renameSync(db, aside);
      // The log holds commits of that database: it goes with it (opening the kept file reads it).
      if (fs.existsSync(`${db}-wal`)) fs.renameSync(`${db}-wal`, `${aside}-wal`);
    } else if (fs.existsSync(`${db}-wal`)) {
      // A log without its database: never let SQLite apply it to the restored file.
      fs.renameSync(`${db}-wal`, `${db}-wal.before-restore-${stamp}`);
    }
    removeQuietly(`${db}-shm`);
    removeQuietly(`${db}-journal`);
    fs.renameSync(tmp, db);
    await fsyncPath(path.dirname(db));
    return { check, aside };
  } finally {
    removeTemporary(tmp);
  }
}

// ---------------------------------------------------------------- the server's daily backup

const DAILY = /^alliantiebord-(\d{4})-(\d{2})-(\d{2})\.sqlite$/;
const DAILY_TMP = /^\.alliantiebord-\d{4}-\d{2}-\d{2}\.sqlite\.tmp-/;

/** The daily backup's file name for the server's local date at `ms`. */
export function dailyBackupName(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `alliantiebord-${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}.sqlite`;
}

/** Remove all but the newest `keep` daily backups in `dir` (only files named like ours). */
export function pruneDailyBackups(dir: string, keep: number): string[] {
  const ours = fs
    .readdirSync(dir)
    .filter((f) => DAILY.test(f))
    .sort();
  const removed = ours.slice(0, Math.max(0, ours.length - keep));
  for (const f of removed) fs.rmSync(path.join(dir, f), { force: true });
  return removed;
}

export interface DailyBackupOptions {
  sqlite: Database.Database;
  dir: string;
  keep: number;
  log: Logger;
  now: () => number;
  /** Delay of the first look after start (default one minute). */
  firstDelayMs?: number;
  /** How often it looks whether today's backup is there (default every hour). */
  checkEveryMs?: number;
  /** Pages per step of the copy; the event loop runs between steps (default 100, 400 KB). */
  pagesPerStep?: number;
  /** Called after each step of a copy (tests watch a backup in progress). */
  onStep?: (p: { totalPages: number; remainingPages: number }) => void;
  /**
   * Several servers: the backup is taken by the holder of the cluster lock
   * `backup` (server/cluster/lock.ts); with Redis it keeps the lock until the
   * day ends once the day's backup is there, so no other server takes one
   * that day (in its own folder).
   */
  lock?: ClusterLock;
}

export interface DailyBackups {
  /** Take today's backup unless it is there; resolves with its path, or null when none was due or it failed (logged). */
  runIfDue(): Promise<string | null>;
  /** Stop the timers; a backup in progress is abandoned (its temporary file removed). */
  stop(): Promise<void>;
}

/**
 * The server's own backups: shortly after start and then every hour it
 * looks whether BACKUP_DIR has today's `alliantiebord-YYYY-MM-DD.sqlite`;
 * if not, it copies the database through the server's own connection in
 * small steps (writes during the copy are carried into it by SQLite, and
 * the server keeps answering between steps), checks the copy, and keeps the
 * newest BACKUP_KEEP of its own files.
 */
export function startDailyBackups(o: DailyBackupOptions): DailyBackups {
  let inFlight: Promise<string | null> | null = null;
  let stopped = false;
  const abort = new AbortController();
  const pagesPerStep = o.pagesPerStep ?? 100;

  const run = async (): Promise<string | null> => {
    const name = dailyBackupName(o.now());
    const target = path.join(o.dir, name);
    try {
      fs.mkdirSync(o.dir, { recursive: true });
      if (fs.existsSync(target)) return null;
      // Temporary files a killed server left behind (only ours; one server per folder).
      for (const f of fs.readdirSync(o.dir)) if (DAILY_TMP.test(f)) removeQuietly(path.join(o.dir, f));
      const result = await backupTo(o.sqlite, target, {
        pagesPerStep,
        onStep: o.onStep,
        checkOffThread: true,
        signal: abort.signal,
      });
      const removed = pruneDailyBackups(o.dir, o.keep);
      o.log.info("backup taken", {
        file: result.file,
        ms: result.ms,
        bytes: result.check.bytes,
        integrity: result.check.integrity.join(";"),
        migrations: result.check.migrations.length,
        rows: Object.fromEntries(result.check.counts.map((c) => [c.table, c.rows])),
        removed,
      });
      return result.file;
    } catch (e) {
      if (!stopped) o.log.error("backup failed", { file: target, error: (e as Error).message });
      return null;
    }
  };

  // Until the server's next local midnight, when a new day's backup is due.
  const untilTomorrow = (ms: number) => {
    const d = new Date(ms);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() - ms;
  };
  const runOnce = async (): Promise<string | null> => {
    if (!o.lock) return run();
    const today = o.now();
    const r = await o.lock.run("backup", run, {
      // Across servers (their folders may differ): kept for the rest of the day once the day's backup is there; let go at
      // once after a failure, so another may try. One server alone goes by its folder (a removed file is taken again).
      keepMs: (file) =>
        o.lock?.kind === "redis" && (file || fs.existsSync(path.join(o.dir, dailyBackupName(today)))) ? untilTomorrow(o.now()) : 0,
    });
    return r.ran ? r.value : null;
  };

  const runIfDue = (): Promise<string | null> => {
    if (stopped) return Promise.resolve(null);
    inFlight ??= runOnce().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const first = setTimeout(() => void runIfDue(), o.firstDelayMs ?? 60_000);
  first.unref();
  const every = setInterval(() => void runIfDue(), o.checkEveryMs ?? 3600_000);
  every.unref();

  return {
    runIfDue,
    async stop() {
      stopped = true;
      abort.abort();
      clearTimeout(first);
      clearInterval(every);
      await inFlight;
    },
  };
}

/** Render a check for people: the lines the command line prints. */
export function describeCheck(check: DatabaseCheck): string[] {
  const width = Math.max(...check.counts.map((c) => c.table.length), 5);
  const state = {
    current: "gelijk aan deze versie",
    older: `van een eerdere versie: ${check.pendingMigrations} migratie(s) worden bij de start toegepast`,
    newer: "van een nieuwere versie",
    unknown: "onbekend",
  }[check.migrationState];
  return [
    `integrity_check: ${check.integrity.join("; ")}`,
    `foreign_key_check: ${check.foreignKeyViolations === 0 ? "geen fouten" : `${check.foreignKeyViolations} fout(en)`}`,
    `migraties: ${check.migrations.length} (${state})`,
    `rijen per tabel:`,
    ...check.counts.map((c) => `  ${c.table.padEnd(width)}  ${String(c.rows).padStart(8)}`),
    `grootte: ${(check.bytes / 1024 / 1024).toFixed(1)} MB`,
  ];
}
