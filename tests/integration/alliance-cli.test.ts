/**
 * Starting from nothing, with the real commands as an operator runs them
 * (node --import tsx server/cli/…, each a process of its own, on a temporary
 * database file): `npm run setup` with SEED_DEMO=false creates nothing;
 * `npm run alliance -- create` makes an alliance whose setup link works
 * once on the real server; `list` shows it; bad arguments and a taken name
 * are refused. `npm run demo -- remove` refuses while a server runs, then
 * erases exactly the demo: every row of the other alliance stays as it was,
 * no row anywhere and no byte of the file names the demo any more.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../../db/client";
import { DEMO_ORGS, DEMO_PEOPLE } from "../../db/demo-data";
import { makeBoard, makeOrganisation, makeSessionCookie, makeUser } from "../factories";
import { apiCall, freePort, postForm, runCommand, spawnServer, type CommandRun, type SpawnedServer } from "./harness";

// Every command is a process of its own (a second or more each on a loaded machine).
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/** A command as `npm run <x>` runs it, without mail settings, with this environment on top of ours. */
function run(script: string, args: string[], env: Record<string, string>): Promise<CommandRun> {
  return runCommand(script, args, { SMTP_URL: "", MAIL_FROM: "", PUBLIC_URL: "", ...env });
}

const dirs: string[] = [];
function tempDb(): { file: string; url: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-cli-"));
  dirs.push(dir);
  const file = path.join(dir, "cli.sqlite");
  return { file, url: `file:${file}` };
}

const servers: SpawnedServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tableNames(db: Database.Database): string[] {
  return (db.prepare("select name from sqlite_schema where type = 'table' and name not like 'sqlite_%'").all() as Array<{ name: string }>).map((r) => r.name);
}

function rowCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(tableNames(db).map((t) => [t, (db.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

describe("npm run setup with SEED_DEMO=false", () => {
  it("migrates and creates nothing", async () => {
    const { file, url } = tempDb();
    const r = await run("db/setup.ts", [], { DATABASE_URL: url, SEED_DEMO: "false" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("zonder demo");
    const counts = rowCounts(file);
    expect(counts.__drizzle_migrations).toBeGreaterThan(0);
    const { __drizzle_migrations: _, ...rest } = counts;
    expect(Object.values(rest).every((n) => n === 0), JSON.stringify(rest)).toBe(true);
  });
});

describe("npm run alliance", () => {
  let db: { file: string; url: string };
  let port: number;
  let publicUrl: string;
  let link: string;

  beforeAll(async () => {
    db = tempDb();
    port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    expect((await run("db/setup.ts", [], { DATABASE_URL: db.url, SEED_DEMO: "false" })).code).toBe(0);
  });

  it("refuses missing and wrong arguments with exit code 2", async () => {
    const env = { DATABASE_URL: db.url };
    const [none, missing, unknown, badMail, verb] = await Promise.all([
      run("server/cli/alliance.ts", [], env),
      run("server/cli/alliance.ts", ["create", "--name", "Laarne-Kalken"], env),
      run("server/cli/alliance.ts", ["create", "--name", "A B", "--coordinator-email", "a@b.nl", "--coordinator-name", "Anna", "--colour", "red"], env),
      run("server/cli/alliance.ts", ["create", "--name", "Laarne-Kalken", "--coordinator-email", "geen-adres", "--coordinator-name", "Anna"], env),
      run("server/cli/alliance.ts", ["destroy"], env),
    ]);
    expect(none.code).toBe(2);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--coordinator-email");
    expect(missing.stderr).toContain("--coordinator-name");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--colour");
    expect(badMail.code).toBe(2);
    expect(badMail.stderr).toContain("--coordinator-email");
    expect(verb.code).toBe(2);
    // Nothing half-made by the refusals.
    expect(rowCounts(db.file).alliances).toBe(0);
  });

  it("a database it cannot reach: exit 1 and one line that says so, without a stack or the URL's password", async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const env = { DATABASE_URL: "postgres://alliantiebord:geheim-wachtwoord@127.0.0.1:1/alliantiebord" };
    const [create, list] = await Promise.all([
      run("server/cli/alliance.ts", ["create", "--name", "Laarne-Kalken", "--coordinator-email", "anna@laarne.example", "--coordinator-name", "Anna"], env),
      run("server/cli/alliance.ts", ["list"], env),
    ]);
    for (const r of [create, list]) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("Mislukt / failed: de database is niet bereikbaar / the database could not be reached (postgres://alliantiebord:***@127.0.0.1:1/alliantiebord)");
      expect(r.stderr).toContain("ECONNREFUSED");
      expect(r.stderr).not.toContain("geheim-wachtwoord");
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it("creates the alliance, its organisation, an empty board and the coordinator's one-time link", async () => {
    const r = await run(
      "server/cli/alliance.ts",
      ["create", "--name", "Laarne-Kalken", "--coordinator-email", "Anna@Laarne.example", "--coordinator-name", "Anna de Vries", "--organisation", "Vluchtelingenwerkgroep Laarne-Kalken"],
      { DATABASE_URL: db.url, PUBLIC_URL: publicUrl },
    );
    expect(r.code, r.stderr).toBe(0);
    const m = new RegExp(`${publicUrl}/uitnodiging/[A-Za-z0-9_-]{43}`).exec(r.stdout);
    expect(m, r.stdout).toBeTruthy();
    link = m![0];
    expect(r.stdout).toContain("laarne-kalken");
    expect(r.stdout).toContain("E-mail staat uit");
    const check = new Database(db.file, { readonly: true });
    const alliance = check.prepare("select * from alliances").get() as Record<string, unknown>;
    expect(alliance).toMatchObject({ name: "Laarne-Kalken", slug: "laarne-kalken", demo: 0 });
    expect(String(alliance.match_secret).length).toBeGreaterThanOrEqual(40);
    expect(check.prepare("select name from organisations").all()).toEqual([{ name: "Vluchtelingenwerkgroep Laarne-Kalken" }]);
    expect(check.prepare("select name from boards").all()).toEqual([{ name: "Hulpvragen" }]);
    expect(check.prepare("select email, role from invitations").all()).toEqual([{ email: "anna@laarne.example", role: "coordinator" }]);
    expect(check.prepare("select count(*) as n from users").get()).toEqual({ n: 0 });
    check.close();
  });

  it("refuses a second alliance with the same name or slug (exit code 1), without making anything", async () => {
    const before = rowCounts(db.file);
    for (const name of ["Laarne-Kalken", "laarne kalken", "LAARNE-KALKEN"]) {
      const r = await run("server/cli/alliance.ts", ["create", "--name", name, "--coordinator-email", "piet@laarne.example", "--coordinator-name", "Piet"], {
        DATABASE_URL: db.url,
      });
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toContain("al in gebruik");
    }
    expect(rowCounts(db.file)).toEqual(before);
  });

  it("lists the alliances", async () => {
    // With mail configured: the invitation is queued for the server's worker (the command sends nothing itself).
    const second = await run(
      "server/cli/alliance.ts",
      ["create", "--name", "M-Pact Enschede", "--coordinator-email", "coord@mpact.example", "--coordinator-name", "Mo", "--locale", "en"],
      { DATABASE_URL: db.url, SMTP_URL: "smtp://127.0.0.1:9", MAIL_FROM: "bord@mpact.example", PUBLIC_URL: "https://bord.mpact.example" },
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("de server verstuurt haar zodra hij draait");
    const printed = /https:\/\/bord\.mpact\.example\/uitnodiging\/[A-Za-z0-9_-]{43}/.exec(second.stdout)![0];
    const check = new Database(db.file, { readonly: true });
    const queued = check.prepare('select "to", subject, text, status from mail_outbox').all() as Array<Record<string, string>>;
    check.close();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ to: "coord@mpact.example", subject: "Invitation to the Alliantiebord of M-Pact Enschede", status: "pending" });
    expect(queued[0].text).toContain(printed);
    const table = await run("server/cli/alliance.ts", ["list"], { DATABASE_URL: db.url });
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^naam\s+slug\s+organisaties\s+mensen\s+borden\s+aangemaakt$/);
    expect(lines[1]).toMatch(/^Laarne-Kalken\s+laarne-kalken\s+1\s+0\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(lines[2]).toMatch(/^M-Pact Enschede\s+m-pact-enschede\s+1\s+0\s+1\s/);
    const json = JSON.parse((await run("server/cli/alliance.ts", ["list", "--json"], { DATABASE_URL: db.url })).stdout);
    expect(json.map((a: { slug: string }) => a.slug)).toEqual(["laarne-kalken", "m-pact-enschede"]);
  });

  it("the printed link works once on the real server and lands the coordinator on the empty board", async () => {
    const server = await spawnServer({ databaseUrl: db.url, port, env: { PUBLIC_URL: publicUrl } });
    servers.push(server);
    const token = link.split("/").pop()!;
    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain("Vluchtelingenwerkgroep Laarne-Kalken");
    const res = await postForm(server.url, `/uitnodiging/${token}`, { password: "laarne-kalken-2026", repeat: "laarne-kalken-2026" });
    expect(res.status).toBe(302);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .find((c) => c.startsWith("ab_session="))!;
    const boardId = res.headers.get("location")!.replace("/boards/", "");
    const board = await apiCall(server.url, `/api/boards/${boardId}`, { cookie });
    expect(board.status).toBe(200);
    expect(board.body.name).toBe("Hulpvragen");
    expect(board.body.columns.map((c: { stage: string }) => c.stage)).toEqual(["intake", "open", "held", "held", "done"]);
    expect(board.body.categories).toHaveLength(4);
    // A coordinator: may invite the next person.
    expect((await apiCall(server.url, "/api/invitations", { cookie })).status).toBe(200);
    // Once.
    expect((await postForm(server.url, `/uitnodiging/${token}`, { password: "nog-een-keer-123", repeat: "nog-een-keer-123" })).status).toBe(410);
    // The other alliance sees none of it.
    const list = JSON.parse((await run("server/cli/alliance.ts", ["list", "--json"], { DATABASE_URL: db.url })).stdout);
    expect(list.find((a: { slug: string }) => a.slug === "laarne-kalken").people).toBe(1);
    expect(list.find((a: { slug: string }) => a.slug === "m-pact-enschede").people).toBe(0);
  });
});

describe("npm run demo -- remove", () => {
  let db: { file: string; url: string };
  /** Every value that belongs to the demo: its ids and its people's addresses. */
  let demoValues: string[];

  /** Every row of every table, as JSON lines per table (blobs as hex). */
  function dump(file: string): Record<string, string[]> {
    const d = new Database(file, { readonly: true });
    try {
      return Object.fromEntries(
        tableNames(d).map((t) => [
          t,
          (d.prepare(`select * from "${t}"`).all() as Array<Record<string, unknown>>).map((r) =>
            JSON.stringify(r, (_k, v) => (v && typeof v === "object" && v.type === "Buffer" ? Buffer.from(v.data).toString("hex") : v)),
          ),
        ]),
      );
    } finally {
      d.close();
    }
  }

  /** Rows (as dumped) that name a demo value, in any column, blobs included. */
  function demoRows(file: string): string[] {
    const d = new Database(file, { readonly: true });
    const found: string[] = [];
    try {
      for (const t of tableNames(d)) {
        for (const row of d.prepare(`select * from "${t}"`).all() as Array<Record<string, unknown>>) {
          for (const v of Object.values(row)) {
            const hit =
              typeof v === "string"
                ? demoValues.some((x) => v.toLowerCase().includes(x))
                : Buffer.isBuffer(v)
                  ? demoValues.some((x) => v.includes(Buffer.from(x)))
                  : false;
            if (hit) {
              found.push(`${t}: ${JSON.stringify(row).slice(0, 200)}`);
              break;
            }
          }
        }
      }
    } finally {
      d.close();
    }
    return found;
  }

  beforeAll(async () => {
    db = tempDb();
    const setup = await run("db/setup.ts", [], { DATABASE_URL: db.url });
    expect(setup.stdout).toContain("Demo-alliantie AVE Emmen aangemaakt");
    const created = await run("server/cli/alliance.ts", ["create", "--name", "Laarne-Kalken", "--coordinator-email", "anna@laarne.example", "--coordinator-name", "Anna"], {
      DATABASE_URL: db.url,
    });
    expect(created.code, created.stderr).toBe(0);
    // The other alliance lives a little: a second organisation, people, a session, a board with requests.
    const database = openDatabase(db.url);
    const a = database.sqlite.prepare("select id from alliances where slug = 'laarne-kalken'").get() as { id: string };
    const org = await makeOrganisation(database.db, { allianceId: a.id, name: "Taalcafé Kalken" });
    const u = await makeUser(database.db, { organisationId: org.id, email: "jo@kalken.example", name: "Jo" });
    await makeSessionCookie(database.db, u.id);
    await makeBoard(database.db, {
      allianceId: a.id,
      name: "Vrijwilligersklussen",
      cards: [{ title: "Fietsles", category: "maatje", description: "", area: "Kalken", urgency: "normaal", createdByOrg: org.id, reference: "KK-1990-Dorp" }],
    });
    const ids = (sql: string) => (database.sqlite.prepare(sql).all() as Array<{ v: string }>).map((r) => r.v);
    demoValues = [
      ...ids("select id as v from alliances where demo = 1"),
      ...ids("select o.id as v from organisations o join alliances a on a.id = o.alliance_id where a.demo = 1"),
      ...ids("select u.id as v from users u join organisations o on o.id = u.organisation_id join alliances a on a.id = o.alliance_id where a.demo = 1"),
      ...ids("select b.id as v from boards b join alliances a on a.id = b.alliance_id where a.demo = 1"),
      ...ids("select r.id as v from requests r join boards b on b.id = r.board_id join alliances a on a.id = b.alliance_id where a.demo = 1"),
      // The demo's meetings: a name typed in as attendee names no other demo row.
      ...ids("select m.id as v from meetings m join boards b on b.id = m.board_id join alliances a on a.id = b.alliance_id where a.demo = 1"),
      ...DEMO_PEOPLE.map((p) => p.email),
    ].map((v) => v.toLowerCase());
    // A session and a queued mail of a demo person, as a live installation would have.
    const demoUser = ids("select id as v from users where email = 'coordinator@ave.example'")[0];
    await makeSessionCookie(database.db, demoUser);
    database.sqlite
      .prepare("insert into mail_outbox (key, \"to\", subject, text, html, next_attempt_at, created_at) values (?, ?, 's', 't', 'h', 0, 0)")
      .run(`referral:x:${demoUser}`, "coordinator@ave.example");
    database.close();
    expect(demoValues.length).toBeGreaterThan(150);
    expect(demoRows(db.file).length).toBeGreaterThan(800);
  });

  it("refuses while a server runs on the database, and changes nothing", async () => {
    const server = await spawnServer({ databaseUrl: db.url });
    servers.push(server);
    const before = dump(db.file);
    const r = await run("server/cli/demo.ts", ["remove"], { DATABASE_URL: db.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Niets verwijderd");
    expect(r.stderr).toContain("Stop de server eerst");
    await server.stop();
    expect(dump(db.file)).toEqual(before);
  });

  it("erases the demo and nothing else; the file keeps no trace of it; the setup does not bring it back", async () => {
    const before = dump(db.file);
    const r = await run("server/cli/demo.ts", ["remove"], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Demo-alliantie AVE Emmen verwijderd");
    const after = dump(db.file);
    // Every row that did not name the demo is still there, byte for byte, and nothing else is.
    for (const [table, rows] of Object.entries(before)) {
      if (table === "installation") continue;
      const kept = rows.filter((row) => !demoValues.some((x) => row.toLowerCase().includes(x) || row.includes(Buffer.from(x).toString("hex"))));
      expect(after[table], table).toEqual(kept);
    }
    expect(after.alliances).toHaveLength(1);
    expect(after.users.length).toBe(1);
    expect(after.requests.length).toBe(1);
    expect(demoRows(db.file)).toEqual([]);
    // Erased for real: no demo text in the database file, and the log is empty.
    const bytes = fs.readFileSync(db.file);
    for (const text of ["ave.example", "AVE Emmen", DEMO_ORGS[5].name, "Hulpvragen Emmen"]) expect(bytes.includes(Buffer.from(text)), text).toBe(false);
    expect(fs.existsSync(`${db.file}-wal`) ? fs.statSync(`${db.file}-wal`).size : 0).toBe(0);

    const again = await run("server/cli/demo.ts", ["remove"], { DATABASE_URL: db.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("geen demo-alliantie");
    const setup = await run("db/setup.ts", [], { DATABASE_URL: db.url });
    expect(setup.code).toBe(0);
    expect(rowCounts(db.file).alliances).toBe(1);
  });
});
