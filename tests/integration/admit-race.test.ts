/**
 * The Yjs endpoint admits a board connection after awaited database checks
 * (session, duty, board), socket.io after an awaited session check. A person
 * removed while those answers are on their way is closed by the removal's
 * sweep only if the connection is already in a room; one still being
 * admitted must be checked again once it has joined.
 * The session lookup is wrapped (vi.mock) so the removal happens exactly in
 * that window: after the lookup answered, before the join. Everything else
 * is the real server, database and removal (the coordinator's /beheer form).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { SessionUser } from "../../app/services/auth.server";
import { makeUser } from "../factories";
import { connectIo, postForm, startTestServer, withTimeout, type TestServer } from "./harness";

/**
 * Runs once, after the next successful lookup of this person's session and
 * before its answer is used. Lookups of other people (another test's
 * connection closing, a server's own checks) pass untouched: consuming the
 * hook on one of them left the removal undone and the test waiting.
 */
let afterLookup: { personId: string; run: (user: SessionUser) => Promise<void> } | null = null;

vi.mock("../../app/services/auth.server", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../app/services/auth.server")>();
  return {
    ...orig,
    userFromCookieHeader: async (...args: Parameters<typeof orig.userFromCookieHeader>) => {
      const user = await orig.userFromCookieHeader(...args);
      const hook = afterLookup;
      if (hook && user && user.id === hook.personId) {
        afterLookup = null;
        await hook.run(user);
      }
      return user;
    },
  };
});

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

/** The coordinator removes the person right after the next lookup of their session answered (and before it is used). */
function removeDuringLookup(personId: string): { status: number } {
  const removal = { status: 0 };
  afterLookup = {
    personId,
    run: async () => {
      const res = await postForm(t.url, "/beheer", { intent: "remove", personId }, { cookie: t.seed.cookies.coordinatorA });
      await res.arrayBuffer();
      removal.status = res.status;
    },
  };
  return removal;
}

describe("admitting a board connection", () => {
  it("a person removed between the session check and the join is closed once joined (4401)", async () => {
    const { seed } = t;
    const eva = await makeUser(t.h, { organisationId: seed.orgA2.id, email: "eva.admit@noord.test", name: "Eva" });
    const cookie = await t.cookieFor(eva.id);
    const removal = removeDuringLookup(eva.id);
    const c = t.raw(`/yjs/${seed.boardA.id}`, { cookie });
    const closed = await withTimeout(c.closed, 10_000, "Eva's connection closed");
    expect(removal.status).toBe(200);
    expect(closed.code).toBe(4401);
    // A connection of someone still on the board is admitted as before.
    const bystander = t.raw(`/yjs/${seed.boardA.id}`, { cookie: seed.cookies.memberA1 });
    await withTimeout(bystander.opened, 10_000, "bystander opened");
    await bystander.roundTrip();
    bystander.close();
  });

  it("a socket.io connection whose person is removed between the session check and the connection is closed, without any event of its own", async () => {
    const { seed } = t;
    const fenna = await makeUser(t.h, { organisationId: seed.orgA2.id, email: "fenna.admit@noord.test", name: "Fenna" });
    const cookie = await t.cookieFor(fenna.id);
    const removal = removeDuringLookup(fenna.id);
    const s = await connectIo(t.url, { cookie });
    const gone = new Promise<string>((resolve) => (s.disconnected ? resolve("already") : s.once("disconnect", (reason: string) => resolve(reason))));
    expect(await withTimeout(gone, 10_000, "Fenna's socket closed")).toMatch(/io server disconnect|already/);
    expect(removal.status).toBe(200);
    s.close();
  });
});
