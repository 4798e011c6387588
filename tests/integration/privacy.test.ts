/**
 * For the privacy officer: the processing register (GET
 * /api/alliance/processing-register.csv, coordinator only, not for another
 * site) filled from the alliance's real settings, and the /privacy page
 * every logged-in person of the alliance reads.
 */
import Papa from "papaparse";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTwoFactorPolicy } from "../../db/two-factor";
import { translator } from "../../app/i18n";
import type { SessionUser } from "../../app/services/auth.server";
import { privacyFacts, registerRows } from "../../app/services/privacy.server";
import { newBoardVia, startTestServer, type TestServer } from "./harness";

let t: TestServer;
let coordinator: string;

beforeAll(async () => {
  t = await startTestServer();
  coordinator = t.seed.cookies.coordinatorA;
});

afterAll(async () => {
  await t?.close();
});

const HEADERS_NL = ["Verwerking", "Doel", "Betrokkenen", "Persoonsgegevens", "Ontvangers", "Bewaartermijn", "Beveiliging", "Opslag"];

async function register(cookie: string, headers: Record<string, string> = {}) {
  return fetch(`${t.url}/api/alliance/processing-register.csv`, { headers: { cookie, ...headers } });
}

/** The CSV as Excel reads it: UTF-8 with a BOM (fetch's text() would drop it), `;`, CRLF. */
async function parse(res: Response): Promise<string[][]> {
  const bytes = Buffer.from(await res.arrayBuffer());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString("utf8");
  expect(text.endsWith("\r\n")).toBe(true);
  const parsed = Papa.parse<string[]>(text, { delimiter: ";", newline: "\r\n", skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

describe("the processing register (CSV)", () => {
  it("a coordinator gets one row per processing activity with the columns of art. 30, filled from the alliance's settings", async () => {
    const res = await register(coordinator);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="verwerkingsregister-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const rows = await parse(res);
    expect(rows[0]).toEqual(HEADERS_NL);
    const body = rows.slice(1);
    expect(body.map((r) => r[0])).toEqual([
      "Hulpvragen coördineren op het bord",
      "Contactgegevens van hulpvragers",
      "Reacties en doorverwijzingen",
      "Activiteitenlogboek",
      "Accounts en inloggen",
      "Meldingen en e-mail",
      "Overleggen van de alliantie",
      "Back-ups",
    ]);
    for (const r of body) {
      expect(r.length).toBe(8);
      for (const cell of r) expect(cell.trim().length).toBeGreaterThan(0);
    }
    const byActivity = new Map(body.map((r) => [r[0], r]));
    expect(byActivity.get("Hulpvragen coördineren op het bord")![5]).toBe("Hulpvragen Noord: 12 maanden na afronden of archiveren, dan anoniem gemaakt");
    expect(byActivity.get("Accounts en inloggen")![5]).toContain("sessies 14 dagen");
    expect(byActivity.get("Accounts en inloggen")![6]).toContain("tweede stap: niet verplicht, ieder kiest zelf");
    expect(byActivity.get("Back-ups")![5]).toBe("Geen automatische back-ups ingesteld; volgens afspraak met de beheerder");
    // Nothing of the other alliance.
    expect(JSON.stringify(rows)).not.toContain("Zuid");
  });

  it("follows the settings: another board and its retention, a changed retention, the person's language", async () => {
    const id = await newBoardVia(t, coordinator, "=1+1 bord");
    expect((await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { retentionMonths: 6 } })).status).toBe(200);
    const rows = await parse(await register(coordinator));
    const board = rows.find((r) => r[0] === "Hulpvragen coördineren op het bord")!;
    // A cell that would start a formula in Excel is made text.
    expect(board[5]).toBe("'=1+1 bord: 6 maanden na afronden of archiveren, dan anoniem gemaakt; Hulpvragen Noord: 12 maanden na afronden of archiveren, dan anoniem gemaakt");

    await t.h.q.update(t.h.t.users).set({ locale: "en" }).where(eq(t.h.t.users.id, t.seed.coordinatorA.id));
    try {
      const en = await parse(await register(coordinator));
      expect(en[0]).toEqual(["Processing activity", "Purpose", "Data subjects", "Personal data", "Recipients", "Retention", "Security measures", "Where stored"]);
      expect(en.find((r) => r[0] === "Accounts and login")![6]).toContain("second step: not required, each person chooses");
    } finally {
      await t.h.q.update(t.h.t.users).set({ locale: "nl" }).where(eq(t.h.t.users.id, t.seed.coordinatorA.id));
    }
  });

  it("states the alliance's two-factor policy as it is stored", async () => {
    // Read through the service: a required second step would hold the coordinator's own request at the login gate.
    const who = { allianceId: t.seed.allianceA.id } as SessionUser;
    await setTwoFactorPolicy(t.h, t.seed.allianceA.id, "coordinators");
    try {
      const facts = await privacyFacts(t.services, who);
      expect(facts.twoFactorPolicy).toBe("coordinators");
      const accounts = registerRows(translator("nl"), facts).find((r) => r.activity === "Accounts en inloggen")!;
      expect(accounts.security).toContain("tweede stap: verplicht voor coördinatoren");
    } finally {
      await setTwoFactorPolicy(t.h, t.seed.allianceA.id, "off");
    }
    expect((await privacyFacts(t.services, who)).twoFactorPolicy).toBe("off");
  });

  it("403 for a member and a viewer, 401 without a session", async () => {
    for (const cookie of [t.seed.cookies.memberA1, t.seed.cookies.viewerA, t.seed.cookies.memberB]) {
      const res = await register(cookie);
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe("forbidden");
    }
    expect((await fetch(`${t.url}/api/alliance/processing-register.csv`)).status).toBe(401);
  });

  it("403 forbidden_origin for a request from another site (Origin or Sec-Fetch-Site); our own pages' link passes", async () => {
    const foreign: Array<Record<string, string>> = [{ origin: "https://kwaad.example" }, { "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }];
    for (const headers of foreign) {
      const res = await register(coordinator, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect((await res.json()).error).toBe("forbidden_origin");
    }
    expect((await register(coordinator, { origin: t.url, "sec-fetch-site": "same-origin" })).status).toBe(200);
  });
});

describe("the privacy page", () => {
  it("every person of the alliance reads it, with the alliance's boards and their retention; only a coordinator gets the register link", async () => {
    const member = await fetch(`${t.url}/privacy`, { headers: { cookie: t.seed.cookies.viewerA } });
    expect(member.status).toBe(200);
    const html = await member.text();
    expect(html).toContain("Privacy en gegevens · Alliantie Noord");
    expect(html).toContain("Hulpvragen Noord: 12 maanden");
    expect(html).toContain("Een inlogsessie vervalt na 14 dagen");
    expect(html).toContain("Hulpvragen coördineren op het bord");
    expect(html).not.toContain("processing-register.csv");
    expect(html).not.toContain("Hulpvragen Zuid");

    const coord = await (await fetch(`${t.url}/privacy`, { headers: { cookie: coordinator } })).text();
    expect(coord).toContain('href="/api/alliance/processing-register.csv"');

    const other = await (await fetch(`${t.url}/privacy`, { headers: { cookie: t.seed.cookies.memberB } })).text();
    expect(other).toContain("Hulpvragen Zuid: 12 maanden");
    expect(other).not.toContain("Hulpvragen Noord");
  });

  it("asks for a login without a session", async () => {
    const res = await fetch(`${t.url}/privacy`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/login/);
  });
});
