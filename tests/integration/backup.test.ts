/**
 * Backups and restore against the real server: `npm run backup` (a separate
 * process) during a burst of board edits and API writes, `npm run restore`
 * into a stopped copy (and its refusals), and the server's own daily backup
 * in BACKUP_DIR with BACKUP_KEEP (the clock injected), which must not stop
 * the server answering while it copies a large database.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { getCard, updateCard } from "../../app/board/domain";
import { parseEnv } from "../../app/services/env.server";
import { checkDatabase, openReadOnly } from "../../db/backup";
import { openDatabase } from "../../db/client";
import { createAppServer } from "../../server/app";
import { restoreFrom, serverLockFile } from "../../server/backup";
import { makeAlliance } from "../factories";
import {
  apiCall,
  connectYjs,
  createClock,
  createTestDatabase,
  DAY_MS,
  loadRemixBuild,
  ROOT,
  runCommand,
  spawnServer,
  startTestServer,
  storedDoc,
  waitFor,
  type CommandRun,
  type SpawnedServer,
  type TestDatabase,
  type TestServer,
} from "./harness";

/** `npm run backup` / `npm run restore` as a person runs them: a process of their own. */
function runCli(command: "backup" | "restore", args: string[], databaseUrl: string): Promise<CommandRun> {
  return runCommand(`server/cli/${command}.ts`, args, { DATABASE_URL: databaseUrl, NODE_ENV: "production" });
}

