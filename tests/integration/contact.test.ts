/**
 * Sealed contact details (issue 14) through the real server: who may read and
 * write them (the access matrix), the view log the coordinators see, the
 * handover on an accepted referral with and without consent, the bytes of
 * the SQLite file (no plaintext), and the start rule for DATA_KEY (the real
 * server spawned without a key and with a wrong one).
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putContact, contactAad } from "../../db/contacts";
import { enableTwoFactor, setPendingSecret } from "../../db/two-factor";
import { parseDataKey, seal } from "../../app/services/seal.server";
import { makeBoard, makeSessionCookie, makeUser } from "../factories";
import { asc, eq } from "drizzle-orm";
import { dumpForms, pgDump, pgRowVersions } from "../infra/pg-dump";
import { createTestDatabase, spawnServer, startTestServer, TEST_DATA_KEY, TEST_ENGINE, type TestDatabase, type TestServer } from "./harness";

let t: TestServer;
let board: { id: string; cardIds: string[] };
/** A coordinator of the other organisation (A2): may see the log, never the content. */
let coordinatorA2: string;

beforeAll(async () => {
  t = await startTestServer();
  const { seed } = t;
  board = await makeBoard(t.h, {
    allianceId: seed.allianceA.id,
    name: "Contacten",
    cards: Array.from({ length: 4 }, (_, i) => ({
      title: `Contactvraag ${i}`,
      category: "wonen",
      description: "",
      area: "",
      urgency: "normaal" as const,
      createdByOrg: seed.orgA1.id,
    })),
  });
  const c = await makeUser(t.h, { organisationId: seed.orgA2.id, email: "coord2@noord.test", name: "Coco", role: "coordinator" });
  coordinatorA2 = await makeSessionCookie(t.h, c.id);
});

afterAll(async () => {
  await t?.close();
});

const url = (requestId: string, tail = "contact", boardId = board.id) => `/api/boards/${boardId}/requests/${requestId}/${tail}`;
const details = (tag: string, consent: boolean) => ({
  name: `${tag} Amira Haddad`,
  phone: "+31 6 1234 5678",
  email: `${tag.toLowerCase()}@voorbeeld.nl`,
  address: `${tag}laan 12, Emmen`,
  note: `${tag} belt liever na 17 uur`,
  consent,
});

async function put(requestId: string, cookie: string, body: unknown) {
  return t.api(url(requestId), { cookie, method: "PUT", body });
}
async function get(requestId: string, cookie: string) {
  return t.api(url(requestId), { cookie });
}
async function status(requestId: string, cookie: string) {
  return t.api(url(requestId, "contact/status"), { cookie });
}
async function post(requestId: string, verb: string, cookie: string, body: unknown = {}) {
  const res = await t.api(url(requestId, verb), { cookie, body });
  expect(res.status, `${verb}: ${JSON.stringify(res.body)}`).toBe(200);
}
const views = async (requestId: string) => {
  const { contactViews: v } = t.h.t;
  return t.h.q.select({ userId: v.userId, orgId: v.orgId, action: v.action }).from(v).where(eq(v.requestId, requestId)).orderBy(asc(v.id));
};

