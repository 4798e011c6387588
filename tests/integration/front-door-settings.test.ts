/**
 * The front door's settings on /beheer (issue 15: "a coordinator can switch
 * it off and choose the board it feeds"): through the real server, the
 * coordinator's form switches /hulp/<slug> on and off, picks the board,
 * lists the embedding sites (which CORS then follows) and gets field errors
 * back for a bad site or an archived board; members get 403.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { first } from "../../db/dialect";
import { frontDoorOf } from "../../db/front-door";
import { postForm, startTestServer, type TestServer } from "./harness";

let t: TestServer;
let slug: string;

beforeAll(async () => {
  t = await startTestServer();
  const { alliances } = t.h.t;
  slug = (await first(t.h.q.select({ slug: alliances.slug }).from(alliances).where(eq(alliances.id, t.seed.allianceA.id))))!.slug;
});

afterAll(async () => {
  await t?.close();
});

async function save(fields: Record<string, string>, cookie = t.seed.cookies.coordinatorA) {
  const res = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "front-door", ...fields }, { cookie });
  return { status: res.status, body: res.status === 403 ? null : ((await res.json()) as { ok?: boolean; errors?: Record<string, string> }) };
}

const pageStatus = async () => (await fetch(`${t.url}/hulp/${slug}`)).status;

describe("the front door's settings on /beheer", () => {
  it("is off until a coordinator switches it on with a board; off again answers 404", async () => {
    expect(await pageStatus()).toBe(404);
    const on = await save({ enabled: "on", boardId: t.seed.boardA.id, sites: "https://partner.example\n\nhttps://partner.example/" });
    expect(on).toEqual({ status: 200, body: expect.objectContaining({ ok: true }) });
    expect(await frontDoorOf(t.h, t.seed.allianceA.id)).toMatchObject({ enabled: true, boardId: t.seed.boardA.id, sites: ["https://partner.example"] });
    expect(await pageStatus()).toBe(200);
    // The embedding site now gets CORS on the JSON endpoint's preflight; another does not.
    const pre = (origin: string) =>
      fetch(`${t.url}/api/public/${slug}/requests`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
    expect((await pre("https://partner.example")).headers.get("access-control-allow-origin")).toBe("https://partner.example");
    expect((await pre("https://other.example")).headers.get("access-control-allow-origin")).toBeNull();

    const off = await save({ boardId: t.seed.boardA.id, sites: "https://partner.example" });
    expect(off.status).toBe(200);
    expect(await pageStatus()).toBe(404);
  });

  it("refuses a site that is not an origin and a board of another alliance, per field, and changes nothing", async () => {
    await save({ enabled: "on", boardId: t.seed.boardA.id, sites: "" });
    const bad = await save({ enabled: "on", boardId: t.seed.boardA.id, sites: "https://partner.example/pad" });
    expect(bad.status).toBe(422);
    expect(bad.body?.errors).toEqual({ sites: "sites" });
    const foreign = await save({ enabled: "on", boardId: t.seed.boardB.id, sites: "" });
    expect(foreign.status).toBe(422);
    expect(foreign.body?.errors).toEqual({ boardId: "board" });
    const noBoard = await save({ enabled: "on", boardId: "", sites: "" });
    expect(noBoard.body?.errors).toEqual({ boardId: "board" });
    expect(await frontDoorOf(t.h, t.seed.allianceA.id)).toMatchObject({ enabled: true, boardId: t.seed.boardA.id, sites: [] });
  });

  it("is for coordinators only", async () => {
    const member = await save({ enabled: "on", boardId: t.seed.boardA.id, sites: "" }, t.seed.cookies.memberA1);
    expect(member.status).toBe(403);
    const page = await fetch(`${t.url}/beheer`, { headers: { cookie: t.seed.cookies.coordinatorA } });
    expect(await page.text()).toContain('data-testid="front-door-settings"');
  });
});
