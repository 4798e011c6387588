/**
 * Login, the JSON API and logout over real HTTP against the real Remix build.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, waitFor, type TestServer } from "./harness";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

function login(email: string, password: string, redirectTo = "/boards"): Promise<Response> {
  return fetch(`${t.url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: t.url },
    body: new URLSearchParams({ email, password, redirectTo }).toString(),
  });
}

/** "ab_session=<token>" from a Set-Cookie header. */
function sessionFrom(res: Response): { pair: string; attributes: string[] } {
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("ab_session="));
  if (!setCookie) throw new Error(`no ab_session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  const [pair, ...attributes] = setCookie.split(";").map((s) => s.trim());
  return { pair, attributes };
}

describe("login, API and logout", () => {
  it("a wrong password answers 401 with a Dutch message and no session", async () => {
    const res = await login(t.seed.memberA1.email, "verkeerd-wachtwoord");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("ab_session="))).toBe(false);
    const html = await res.text();
    expect(html).toContain("Dit e-mailadres en wachtwoord horen niet bij elkaar");
  });

  it("an unknown email answers the same 401", async () => {
    const res = await login("niemand@nergens.test", t.seed.password);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Dit e-mailadres en wachtwoord horen niet bij elkaar");
  });

  it("the right password: 302 with an HttpOnly SameSite session cookie; the API lists only the own alliance's boards; logout ends the session", async () => {
    const res = await login(t.seed.memberA1.email.toUpperCase(), t.seed.password);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/boards");
    const { pair, attributes } = sessionFrom(res);
    expect(pair).toMatch(/^ab_session=[A-Za-z0-9_-]{32,}$/);
    const attrs = attributes.map((a) => a.toLowerCase());
    expect(attrs).toContain("httponly");
    expect(attrs.some((a) => a.startsWith("samesite="))).toBe(true);
    expect(attrs).toContain("path=/");
    await res.arrayBuffer();

    const api = await fetch(`${t.url}/api/boards`, { headers: { cookie: pair } });
    expect(api.status).toBe(200);
    expect(api.headers.get("content-type")).toMatch(/application\/json/);
    const boards = (await api.json()) as Array<{ id: string; name: string }>;
    expect(boards).toEqual([{ id: t.seed.boardA.id, name: t.seed.boardA.name }]);
    expect(boards.some((b) => b.id === t.seed.boardB.id)).toBe(false);

    // The other alliance sees only its own board.
    const apiB = await fetch(`${t.url}/api/boards`, { headers: { cookie: t.seed.cookies.memberB } });
    expect(await apiB.json()).toEqual([{ id: t.seed.boardB.id, name: t.seed.boardB.name }]);

    // A live board connection of this session is closed by logout.
    const live = await t.connect(t.seed.boardA.id, { cookie: pair });
    const closed = new Promise<{ code: number }>((resolve) => live.provider.once("closed", (e: { code: number }) => resolve(e)));

    const out = await fetch(`${t.url}/logout`, { method: "POST", redirect: "manual", headers: { cookie: pair, origin: t.url } });
    expect(out.status).toBe(302);
    expect(out.headers.get("location")).toMatch(/^\/login/);
    const cleared = sessionFrom(out);
    expect(cleared.pair).toBe("ab_session=");
    expect(cleared.attributes.map((a) => a.toLowerCase())).toContain("max-age=0");
    await out.arrayBuffer();

    const after = await fetch(`${t.url}/api/boards`, { headers: { cookie: pair } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: "unauthenticated" });

    const { code } = await closed;
    expect(code).toBe(4401);
    await waitFor(() => !live.provider.wsconnected);
    live.destroy();

    // The old cookie no longer opens the board.
    const c = t.raw(`/yjs/${t.seed.boardA.id}`, { cookie: pair });
    expect(await c.refused).toBe(401);
  });

  it("GET /api/boards without a session: 401 JSON { error, message }", async () => {
    const res = await fetch(`${t.url}/api/boards`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(typeof body.error).toBe("string");
    expect(typeof body.message).toBe("string");
    expect(body.error).toBe("unauthenticated");

    const forged = await fetch(`${t.url}/api/boards`, { headers: { cookie: "ab_session=" + "A".repeat(43) } });
    expect(forged.status).toBe(401);
  });

  it("sends the security headers on pages", async () => {
    const res = await fetch(`${t.url}/login`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    await res.arrayBuffer();
  });
});