describe("contact details: who may read and write", () => {
  it("the entering organisation stores and reads them; the route wins over …/:verb", async () => {
    const r = board.cardIds[0];
    const empty = await get(r, t.seed.cookies.memberA1);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ name: "", phone: "", email: "", address: "", note: "", consent: false, stored: false, available: true });
    const saved = await put(r, t.seed.cookies.memberA1, details("EEN", false));
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const read = await get(r, t.seed.cookies.memberA1);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ ...details("EEN", false), stored: true });
    // The coordinator of the same organisation reads them too.
    expect((await get(r, t.seed.cookies.coordinatorA)).status).toBe(200);
    expect((await views(r)).map((v) => v.action)).toEqual(["edit", "view", "view"]);
    expect((await views(r))[0]).toMatchObject({ userId: t.seed.memberA1.id, orgId: t.seed.orgA1.id });
  });

  it("refuses invalid details with field errors, and keeps what was stored", async () => {
    const r = board.cardIds[0];
    const res = await put(r, t.seed.cookies.memberA1, { name: "x".repeat(121), phone: "bel me", email: "geen-adres", consent: "ja" });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: "invalid", errors: { name: "tooLong", phone: "phone", email: "email", consent: "type" } });
    expect((await get(r, t.seed.cookies.memberA1)).body).toMatchObject(details("EEN", false));
  });

  it("others: another organisation 403, a viewer 403, another alliance 404; none of them learns the content", async () => {
    const r = board.cardIds[0];
    const before = (await views(r)).length;
    for (const cookie of [t.seed.cookies.memberA2, t.seed.cookies.viewerA, coordinatorA2]) {
      const read = await get(r, cookie);
      expect(read.status).toBe(403);
      expect(JSON.stringify(read.body)).not.toContain("Amira");
      expect((await put(r, cookie, details("TWEE", true))).status).toBe(403);
    }
    expect((await get(r, t.seed.cookies.memberB)).status).toBe(404);
    expect((await put(r, t.seed.cookies.memberB, details("TWEE", true))).status).toBe(404);
    // Through the other alliance's own board as well.
    expect((await t.api(url(r, "contact", t.seed.boardB.id), { cookie: t.seed.cookies.memberB })).status).toBe(404);
    expect((await t.api(url(r, "contact/status"), { cookie: t.seed.cookies.memberB })).status).toBe(404);
    expect((await views(r)).length).toBe(before);
    expect((await get(r, t.seed.cookies.memberA1)).body).toMatchObject(details("EEN", false));
  });

  it("status: nothing read, the log (who, when, what) only for coordinators, never the content", async () => {
    const r = board.cardIds[0];
    const before = (await views(r)).length;
    const member2 = await status(r, t.seed.cookies.memberA2);
    expect(member2.body).toEqual({ stored: null, access: "none", canWrite: false, available: true, log: null });
    const holder = await status(r, t.seed.cookies.memberA1);
    expect(holder.body).toMatchObject({ stored: true, access: "read", canWrite: true, log: null });
    const coord = await status(r, coordinatorA2);
    expect(coord.status).toBe(200);
    expect(coord.body.access).toBe("none");
    expect(coord.body.log.map((l: { action: string }) => l.action)).toEqual((await views(r)).map((v) => v.action));
    expect(coord.body.log.map((l: { action: string }) => l.action)).toEqual(["edit", "view", "view", "view", "view"]);
    expect(coord.body.log[0]).toMatchObject({ user: "Anna", organisation: "VWN" });
    expect(typeof coord.body.log[0].at).toBe("number");
    expect(JSON.stringify(coord.body)).not.toMatch(/Amira|EEN|voorbeeld/);
    expect((await views(r)).length).toBe(before);
  });

  it("a claim by another organisation: the entering organisation loses access, the holder gets nothing without consent", async () => {
    const r = board.cardIds[0];
    await post(r, "claim", t.seed.cookies.memberA2);
    expect((await get(r, t.seed.cookies.memberA1)).status).toBe(403);
    const holder = await get(r, t.seed.cookies.memberA2);
    expect(holder.status).toBe(403);
    expect(holder.body.error).toBe("no_consent");
    expect((await status(r, t.seed.cookies.memberA2)).body).toMatchObject({ access: "no_consent", stored: true, canWrite: false });
    expect((await put(r, t.seed.cookies.memberA2, details("DRIE", true))).status).toBe(403);
    // Released: the entering organisation has them again.
    await post(r, "unclaim", t.seed.cookies.memberA2);
    expect((await get(r, t.seed.cookies.memberA1)).body).toMatchObject(details("EEN", false));
  });
});

describe("referral handover", () => {
  it("with consent: the receiving organisation reads them once it accepted, and the handover is logged", async () => {
    const r = board.cardIds[1];
    expect((await put(r, t.seed.cookies.memberA1, details("VIER", true))).status).toBe(200);
    await post(r, "claim", t.seed.cookies.memberA1);
    await post(r, "refer", t.seed.cookies.memberA1, { to: t.seed.orgA2.id, note: "Kunnen jullie dit oppakken?" });
    expect((await get(r, t.seed.cookies.memberA2)).status).toBe(403);
    await post(r, "referral/accept", t.seed.cookies.memberA2);
    const read = await get(r, t.seed.cookies.memberA2);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject(details("VIER", true));
    expect((await get(r, t.seed.cookies.memberA1)).status).toBe(403);
    expect((await views(r)).map((v) => `${v.action}:${v.orgId === t.seed.orgA2.id ? "A2" : "A1"}`)).toEqual(["edit:A1", "handover:A2", "view:A2"]);
  });

  it("without consent: nothing goes along, the card says why, and it is logged as withheld", async () => {
    const r = board.cardIds[2];
    expect((await put(r, t.seed.cookies.memberA1, details("VIJF", false))).status).toBe(200);
    await post(r, "claim", t.seed.cookies.memberA1);
    await post(r, "refer", t.seed.cookies.memberA1, { to: t.seed.orgA2.id, note: "Over naar jullie" });
    await post(r, "referral/accept", t.seed.cookies.memberA2);
    const read = await get(r, t.seed.cookies.memberA2);
    expect(read.status).toBe(403);
    expect(read.body.error).toBe("no_consent");
    expect(JSON.stringify(read.body)).not.toContain("VIJF");
    expect((await status(r, t.seed.cookies.memberA2)).body.access).toBe("no_consent");
    expect((await views(r)).map((v) => v.action)).toEqual(["edit", "withheld"]);
  });
});

