/**
 * The front door's refusals over HTTP (issue 15: "honeypot, fill time, budgets
 * and cap each refuse with a clear message (and log nothing personal)"): the
 * page's form and the JSON endpoint on the real server, as a person or a bot
 * sends them. Each refusal has its status and a message in the page's
 * language; nothing is stored; the server's log holds neither the text nor
 * the contact details sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { amsterdamDayBounds } from "../../app/board/front-door-guard";
import { setFrontDoor } from "../../db/front-door";
import { setFrontDoorDailyCap } from "../../db/front-door-guard";
import { count, first } from "../../db/dialect";
import { createClock, postForm, startTestServer, type TestClock, type TestServer } from "./harness";

let t: TestServer;
let clock: TestClock;
let slug: string;
let captured = "";
const original = console.log;
const originalError = console.error;
const CANARY = "Kanarie-tekst-zeldzaam-8841";
const MAIL = "kanarie.8841@example.org";

beforeAll(async () => {
  clock = createClock();
  clock.advance(amsterdamDayBounds(Date.now()).start + 9 * 3600_000 - Date.now());
  const capture = (...args: unknown[]) => {
    captured += args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ") + "\n";
  };
  console.log = (...args: unknown[]) => {
    capture(...args);
    original(...args);
  };
  console.error = (...args: unknown[]) => {
    capture(...args);
    originalError(...args);
  };
  t = await startTestServer({ LOG_LEVEL: "info" }, { now: clock.now });
  const { alliances } = t.h.t;
  slug = (await first(t.h.q.select({ slug: alliances.slug }).from(alliances).where(eq(alliances.id, t.seed.allianceA.id))))!.slug;
  await setFrontDoor(t.h, t.seed.allianceA.id, { enabled: true, boardId: t.seed.boardA.id, sites: [] });
});

afterAll(async () => {
  console.log = original;
  console.error = originalError;
  await t?.close();
});

const items = async () => (await first(t.h.q.select({ n: count() }).from(t.h.t.frontDoorItems)))!.n;

async function formPage(lang = "nl") {
  const html = await (await fetch(`${t.url}/hulp/${slug}?taal=${lang}`)).text();
  const token = /name="formToken" value="([^"]+)"/.exec(html)?.[1];
  expect(token).toBeTruthy();
  return token!;
}

const fields = (token: string, extra: Record<string, string> = {}) => ({
  kind: "request",
  category: "taal",
  text: `${CANARY} ik zoek taalles`,
  email: MAIL,
  consent: "on",
  formToken: token,
  website: "",
  ...extra,
});

function api(body: Record<string, unknown>) {
  return fetch(`${t.url}/api/public/${slug}/requests`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("the front door refuses over HTTP, with a clear message and nothing stored", () => {
  it("the honeypot and a form sent too fast: 422 with the reason in the page's language", async () => {
    const before = await items();
    const token = await formPage("en");
    const bot = await postForm(t.url, `/hulp/${slug}?taal=en`, fields(token, { website: "http://spam.example" }));
    expect(bot.status).toBe(422);
    const botHtml = await bot.text();
    expect(botHtml).toContain('data-testid="fd-refused"');

    const fast = await postForm(t.url, `/hulp/${slug}?taal=nl`, fields(await formPage("nl")));
    expect(fast.status).toBe(422);
    const fastHtml = await fast.text();
    expect(fastHtml).toContain('data-testid="fd-refused"');
    // What was typed comes back.
    expect(fastHtml).toContain(CANARY);
    expect(await items()).toBe(before);

    // In time, the same form goes through.
    const token2 = await formPage("nl");
    clock.advance(5_000);
    const ok = await postForm(t.url, `/hulp/${slug}?taal=nl`, fields(token2));
    expect([200, 302, 303]).toContain(ok.status);
    expect(await items()).toBe(before + 1);
  });

  it("the daily cap (429 daily_cap) and the address budget (429 address_budget), each with Retry-After", async () => {
    await t.h.q.delete(t.h.t.frontDoorItems);
    await setFrontDoorDailyCap(t.h, t.seed.allianceA.id, 2);
    const body = { kind: "request", category: "taal", text: `${CANARY} hulp gezocht`, language: "nl", contact: { email: MAIL, consent: true } };
    expect((await api(body)).status).toBe(201);
    clock.advance(60_000);
    expect((await api(body)).status).toBe(201);
    clock.advance(60_000);
    const capped = await api(body);
    expect(capped.status).toBe(429);
    expect(((await capped.json()) as { error: string }).error).toBe("daily_cap");
    expect(Number(capped.headers.get("retry-after"))).toBeGreaterThan(0);

    await setFrontDoorDailyCap(t.h, t.seed.allianceA.id, 200);
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 6; i++) {
      clock.advance(60_000);
      last = await api(body);
      statuses.push(last.status);
      if (last.status === 429) break;
    }
    expect(statuses.filter((s) => s === 201).length).toBe(3);
    expect(last!.status).toBe(429);
    expect(((await last!.json()) as { error: string }).error).toBe("address_budget");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await items()).toBe(5);
  });

  it("the server's log names no text and no contact detail of any of them", () => {
    expect(captured.length).toBeGreaterThan(0);
    expect(captured).not.toContain(CANARY);
    expect(captured).not.toContain(MAIL);
  });
});
