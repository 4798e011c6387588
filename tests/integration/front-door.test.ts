/**
 * The public front door (issue 15) through the real server: the form in all
 * five languages and the JSON endpoint create a request in Nieuw with its
 * marks; the status page shows only the stage and follows the card; CORS
 * only for the configured sites; a door that is off or unknown is a 404;
 * contact details are sealed and reach only the organisation that takes the
 * request up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getCard, listColumns, moveCard } from "../../app/board/domain";
import { stageOfColumn } from "../../app/board/stages";
import { codeHash } from "../../app/services/front-door.server";
import { setFrontDoor } from "../../db/front-door";
import { amsterdamDayBounds } from "../../app/board/front-door-guard";
import { createClock, postForm, startTestServer, waitFor, type TestClock, type TestServer } from "./harness";

let t: TestServer;
/**
 * The server's clock: every accepted submission comes from 127.0.0.1, which
 * the guard gives 5 an hour and 20 a day; each one moves the clock an hour
 * on (which also covers the form's minimum fill time). Starts just after
 * midnight in Amsterdam so the day holds them all.
 */
let clock: TestClock;
let slugA: string;
let slugB: string;
const PARTNER = "https://partner.example";
const EVIL = "https://evil.example";

beforeAll(async () => {
  clock = createClock();
  clock.advance(amsterdamDayBounds(Date.now()).start + 10 * 60_000 - Date.now());
  t = await startTestServer({}, { now: clock.now });
  const { alliances } = t.h.t;
  const slugOf = async (id: string) => (await t.h.q.select({ slug: alliances.slug }).from(alliances).where(eq(alliances.id, id)))[0].slug;
  slugA = await slugOf(t.seed.allianceA.id);
  slugB = await slugOf(t.seed.allianceB.id);
  await setFrontDoor(t.h, t.seed.allianceA.id, { enabled: true, boardId: t.seed.boardA.id, sites: [PARTNER] });
});

afterAll(async () => {
  await t?.close();
});

/** The card of a request as the server's live document has it, with its column's stage. */
async function cardOf(requestId: string) {
  return t.services.rooms.readDoc(t.seed.boardA.id, (doc) => {
    const c = getCard(doc, requestId);
    return c ? { ...c, stage: stageOfColumn(listColumns(doc), c.column) } : null;
  });
}

async function itemByRequest(requestId: string) {
  const { frontDoorItems } = t.h.t;
  return (await t.h.q.select().from(frontDoorItems).where(eq(frontDoorItems.requestId, requestId)))[0];
}
const frontDoorRows = () => t.h.q.select().from(t.h.t.frontDoorItems);

async function page(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(t.url + path, { headers, redirect: "manual" });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** The form as a person sends it: the page first (its guard token), an hour later the post. */
async function sendForm(fields: Record<string, string>, lang = "nl") {
  const p = await page(`/hulp/${slugA}?taal=${lang}`);
  const token = /name="formToken" value="([^"]+)"/.exec(p.html)?.[1];
  if (!token) throw new Error("no form token on the page");
  clock.advance(3_600_001);
  return postForm(t.url, `/hulp/${slugA}?taal=${lang}`, { website: "", formToken: token, ...fields });
}

/** The JSON endpoint as an embedding website calls it (an hour after the last one, for the address budget). */
async function sendJson(body: unknown, headers: Record<string, string> = {}) {
  clock.advance(3_600_001);
  return t.api(`/api/public/${slugA}/requests`, { body, headers });
}

/** The receipt code in a redirect to the status page. */
function codeFrom(location: string | null): string {
  const m = /\/status\/([0-9A-Z]{12})\?/.exec(location ?? "");
  if (!m) throw new Error(`no code in ${location}`);
  return m[1];
}

async function requestIdOfCode(code: string): Promise<string> {
  const rows = await frontDoorRows();
  const row = rows.find((r) => r.codeHash === codeHash(code));
  if (!row?.requestId) throw new Error("no item for code");
  return row.requestId;
}