describe("at rest", () => {
  // On PostgreSQL the rows at rest are a pg_dump of the database (its data files and WAL are its own, outside this check).
  it("the database file and its log do not contain the plaintext", async () => {
    const r = board.cardIds[3];
    const canary = "Zq7Canary-Kx93";
    expect((await put(r, t.seed.cookies.memberA1, { ...details(canary, true), note: `${canary} note` })).status).toBe(200);
    expect((await get(r, t.seed.cookies.memberA1)).body.name).toContain(canary);
    const file = t.dbUrl.replace(/^file:/, "");
    const hits = (path: string) => {
      if (!fs.existsSync(path)) return 0;
      const bytes = fs.readFileSync(path);
      let n = 0;
      for (let i = bytes.indexOf(canary); i !== -1; i = bytes.indexOf(canary, i + 1)) n++;
      return n;
    };
    if (TEST_ENGINE === "postgres") {
      const dump = pgDump(t.dbUrl);
      expect(dumpForms(canary).reduce((n, form) => n + dump.toString("latin1").split(form).length - 1, 0)).toBe(0);
      expect(dump.toString("latin1")).toContain(board.cardIds[3]); // the dump has the request's rows
    } else {
      expect(hits(file) + hits(`${file}-wal`)).toBe(0);
      t.database.sqlite.pragma("wal_checkpoint(TRUNCATE)");
      expect(hits(file) + hits(`${file}-wal`)).toBe(0);
    }
    // The alliance's export says that they exist, never what they say.
    const exported = await t.api("/api/alliance/export", { cookie: t.seed.cookies.coordinatorA });
    expect(exported.status).toBe(200);
    expect(JSON.stringify(exported.body)).not.toContain(canary);
    const row = (exported.body.requests as Array<{ id: string; contact: unknown }>).find((q) => q.id === r);
    expect(row?.contact).toMatchObject({ stored: true, consent: true });
    // The sealed blob is there, and it is bound to its request: copied to another one it does not open.
    const { requestContacts } = t.h.t;
    const [sealed] = await t.h.q.select({ sealed: requestContacts.sealed }).from(requestContacts).where(eq(requestContacts.requestId, r));
    expect(sealed.sealed.length).toBeGreaterThan(40);
    await t.h.q.update(requestContacts).set({ sealed: sealed.sealed }).where(eq(requestContacts.requestId, board.cardIds[1]));
    expect((await get(board.cardIds[1], t.seed.cookies.memberA2)).status).toBe(500);
  });

  it("details replaced or removed leave no old sealed copy in the database (SQLite: secure_delete; PostgreSQL: VACUUM)", async () => {
    const r = board.cardIds[3];
    const { requestContacts } = t.h.t;
    const sealedNow = async () => (await t.h.q.select({ sealed: requestContacts.sealed }).from(requestContacts).where(eq(requestContacts.requestId, r)))[0]?.sealed;
    // A stretch of the ciphertext (past the version byte, key id and IV): found only where that sealed value lies.
    const stretch = (sealed: Uint8Array) => Buffer.from(sealed).subarray(20, 52);
    const copies = async (needle: Buffer) => {
      const inBytes = (bytes: Uint8Array) => {
        const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        let n = 0;
        for (let i = b.indexOf(needle); i !== -1; i = b.indexOf(needle, i + 1)) n++;
        return n;
      };
      if (TEST_ENGINE === "postgres") return pgRowVersions(t.h, inBytes);
      const file = t.dbUrl.replace(/^file:/, "");
      t.database.sqlite.pragma("wal_checkpoint(TRUNCATE)");
      return inBytes(fs.readFileSync(file)) + (fs.existsSync(`${file}-wal`) ? inBytes(fs.readFileSync(`${file}-wal`)) : 0);
    };
    expect((await put(r, t.seed.cookies.memberA1, details("Eerste", true))).status).toBe(200);
    const first = stretch((await sealedNow())!);
    expect(await copies(first)).toBe(1);

    expect((await put(r, t.seed.cookies.memberA1, details("Tweede", true))).status).toBe(200);
    const second = stretch((await sealedNow())!);
    expect({ first: await copies(first), second: await copies(second) }).toEqual({ first: 0, second: 1 });

    expect((await t.api(url(r), { cookie: t.seed.cookies.memberA1, method: "DELETE" })).status).toBe(200);
    expect(await sealedNow()).toBeUndefined();
    expect(await copies(second)).toBe(0);
  });

  it("without DATA_KEY nothing can be stored, and the status says so", async () => {
    const noKey = await startTestServer({ DATA_KEY: "" });
    try {
      const r = noKey.seed.boardA.cardIds[0];
      const st = await noKey.api(`/api/boards/${noKey.seed.boardA.id}/requests/${r}/contact/status`, { cookie: noKey.seed.cookies.memberA1 });
      expect(st.body).toMatchObject({ available: false, canWrite: false, access: "read", stored: false });
      const res = await noKey.api(`/api/boards/${noKey.seed.boardA.id}/requests/${r}/contact`, { cookie: noKey.seed.cookies.memberA1, method: "PUT", body: { name: "X" } });
      expect(res.status).toBe(503);
      expect(res.body.error).toBe("data_key_missing");
    } finally {
      await noKey.close();
    }
  });
});