function countRows(file: string, table: string): number {
  const db = openReadOnly(file);
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-backup-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("npm run backup and npm run restore", () => {
  let t: TestServer | null = null;
  let spawned: SpawnedServer | null = null;
  afterEach(async () => {
    await spawned?.stop();
    spawned = null;
    await t?.close();
    t = null;
  });

  it("a backup taken during a write burst keeps everything acknowledged before it started; the restored copy starts and serves; restore refuses while a server runs", async () => {
    t = await startTestServer({ WRITES_PER_SESSION_PER_MINUTE: "100000" });
    const { seed } = t;
    const boardId = seed.boardA.id;
    const a1 = await t.connect(boardId, { cookie: seed.cookies.memberA1 });
    const a2 = await t.connect(boardId, { cookie: seed.cookies.memberA2 });

    // The burst: two people edit titles of their own organisation's requests
    // over Yjs, a third posts comments over the API, until told to stop.
    let stop = false;
    const acked = new Map<number, { clock: number; title: string }>();
    const ackedComments: Array<{ id: string; at: number }> = [];
    const editLoop = async (client: typeof a1, cardId: string, who: string) => {
      for (let i = 0; !stop; i++) {
        const title = `${who} ${i}`;
        updateCard(client.doc, cardId, { title }, Date.now());
        if (i % 5 === 4) {
          const clock = Y.decodeStateVector(Y.encodeStateVector(client.doc)).get(client.doc.clientID) ?? 0;
          // Answered only after everything sent before is committed (README decision 4).
          await client.roundTrip();
          acked.set(client.doc.clientID, { clock, title });
        }
      }
    };
    const commentLoop = async () => {
      for (let i = 0; !stop; i++) {
        const res = await t!.api(`/api/boards/${boardId}/requests/${seed.boardA.cardIds[0]}/comments`, {
          cookie: seed.cookies.memberA1,
          body: { body: `Opmerking ${i}` },
        });
        expect(res.status).toBe(201);
        ackedComments.push({ id: res.body.id, at: Date.now() });
      }
    };
    const loops = Promise.all([editLoop(a1, seed.boardA.cardIds[0], "Anna"), editLoop(a2, seed.boardA.cardIds[1], "Bram"), commentLoop()]);

    await waitFor(() => acked.size === 2 && ackedComments.length >= 10, { timeout: 30_000, message: "burst under way" });
    // What was acknowledged before the backup started.
    const before = { edits: new Map(acked), comments: ackedComments.map((c) => c.id) };
    const backupStarted = Date.now();
    const backupFile = path.join(tempDir(), "alliantiebord-backup.sqlite");
    const backup = await runCli("backup", [backupFile], t.dbUrl);
    const backupEnded = Date.now();
    const duringBackup = ackedComments.filter((c) => c.at > backupStarted && c.at < backupEnded).length;
    stop = true;
    await loops;

    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain("integrity_check: ok");
    expect(backup.stdout).toContain("foreign_key_check: geen fouten");
    expect(backup.stdout).toMatch(/migraties: \d+ \(gelijk aan deze versie\)/);
    expect(backup.stdout).toMatch(/comments\s+\d+/);
    // The server kept writing while the backup ran.
    expect(duringBackup).toBeGreaterThan(0);
    // Nothing but the backup itself in its folder (the temporary file is gone).
    expect(fs.readdirSync(path.dirname(backupFile))).toEqual([path.basename(backupFile)]);

    // The copy on its own: sound, and nothing acknowledged before it started is missing.
    const inBackup = openReadOnly(backupFile);
    expect(checkDatabase(inBackup)).toMatchObject({ ok: true, integrity: ["ok"], foreignKeyViolations: 0, migrationState: "current" });
    inBackup.close();

    // A stopped installation with what a killed server leaves: a log with
    // commits not yet in the database file, and its shared-memory index.
    const install = tempDir();
    const installDb = path.join(install, "alliantiebord.sqlite");
    const running = openDatabase(`file:${path.join(install, "live.sqlite")}`, { migrate: true });
    running.sqlite.pragma("wal_autocheckpoint = 0");
    await makeAlliance(running.db, { name: "Alliantie van voor het herstel" });
    for (const suffix of ["", "-wal", "-shm"]) fs.copyFileSync(path.join(install, `live.sqlite${suffix}`), `${installDb}${suffix}`);
    // Another process (this one) has a database open: restore refuses.
    const busy = await runCli("restore", [backupFile], `file:${path.join(install, "live.sqlite")}`);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/herstellen geweigerd: proces \d+ heeft de database open/);
    running.close();
    for (const f of fs.readdirSync(install)) if (f.startsWith("live.sqlite")) fs.rmSync(path.join(install, f));

    const restored = await runCli("restore", [backupFile], `file:${installDb}`);
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("integrity_check: ok");
    const files = fs.readdirSync(install).sort();
    const aside = files.find((f) => /^alliantiebord\.sqlite\.before-restore-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/.test(f));
    expect(aside).toBeDefined();
    // The old database went aside with its log; no stale -wal or -shm beside the restored file.
    expect(files).toEqual(["alliantiebord.sqlite", aside, `${aside}-wal`].sort());
    const old = openDatabase(`file:${path.join(install, aside!)}`);
    expect(old.sqlite.prepare("SELECT name FROM alliances").all()).toEqual([{ name: "Alliantie van voor het herstel" }]);
    old.close();

    const after = openReadOnly(installDb);
    expect(checkDatabase(after).ok).toBe(true);
    const commentIds = new Set((after.prepare("SELECT id FROM comments").all() as Array<{ id: string }>).map((r) => r.id));
    after.close();
    expect(before.comments.filter((id) => !commentIds.has(id))).toEqual([]);
    expect(commentIds.size).toBeGreaterThanOrEqual(before.comments.length);
    const restoredDatabase = openDatabase(`file:${installDb}`);
    const doc = storedDoc(restoredDatabase.db, boardId);
    restoredDatabase.close();
    const sv = Y.decodeStateVector(Y.encodeStateVector(doc));
    for (const [clientId, { clock }] of before.edits) expect(sv.get(clientId) ?? 0).toBeGreaterThanOrEqual(clock);

    // The restored database starts (the real server process) and serves.
    spawned = await spawnServer({ databaseUrl: `file:${installDb}` });
    const boards = await apiCall(spawned.url, "/api/boards", { cookie: seed.cookies.memberA1 });
    expect(boards.status).toBe(200);
    expect(boards.body).toEqual([{ id: boardId, name: seed.boardA.name }]);
    const comments = await apiCall(spawned.url, `/api/boards/${boardId}/requests/${seed.boardA.cardIds[0]}/comments`, { cookie: seed.cookies.memberA1 });
    expect(comments.status).toBe(200);
    expect(comments.body.length).toBe(commentIds.size);
    const reader = await connectYjs(spawned.url, boardId, { cookie: seed.cookies.memberA2 });
    expect(getCard(reader.doc, seed.boardA.cardIds[0])?.title).toBe(getCard(doc, seed.boardA.cardIds[0])?.title);
    expect(getCard(reader.doc, seed.boardA.cardIds[1])?.title).toBe(getCard(doc, seed.boardA.cardIds[1])?.title);
    reader.destroy();

    // While it runs, restore refuses (its pid file) and leaves the database alone.
    expect(fs.readFileSync(serverLockFile(installDb), "utf8").trim()).toBe(String(spawned.child.pid));
    const statBefore = fs.statSync(installDb);
    const keptBefore = fs.readdirSync(install).filter((f) => f.includes("before-restore"));
    const refused = await runCli("restore", [backupFile], `file:${installDb}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`herstellen geweigerd: een server draait op deze database (pid ${spawned.child.pid}`);
    expect(fs.statSync(installDb).ino).toBe(statBefore.ino);
    expect(fs.readdirSync(install).filter((f) => f.includes("before-restore"))).toEqual(keptBefore);
    // A second server on the same database refuses to start.
    await expect(spawnServer({ databaseUrl: `file:${installDb}` })).rejects.toThrow(/Er draait al een server op/);

    const stopped = await spawned.stop();
    spawned = null;
    expect(stopped.forced).toBe(false);
    expect(fs.existsSync(serverLockFile(installDb))).toBe(false);
  });

  it("backup refuses to overwrite a file unless --force; restore refuses a damaged file, one from a newer release, one with unknown migrations and another program's database", async () => {
    const tdb = await createTestDatabase();
    try {
      const dir = tempDir();
      const file = path.join(dir, "b.sqlite");
      fs.writeFileSync(file, "iets anders");
      const refused = await runCli("backup", [file], tdb.url);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("bestaat al");
      expect(fs.readFileSync(file, "utf8")).toBe("iets anders");
      const forced = await runCli("backup", [file, "--force"], tdb.url);
      expect(forced.code).toBe(0);
      expect(countRows(file, "users")).toBe(countRows(tdb.file, "users"));
      expect(fs.readdirSync(dir)).toEqual(["b.sqlite"]);
      // Never over the database itself or its log, not even with --force (a running server would keep the old file open).
      const dbBytes = fs.readFileSync(tdb.file);
      for (const self of [tdb.file, `${tdb.file}-wal`, path.join(path.dirname(tdb.file), ".", path.basename(tdb.file))]) {
        const over = await runCli("backup", [self, "--force"], tdb.url);
        expect(over.code).toBe(1);
        expect(over.stderr).toContain("de database zelf");
      }
      expect(fs.readFileSync(tdb.file).equals(dbBytes)).toBe(true);

      const install = path.join(tempDir(), "db.sqlite");
      fs.copyFileSync(file, install);
      const installBytes = fs.readFileSync(install);

      // Damage: a page in the middle overwritten.
      const damaged = path.join(dir, "damaged.sqlite");
      const bytes = Buffer.from(fs.readFileSync(file));
      const pageSize = bytes.readUInt16BE(16);
      bytes.fill(0x5a, pageSize * 3 + 100, pageSize * 4);
      fs.writeFileSync(damaged, bytes);
      await expect(restoreFrom(damaged, install)).rejects.toThrow(/niet in orde|malformed|kon niet worden gecontroleerd/);

      // Not a database at all.
      const text = path.join(dir, "tekst.sqlite");
      fs.writeFileSync(text, "x".repeat(8192));
      await expect(restoreFrom(text, install)).rejects.toThrow();

      // From a newer release: a migration this code does not know.
      const newer = path.join(dir, "newer.sqlite");
      fs.copyFileSync(file, newer);
      const n = openDatabase(`file:${newer}`);
      n.sqlite.prepare(`INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('ffff', ?)`).run(Date.now() + DAY_MS * 365);
      n.close();
      await expect(restoreFrom(newer, install)).rejects.toThrow(/nieuwere versie/);

      // A migration this code does not know (another fork's), and a SQLite file of another program.
      const foreign = path.join(dir, "foreign.sqlite");
      fs.copyFileSync(file, foreign);
      const f = openDatabase(`file:${foreign}`);
      f.sqlite.prepare(`UPDATE __drizzle_migrations SET hash = 'anders' WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)`).run();
      f.close();
      await expect(restoreFrom(foreign, install)).rejects.toThrow(/migraties die deze versie niet kent/);
      const other = path.join(dir, "other.sqlite");
      const o = openDatabase(`file:${other}`);
      o.sqlite.exec("CREATE TABLE notes (body TEXT)");
      o.close();
      await expect(restoreFrom(other, install)).rejects.toThrow(/geen tabel __drizzle_migrations/);

      // None of the refusals touched the installation.
      expect(fs.readFileSync(install).equals(installBytes)).toBe(true);
      expect(fs.readdirSync(path.dirname(install))).toEqual(["db.sqlite"]);
    } finally {
      tdb.cleanup();
    }
  });
});

describe("BACKUP_DIR: the server's daily backup", () => {
  let tdb: TestDatabase | null = null;
  let server: ReturnType<typeof createAppServer> | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
    tdb?.cleanup();
    tdb = null;
    vi.restoreAllMocks();
  });

  it("takes the first shortly after start, one a day, named by date, keeps the last BACKUP_KEEP of its own files only", async () => {
    tdb = await createTestDatabase();
    const dir = path.join(tempDir(), "backups");
    fs.mkdirSync(dir);
    // Someone else's files in the folder, and an old backup of ours.
    fs.writeFileSync(path.join(dir, "notities.txt"), "blijft");
    fs.writeFileSync(path.join(dir, "alliantiebord-2020-01-01.sqlite.bak"), "blijft");
    fs.copyFileSync(tdb.file, path.join(dir, "alliantiebord-2020-01-01.sqlite"));
    const logged: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(String(line)));

    const clock = createClock();
    const env = parseEnv({ DATABASE_URL: tdb.url, HOST: "127.0.0.1", NODE_ENV: "test", LOG_LEVEL: "info", BACKUP_DIR: dir, BACKUP_KEEP: "3" });
    server = createAppServer({ env, database: tdb.database, now: clock.now, backups: { firstDelayMs: 0 } });
    const name = (ms: number) => {
      const d = new Date(ms);
      return `alliantiebord-${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}.sqlite`;
    };
    const today = name(clock.now());
    await waitFor(() => fs.existsSync(path.join(dir, today)), { message: "first backup after start" });
    await waitFor(() => logged.some((l) => l.includes('"backup taken"')), { message: "backup logged" });
    const entry = JSON.parse(logged.find((l) => l.includes('"backup taken"'))!);
    expect(entry).toMatchObject({ lvl: "info", file: path.join(dir, today), integrity: "ok", rows: { users: countRows(tdb.file, "users") } });

    // Again the same day: nothing new.
    expect(await server.backups!.runIfDue()).toBeNull();

    const taken = [today];
    for (let day = 1; day <= 4; day++) {
      clock.advance(DAY_MS);
      const file = await server.backups!.runIfDue();
      expect(file).toBe(path.join(dir, name(clock.now())));
      taken.push(name(clock.now()));
    }
    // Five of ours were taken, plus the old one: the newest three stay; other files are left alone.
    expect(fs.readdirSync(dir).sort()).toEqual(["alliantiebord-2020-01-01.sqlite.bak", "notities.txt", ...taken.slice(-3)].sort());
    for (const f of taken.slice(-3)) {
      const copy = openReadOnly(path.join(dir, f));
      expect(checkDatabase(copy)).toMatchObject({ ok: true, migrationState: "current" });
      copy.close();
    }
  });

  it("the server keeps answering while it copies a large database", async () => {
    tdb = await createTestDatabase();
    // About 40 MB of rows the copy has to go through.
    tdb.database.sqlite.exec("CREATE TABLE ballast (b BLOB)");
    tdb.database.sqlite
      .prepare("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) INSERT INTO ballast SELECT randomblob(4000) FROM n")
      .run();
    const dir = path.join(tempDir(), "backups");
    let steps = 0;
    let totalPages = 0;
    const env = parseEnv({ DATABASE_URL: tdb.url, HOST: "127.0.0.1", NODE_ENV: "test", LOG_LEVEL: "error", BACKUP_DIR: dir });
    server = createAppServer({
      env,
      database: tdb.database,
      build: await loadRemixBuild(),
      publicDir: path.join(ROOT, "public"),
      // Only when the test asks.
      backups: { firstDelayMs: 3600_000, onStep: (p) => ((steps += 1), (totalPages = p.totalPages)) },
    });
    const { port } = await server.listen(0, "127.0.0.1");
    const url = `http://127.0.0.1:${port}`;
    const cookie = tdb.seed.cookies.memberA1;

    // The same requests without a backup first: what the loaded machine itself costs.
    const idle = monitorEventLoopDelay({ resolution: 5 });
    idle.enable();
    let idleSlowest = 0;
    for (let i = 0; i < 40; i++) {
      const started = Date.now();
      expect((await apiCall(url, "/api/boards", { cookie })).status).toBe(200);
      idleSlowest = Math.max(idleSlowest, Date.now() - started);
    }
    idle.disable();

    let done = false;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const backup = server.backups!.runIfDue().finally(() => (done = true));
    let answered = 0;
    let slowest = 0;
    while (!done) {
      const started = Date.now();
      const res = await apiCall(url, "/api/boards", { cookie });
      expect(res.status).toBe(200);
      if (!done) answered++;
      slowest = Math.max(slowest, Date.now() - started);
    }
    const file = await backup;
    loop.disable();
    expect(file).not.toBeNull();
    // Figures, not assertions (a loaded machine): the event loop's longest stall is this process's, test client included.
    const ms = (ns: number) => (ns / 1e6).toFixed(0);
    console.info(
      `backup of ${((totalPages * 4096) / 1e6).toFixed(0)} MB in ${steps} steps; ${answered} API answers during it, slowest ${slowest} ms; ` +
        `event loop delay max ${ms(loop.max)} ms, p99 ${ms(loop.percentile(99))} ms (without a backup: slowest answer ${idleSlowest} ms, delay max ${ms(idle.max)} ms, p99 ${ms(idle.percentile(99))} ms)`,
    );
    expect(totalPages).toBeGreaterThan(9000);
    expect(steps).toBeGreaterThan(50);
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(countRows(file!, "ballast")).toBe(10000);

    // Stopping the server during a backup abandons it: no half file under any name.
    fs.rmSync(file!);
    const stepsBefore = steps;
    const abandoned = server.backups!.runIfDue();
    await waitFor(() => steps > stepsBefore + 5, { message: "second backup under way" });
    await server.close();
    server = null;
    expect(await abandoned).toBeNull();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
