/**
 * Erasing a staff account (DELETE /api/alliance/people/<id>, or "Account
 * wissen" on /beheer), with the real server on SQLite and, in the postgres
 * project, on PostgreSQL with two servers. A person joins through an
 * invitation, with one unique word in their name and address, works (a
 * comment, a claim, a meeting they attend, a password reset whose mail waits
 * in the outbox: the mail server is away), has their access removed and
 * their account erased. Then the word is counted where the database keeps
 * its bytes (tests/infra/canary.ts: SQLite's file, -wal and -shm; a
 * pg_dump and every row version on PostgreSQL): 0, while what they did
 * stays, by nobody. Who may erase, and when, is checked first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByEmail, getUserById } from "../../db/accounts";
import { canaryCounter, sum } from "../infra/canary";
import { storeUncompressed } from "../infra/pg-dump";
import { postForm, startTestServer, TEST_ENGINE, type TestServer } from "./harness";

/** Lower case: an address is stored in lower case, and the name carries the same word. */
const TOKEN = `zqxmedewerker${Math.random().toString(16).slice(2, 10)}`;
const EMAIL = `${TOKEN}@voorbeeld.test`;
const NAME = `Anna ${TOKEN} Café`;
const PASSWORD = "een-lang-wachtwoord-2026";

let t: TestServer;
const canary = canaryCounter(TOKEN, TEST_ENGINE);
const atRest = () => canary.atRest(t.dbUrl, t.h);

beforeAll(async () => {
  // Mail is on, but its server is away (a closed port): what is queued for the person waits in the outbox with its words.
  t = await startTestServer({ SMTP_URL: "smtp://127.0.0.1:9", MAIL_FROM: "Alliantiebord <bord@alliantie.test>", PUBLIC_URL: "https://bord.voorbeeld.test" });
  if (TEST_ENGINE === "postgres") await storeUncompressed(t.h);
});

afterAll(async () => {
  await t?.close();
});

const erase = (personId: string, cookie = t.seed.cookies.coordinatorA) => t.api(`/api/alliance/people/${personId}`, { cookie, method: "DELETE" });