const TEXTS: Record<string, string> = {
  nl: "Wij zoeken een fiets voor onze dochter om naar school te gaan.",
  en: "We are looking for a bicycle so our daughter can get to school.",
  ar: "نبحث عن دراجة لابنتنا لتذهب بها إلى المدرسة.",
  ti: "ንጓልና ናብ ቤት ትምህርቲ ንኽትከይድ ብሽክለታ ንደሊ ኣለና።",
  uk: "Шукаємо велосипед для нашої доньки, щоб вона їздила до школи.",
};

describe("the form in every language", () => {
  for (const lang of ["nl", "en", "ar", "ti", "uk"]) {
    it(`${lang}: the page speaks it without scripts and the post lands in Nieuw with its marks`, async () => {
      const p = await page(`/hulp/${slugA}?taal=${lang}`);
      expect(p.status).toBe(200);
      expect(p.html).toContain(`<html lang="${lang}" dir="${lang === "ar" ? "rtl" : "ltr"}"`);
      expect(p.html).not.toMatch(/<script/i);
      expect(p.html).toContain('name="category"');

      const res = await sendForm({ kind: "request", category: "maatje", text: TEXTS[lang], area: "Emmen" }, lang);
      expect(res.status).toBe(302);
      const code = codeFrom(res.headers.get("location"));
      const id = (await requestIdOfCode(code));
      const card = (await cardOf(id))!;
      expect(card.column).toBe("nieuw");
      expect(card.stage).toBe("intake");
      expect(card).toMatchObject({ origin: "front-door", language: lang, kind: "request", description: TEXTS[lang], category: "maatje", area: "Emmen" });
      const { requests, organisations } = t.h.t;
      const [row] = await t.h.q.select().from(requests).where(eq(requests.id, id));
      const [org] = await t.h.q.select().from(organisations).where(eq(organisations.id, row.createdByOrgId));
      expect(org.kind).toBe("front-door");
      expect(org.allianceId).toBe(t.seed.allianceA.id);
      expect(card.createdByOrg).toBe(org.id);
      expect(row.createdByUserId).toBeNull();
      const item = (await itemByRequest(id))!;
      expect(item).toMatchObject({ allianceId: t.seed.allianceA.id, boardId: t.seed.boardA.id, kind: "request", language: lang });
      // Only the hash of the code is stored.
      expect(JSON.stringify(item)).not.toContain(code);
    });
  }

  it("Accept-Language picks the language when none is chosen", async () => {
    const p = await page(`/hulp/${slugA}`, { "Accept-Language": "de-DE, uk;q=0.9, en;q=0.8" });
    expect(p.html).toContain('<html lang="uk" dir="ltr"');
    const q = await page(`/hulp/${slugA}`, { "Accept-Language": "fr, ar-SY;q=0.5" });
    expect(q.html).toContain('<html lang="ar" dir="rtl"');
  });

  it("a form with mistakes comes back with every value and the errors in the person's language", async () => {
    const res = await sendForm({ kind: "activity", organisation: "", category: "", text: "kort", area: "Zuidwijk", name: "Olena" }, "uk");
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<html lang="uk"');
    expect(html).toContain("Будь ласка, заповніть це поле."); // required
    expect(html).toContain("Будь ласка, напишіть трохи більше."); // tooShort
    expect(html).toContain("Поставте позначку"); // consent needed when details are given
    expect(html).toContain('value="Zuidwijk"');
    expect(html).toContain('value="Olena"');
    expect(html).toMatch(/<textarea[^>]*>kort<\/textarea>/);
  });

  it("personal data in the text is pointed out first, and sent when the person chooses to", async () => {
    const text = "Ik zoek hulp met mijn brieven, bel me op 06-12345678 graag.";
    const warned = await sendForm({ kind: "request", category: "taal", text });
    expect(warned.status).toBe(422);
    expect(await warned.text()).toContain("Toch zo versturen");
    const sent = await sendForm({ kind: "request", category: "taal", text, acknowledgePersonalData: "1" });
    expect(sent.status).toBe(302);
    expect(await cardOf((await requestIdOfCode(codeFrom(sent.headers.get("location")))))).toMatchObject({ description: text });
  });
});