/** SQLite: the test's connection closes before a server process opens the file (it takes the file's lock). PostgreSQL: shared, nothing to do. */
function closeForSpawn(tdb: TestDatabase): void {
  if (tdb.engine === "sqlite") tdb.database.close();
}

describe("start rule", () => {
  it("refuses to start without DATA_KEY or with a wrong one when sealed data exists; starts with the right one", { timeout: 90_000 }, async () => {
    const tdb = await createTestDatabase();
    try {
      const key = parseDataKey(TEST_DATA_KEY)!;
      const r = tdb.seed.boardA.cardIds[0];
      await putContact(tdb.h, {
        requestId: r,
        boardId: tdb.seed.boardA.id,
        sealed: seal(key, JSON.stringify({ name: "Start" }), contactAad(r)),
        consent: false,
        at: Date.now(),
        userId: tdb.seed.memberA1.id,
        orgId: tdb.seed.orgA1.id,
      });
      closeForSpawn(tdb);
      const refused = async (env: Record<string, string>) => {
        const err = await spawnServer({ databaseUrl: tdb.url, env }).then(
          async (s) => {
            await s.stop();
            return null;
          },
          (e: Error) => e.message,
        );
        expect(err, "the server started").not.toBeNull();
        expect(err).toMatch(/server exited \(1\)/);
        return err!;
      };
      expect(await refused({ DATA_KEY: "" })).toMatch(/sealed contact details, but DATA_KEY is not set/);
      expect(await refused({ DATA_KEY: Buffer.alloc(32, 1).toString("base64") })).toMatch(/DATA_KEY does not open the sealed contact details.*another key/);
      expect(await refused({ DATA_KEY: "kort" })).toMatch(/DATA_KEY: must be 32 bytes/);
      const ok = await spawnServer({ databaseUrl: tdb.url, env: { DATA_KEY: TEST_DATA_KEY } });
      const res = await fetch(`${ok.url}/api/boards/${tdb.seed.boardA.id}/requests/${r}/contact`, { headers: { cookie: tdb.seed.cookies.memberA1 } });
      expect(await res.json()).toMatchObject({ name: "Start", stored: true });
      await ok.stop();
    } finally {
      await tdb.cleanup();
    }
  });

  it("two-factor secrets count as sealed data: without DATA_KEY or with a wrong one the server refuses to start", { timeout: 90_000 }, async () => {
    const tdb = await createTestDatabase();
    try {
      const key = parseDataKey(TEST_DATA_KEY)!;
      const userId = tdb.seed.memberA1.id;
      // Only a TOTP secret is sealed here: no contact details at all.
      await setPendingSecret(tdb.h, userId, seal(key, "JBSWY3DPEHPK3PXP", `totp-pending:${userId}`), Date.now());
      await enableTwoFactor(tdb.h, userId, seal(key, "JBSWY3DPEHPK3PXP", `totp:${userId}`), 0, [], Date.now());
      closeForSpawn(tdb);
      const refusal = (env: Record<string, string>) =>
        spawnServer({ databaseUrl: tdb.url, env }).then(
          async (s) => {
            await s.stop();
            return "started";
          },
          (e: Error) => e.message,
        );
      expect(await refusal({ DATA_KEY: "" })).toMatch(/sealed two-factor secrets, but DATA_KEY is not set/);
      expect(await refusal({ DATA_KEY: Buffer.alloc(32, 2).toString("base64") })).toMatch(/does not open the sealed two-factor secrets.*another key/);
      expect(await refusal({ DATA_KEY: TEST_DATA_KEY })).toBe("started");
    } finally {
      await tdb.cleanup();
    }
  });

  it("starts without DATA_KEY when nothing is sealed", { timeout: 60_000 }, async () => {
    const tdb = await createTestDatabase();
    closeForSpawn(tdb);
    try {
      const s = await spawnServer({ databaseUrl: tdb.url, env: { DATA_KEY: "" } });
      const res = await fetch(`${s.url}/api/boards/${tdb.seed.boardA.id}/requests/${tdb.seed.boardA.cardIds[0]}/contact/status`, {
        headers: { cookie: tdb.seed.cookies.memberA1 },
      });
      expect(await res.json()).toMatchObject({ available: false });
      await s.stop();
    } finally {
      await tdb.cleanup();
    }
  });
});