async function beheer(fields: Record<string, string>) {
  const res = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", fields, { cookie: t.seed.cookies.coordinatorA });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("erasing a staff account", () => {
  let personId = "";

  it("a person joins through an invitation and works on the board", async () => {
    const { seed } = t;
    const invited = await t.api("/api/invitations", {
      cookie: seed.cookies.coordinatorA,
      body: { email: EMAIL, name: NAME, organisationId: seed.orgA1.id, role: "member" },
    });
    expect(invited.status).toBe(201);
    const token = /\/uitnodiging\/([A-Za-z0-9_-]+)/.exec(String(invited.body.link))![1];
    const accepted = await postForm(t.url, `/uitnodiging/${token}`, { password: PASSWORD, repeat: PASSWORD });
    expect(accepted.status).toBeLessThan(400);
    await accepted.arrayBuffer();
    personId = (await findUserByEmail(t.h, EMAIL))!.id;
    const cookie = await t.cookieFor(personId);

    const [first, second] = seed.boardA.cardIds;
    const comment = await t.api(`/api/boards/${seed.boardA.id}/requests/${first}/comments`, { cookie, body: { body: "Ik bel morgen." } });
    expect(comment.status).toBe(201);
    expect(comment.body.userName).toBe(NAME);
    expect((await t.api(`/api/boards/${seed.boardA.id}/requests/${second}/claim`, { cookie, body: {} })).status).toBe(200);

    const meeting = await t.api(`/api/boards/${seed.boardA.id}/meetings`, { cookie: seed.cookies.coordinatorA, body: { title: "Overleg", at: "2026-12-15T19:30:00Z" } });
    expect(meeting.status).toBe(201);
    const attendees = await t.api(`/api/meetings/${meeting.body.id}/attendees`, { cookie: seed.cookies.coordinatorA, method: "PUT", body: [{ userId: personId }] });
    expect(attendees.status).toBe(200);
    expect(attendees.body.map((a: { name: string }) => a.name)).toEqual([NAME]);

    const reset = await postForm(t.url, "/wachtwoord-vergeten?_data=routes%2Fwachtwoord-vergeten", { email: EMAIL });
    expect(reset.status).toBe(200);
    await reset.arrayBuffer();

    // The word is there now: in the account, the invitation, the attendee list and the waiting mails.
    expect(sum(await atRest())).toBeGreaterThan(0);
  });

  it("only a coordinator of the person's alliance erases, never while the person has access, never themself", async () => {
    const { seed } = t;
    expect((await erase(personId, seed.cookies.memberA1)).status).toBe(403);
    expect((await erase(personId, seed.cookies.viewerA)).status).toBe(403);
    // Another origin, with the coordinator's own cookie: refused before anything is looked up, by the API and the page alike.
    const foreign = await t.api(`/api/alliance/people/${personId}`, { cookie: seed.cookies.coordinatorA, method: "DELETE", headers: { origin: "https://elders.example" } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe("forbidden_origin");
    const foreignForm = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "erase", personId }, { cookie: seed.cookies.coordinatorA, headers: { origin: "https://elders.example" } });
    expect(foreignForm.status).toBe(403);
    await foreignForm.arrayBuffer();
    // Another alliance's person is not theirs (404, as an unknown one).
    expect((await erase(seed.memberB.id)).status).toBe(404);
    const active = await erase(personId);
    expect(active.status).toBe(409);
    expect(active.body.error).toBe("still_active");
    expect((await erase(seed.coordinatorA.id)).status).toBe(422);
    expect((await erase("no-such-person")).status).toBe(404);
    expect((await t.api(`/api/alliance/people/${personId}`, { cookie: seed.cookies.coordinatorA })).status).toBe(405);
    // The page says the same.
    const page = await beheer({ intent: "erase", personId });
    expect(page.status).toBe(409);
    expect(page.body.errors).toEqual({ person: "stillActive" });
    expect(await getUserById(t.h, personId)).toBeTruthy();
  });

  it("once the access is removed: the name and address are nowhere at rest, and what the person did stays, by nobody", async () => {
    const { seed } = t;
    expect((await beheer({ intent: "remove", personId })).status).toBe(200);
    const erased = await beheer({ intent: "erase", personId });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ ok: true, name: NAME });

    const rest = await atRest();
    expect(rest, `canary ${TOKEN} at rest after the erasure`).toEqual(Object.fromEntries(Object.keys(rest).map((k) => [k, 0])));
    expect(await getUserById(t.h, personId)).toBeNull();
    expect((await erase(personId)).status).toBe(404);

    // Logging in with the old address and password fails like any unknown address.
    const login = await postForm(t.url, "/login", { email: EMAIL, password: PASSWORD, redirectTo: "/boards" });
    expect(login.headers.getSetCookie().some((c) => c.startsWith("ab_session="))).toBe(false);
    await login.arrayBuffer();

    // The comment stays, by nobody; the claim stays with the organisation; the meeting keeps an attendee without a name.
    const [first, second] = seed.boardA.cardIds;
    const comments = await t.api(`/api/boards/${seed.boardA.id}/requests/${first}/comments`, { cookie: seed.cookies.memberA1 });
    expect(comments.body.map((c: { body: string; userName: string | null }) => [c.body, c.userName])).toContainEqual(["Ik bel morgen.", null]);
    const request = await t.api(`/api/boards/${seed.boardA.id}/requests/${second}`, { cookie: seed.cookies.memberA1 });
    expect(request.status).toBe(200);
    expect(JSON.stringify(request.body)).toContain(seed.orgA1.id);
    // The board and the coordinator's page still open.
    for (const path of [`/boards/${seed.boardA.id}`, "/beheer"]) {
      const res = await t.api(path, { cookie: seed.cookies.coordinatorA });
      expect(res.status, path).toBe(200);
    }
  });
});