describe("the JSON endpoint", () => {
  const body = { kind: "offer", category: "taal", text: "I can help with Dutch lessons on Tuesday evenings.", language: "en" };

  it("answers 201 with a receipt code and lands an offer in Nieuw", async () => {
    const res = await sendJson(body);
    expect(res.status).toBe(201);
    expect(res.body.code).toMatch(/^[0-9A-Z]{12}$/);
    const card = (await cardOf((await requestIdOfCode(res.body.code))))!;
    expect(card).toMatchObject({ kind: "offer", origin: "front-door", language: "en", column: "nieuw", description: body.text });
  });

  it("422 names each bad field", async () => {
    const res = await t.api(`/api/public/${slugA}/requests`, { body: { kind: "gift", category: "nope", text: 5, language: "??", contact: { email: "x" } } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ kind: "unknown", category: "unknown", text: "type", language: "pattern", "contact.email": "email" });
  });

  it("CORS only for the configured sites: preflight and the answer; any other origin none, and 403", async () => {
    const pre = await fetch(`${t.url}/api/public/${slugA}/requests`, {
      method: "OPTIONS",
      headers: { Origin: PARTNER, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(PARTNER);
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();

    const bad = await fetch(`${t.url}/api/public/${slugA}/requests`, { method: "OPTIONS", headers: { Origin: EVIL, "Access-Control-Request-Method": "POST" } });
    expect(bad.status).toBe(403);
    expect(bad.headers.get("access-control-allow-origin")).toBeNull();

    const ok = await sendJson(body, { origin: PARTNER });
    expect(ok.status).toBe(201);
    expect(ok.headers.get("access-control-allow-origin")).toBe(PARTNER);

    const invalid = await t.api(`/api/public/${slugA}/requests`, { body: {}, headers: { origin: PARTNER } });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get("access-control-allow-origin")).toBe(PARTNER);

    const before = (await frontDoorRows()).length;
    const evil = await t.api(`/api/public/${slugA}/requests`, { body, headers: { origin: EVIL } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    expect((await frontDoorRows()).length).toBe(before);
  });

  it("the exemption is this endpoint only: another origin still cannot write elsewhere, nor post the page's form", async () => {
    const other = await t.api(`/api/boards/${t.seed.boardA.id}/requests`, {
      cookie: t.seed.cookies.memberA1,
      body: { title: "Van buiten", category: "wonen" },
      headers: { origin: PARTNER },
    });
    expect(other.status).toBe(403);
    const form = await postForm(t.url, `/hulp/${slugA}`, { kind: "request", category: "taal", text: "Een vraag van een andere site." }, { headers: { origin: PARTNER } });
    expect(form.status).toBe(403);
  });
});

describe("off or unknown", () => {
  it("a door that is off, an unknown slug: 404 page in the visitor's language, 404 JSON", async () => {
    for (const slug of [slugB, "bestaat-niet"]) {
      const p = await page(`/hulp/${slug}?taal=ar`);
      expect(p.status).toBe(404);
      expect(p.html).toContain('<html lang="ar" dir="rtl"');
      expect(p.html).toContain("هذه الصفحة غير موجودة");
      const api = await t.api(`/api/public/${slug}/requests`, { body: { kind: "request", category: "werk", text: "Ik zoek werk in de buurt.", language: "nl" } });
      expect(api.status).toBe(404);
      const st = await page(`/hulp/${slug}/status/ABCDABCDABCD`);
      expect(st.status).toBe(404);
    }
  });

  it("switched off, the open door closes at once", async () => {
    await setFrontDoor(t.h, t.seed.allianceA.id, { enabled: false, boardId: t.seed.boardA.id, sites: [PARTNER] });
    try {
      expect((await page(`/hulp/${slugA}`)).status).toBe(404);
    } finally {
      await setFrontDoor(t.h, t.seed.allianceA.id, { enabled: true, boardId: t.seed.boardA.id, sites: [PARTNER] });
    }
    expect((await page(`/hulp/${slugA}`)).status).toBe(200);
  });
});

describe("the status page and sealed contact details", () => {
  it("shows only the stage, follows the card, and the contact reaches only who takes it up", async () => {
    const res = await sendForm(
      { kind: "request", category: "wonen", text: "Wij zoeken een kamer voor twee maanden.", name: "Samira Tesfay", phone: "+31 6 5555 1234", reachBy: "whatsapp", consent: "on" },
      "ti",
    );
    expect(res.status).toBe(302);
    const code = codeFrom(res.headers.get("location"));
    const id = (await requestIdOfCode(code));

    const receipt = await page(res.headers.get("location")!);
    expect(receipt.status).toBe(200);
    expect(receipt.html).toContain(code.replace(/(.{4})(?=.)/g, "$1-"));
    const shown = async (c = code) => {
      const p = await page(`/hulp/${slugA}/status/${c}?taal=nl`);
      expect(p.html).not.toContain("kamer voor twee maanden");
      expect(p.html).not.toContain(t.seed.orgA1.name);
      expect(p.html).not.toContain("Voordeur");
      return /data-testid="fd-stage">([^<]+)</.exec(p.html)?.[1];
    };
    // Two servers (PostgreSQL): the status page may be served by the server that did not make the change, whose
    // live copy has it once the relay brings it.
    const shownAfterChange = (stage: string) => waitFor(async () => (await shown()) === stage, { message: `the status page shows ${stage}` });
    expect(await shown()).toBe("Ontvangen");
    // Typed with dashes and lower case, it is the same code.
    expect(await shown(code.toLowerCase().replace(/(.{4})(?=.)/g, "$1-"))).toBe("Ontvangen");

    // Sealed: no plaintext in the row; nobody reads it while nobody holds the request.
    const { requestContacts } = t.h.t;
    const [sealed] = await t.h.q.select().from(requestContacts).where(eq(requestContacts.requestId, id));
    expect(sealed.consent).toBe(true);
    expect(sealed.sealed.toString("latin1")).not.toContain("Samira");
    expect(sealed.sealed.toString("latin1")).not.toContain("5555");
    const early = await t.api(`/api/boards/${t.seed.boardA.id}/requests/${id}/contact`, { cookie: t.seed.cookies.memberA1 });
    expect(early.status).toBe(403);

    const claim = await t.api(`/api/boards/${t.seed.boardA.id}/requests/${id}/claim`, { cookie: t.seed.cookies.memberA1, method: "POST" });
    expect(claim.status).toBe(200);
    await shownAfterChange("Iemand pakt het op");
    const read = await t.api(`/api/boards/${t.seed.boardA.id}/requests/${id}/contact`, { cookie: t.seed.cookies.memberA1 });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ name: "Samira Tesfay", phone: "+31 6 5555 1234", note: "whatsapp", consent: true });
    const other = await t.api(`/api/boards/${t.seed.boardA.id}/requests/${id}/contact`, { cookie: t.seed.cookies.memberA2 });
    expect(other.status).toBe(403);

    await t.services.rooms.withDoc(t.seed.boardA.id, (doc) => moveCard(doc, id, "afgerond", 0, Date.now()));
    await shownAfterChange("Afgerond");
  });

  it("an unknown code says so; lookups are limited per address", async () => {
    const p = await page(`/hulp/${slugA}/status/ZZZZZZZZZZZZ?taal=en`);
    expect(p.status).toBe(404);
    expect(p.html).toContain("We do not know this code.");
    let last = 0;
    for (let i = 0; i < 40 && last !== 429; i++) last = (await page(`/hulp/${slugA}/status/ZZZZZZZZZZZ${i % 10}`)).status;
    expect(last).toBe(429);
  });
});
