/**
 * CSRF in a real browser: a logged-in coordinator visits a page on another
 * port of the same host (same site, so a SameSite=Lax cookie goes along).
 * That page submits forms (url-encoded, multipart, text/plain with a JSON
 * body) and `fetch`es (no-cors with text/plain, form and multipart bodies;
 * a cors JSON request that needs a preflight) to the app's claim, unclaim,
 * comment and create endpoints and to its page actions. Afterwards, read
 * through the app's own API from its own origin: nothing changed.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { login, PASSWORD } from "../e2e/helpers";
import { freePort, startServer, type TestServer } from "../e2e/server";
import { callFromOwnOrigin, countCrashUnlessAlive } from "./browser";
import { percentile, recordPart } from "./results";

let app: TestServer;
let attacker: http.Server;
let attackerUrl = "";
/** What the attacker's server answers on every path (set by the test). */
let attackerHtml = "<!doctype html><title>Leeg</title>";

const figures = { attacks: 0, refused: 0, unexpectedChanges: 0, crashes: 0, times: [] as number[], notes: [] as string[] };

test.beforeAll(async () => {
  app = await startServer();
  const port = await freePort();
  attacker = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(attackerHtml);
  });
  await new Promise<void>((resolve) => attacker.listen(port, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${port}`;
});

test.afterAll(async () => {
  await countCrashUnlessAlive(app, figures);
  recordPart({
    part: "csrf",
    attacks: figures.attacks,
    refused: figures.refused,
    unexpectedChanges: figures.unexpectedChanges,
    crashes: figures.crashes,
    peakRssMb: null,
    p99HandleMs: percentile(figures.times, 99),
    notes: ["Chromium on a page of another port of the same host; p99 from the browser's request timing", ...figures.notes],
  });
  await new Promise<void>((resolve) => attacker.close(() => resolve()));
  await app.cleanup();
});

/** A JSON API call from the app's own origin, with the context's cookies. */
const api = (page: Page, path: string, body?: unknown) => callFromOwnOrigin(page, app, path, body === undefined ? {} : { json: body });

interface Attack {
  name: string;
  kind: "form" | "fetch";
  url: string;
  /** form: the fields and enctype; fetch: the init, as JS source. */
  fields?: Record<string, string>;
  enctype?: string;
  init?: string;
}

/** The attacker's page: every attack at once, each form into an iframe of its own; `window.__finished` when all settled. */
function attackPage(attacks: Attack[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Gratis fietsen</title></head><body>
<h1>Win een fiets!</h1>
<script>
const attacks = ${JSON.stringify(attacks)};
let pending = attacks.length;
window.__settled = [];
const settle = (name) => { window.__settled.push(name); if (--pending === 0) window.__finished = true; };
for (const a of attacks) {
  if (a.kind === "form") {
    const frame = document.createElement("iframe");
    frame.name = "f" + Math.random().toString(36).slice(2);
    document.body.appendChild(frame);
    frame.addEventListener("load", () => settle(a.name), { once: true });
    const form = document.createElement("form");
    form.method = "POST";
    form.action = a.url;
    form.target = frame.name;
    if (a.enctype) form.enctype = a.enctype;
    for (const [k, v] of Object.entries(a.fields || {})) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = k;
      input.value = v;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
  } else {
    const init = (new Function("return (" + a.init + ")"))();
    fetch(a.url, Object.assign({ credentials: "include" }, init)).then(() => settle(a.name), () => settle(a.name));
  }
}
</script></body></html>`;
}

/** A text/plain form whose body is this JSON: `{"k":"v","pad":"="}`. */
function textPlainJson(obj: Record<string, string>): Record<string, string> {
  const json = JSON.stringify({ ...obj, pad: "" });
  const cut = json.lastIndexOf('""}');
  // name = everything up to the pad's value, value = the closing quote and brace; the browser joins them with "=".
  return { [json.slice(0, cut + 1)]: '"}' };
}

test("a page on another port of the same host cannot make a logged-in coordinator's browser change anything", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, app.url, "coordinator@ave.example");

  // What there is to attack, read from the app's own origin.
  const boards = (await api(page, "/api/boards")).json as Array<{ id: string; name: string }>;
  const board = boards.find((b) => b.name === "Hulpvragen Emmen")!;
  expect(board).toBeTruthy();
  const orgs = (await api(page, "/api/organisations")).json as Array<{ id: string; name: string }>;
  const ownOrg = orgs.find((o) => o.name === "Gemeente Emmen")!;
  await page.goto(`${app.url}/boards/${board.id}`);
  await expect(page.getByTestId("board")).toBeVisible();
  const cardIds = await page.$$eval("[data-testid^='card-']", (els) =>
    els.map((e) => e.getAttribute("data-testid")!.slice(5)).filter((id) => /^[0-9a-f-]{36}$/.test(id)),
  );
  const open: string[] = [];
  for (const id of cardIds) {
    const r = await api(page, `/api/boards/${board.id}/requests/${id}`);
    if (r.status === 200 && r.json.owner === null && !r.json.pendingReferral) open.push(id);
    if (open.length === 2) break;
  }
  expect(open.length).toBe(2);
  const [target, held] = open;
  // The coordinator's organisation holds one (from the own origin: this must work).
  const claimed = await api(page, `/api/boards/${board.id}/requests/${held}/claim`, {});
  expect(claimed.status, claimed.text).toBe(200);

  const marker = `CSRF-${randomUUID().slice(0, 8)}`;
  const rq = (id: string, verb: string) => `${app.url}/api/boards/${board.id}/requests/${id}/${verb}`;
  const createFields = { title: `${marker} hulpvraag`, category: "wonen", description: "", reference: "", area: "", urgency: "normaal" };
  const noCors = (body: string, type?: string) =>
    `{ method: "POST", mode: "no-cors", body: ${body}${type ? `, headers: { "Content-Type": ${JSON.stringify(type)} }` : ""} }`;
  const fd = (fields: Record<string, string>) => `(() => { const f = new FormData(); for (const [k, v] of Object.entries(${JSON.stringify(fields)})) f.append(k, v); return f; })()`;
  const usp = (fields: Record<string, string>) => `new URLSearchParams(${JSON.stringify(fields)})`;

  const attacks: Attack[] = [
    { name: "claim: url-encoded form", kind: "form", url: rq(target, "claim"), fields: { x: "1" } },
    { name: "claim: multipart form", kind: "form", url: rq(target, "claim"), fields: { x: "1" }, enctype: "multipart/form-data" },
    { name: "claim: text/plain form with a JSON body", kind: "form", url: rq(target, "claim"), fields: textPlainJson({ x: "1" }), enctype: "text/plain" },
    { name: "claim: no-cors fetch, text/plain JSON", kind: "fetch", url: rq(target, "claim"), init: noCors(`"{}"`, "text/plain") },
    { name: "claim: no-cors fetch, URLSearchParams", kind: "fetch", url: rq(target, "claim"), init: noCors(usp({ x: "1" })) },
    { name: "claim: no-cors fetch, FormData", kind: "fetch", url: rq(target, "claim"), init: noCors(fd({ x: "1" })) },
    {
      name: "claim: cors fetch with a JSON body (needs a preflight)",
      kind: "fetch",
      url: rq(target, "claim"),
      init: `{ method: "POST", mode: "cors", body: "{}", headers: { "Content-Type": "application/json" } }`,
    },
    { name: "unclaim: url-encoded form", kind: "form", url: rq(held, "unclaim"), fields: { x: "1" } },
    { name: "unclaim: text/plain form with a JSON body", kind: "form", url: rq(held, "unclaim"), fields: textPlainJson({ x: "1" }), enctype: "text/plain" },
    { name: "unclaim: no-cors fetch, text/plain", kind: "fetch", url: rq(held, "unclaim"), init: noCors(`"{}"`, "text/plain") },
    { name: "comment: url-encoded form", kind: "form", url: rq(target, "comments"), fields: { body: `${marker} formulier` } },
    { name: "comment: text/plain form with a JSON body", kind: "form", url: rq(target, "comments"), fields: textPlainJson({ body: `${marker} tekst` }), enctype: "text/plain" },
    { name: "comment: no-cors fetch, text/plain JSON", kind: "fetch", url: rq(target, "comments"), init: noCors(JSON.stringify(JSON.stringify({ body: `${marker} fetch` })), "text/plain") },
    { name: "comment: no-cors fetch, URLSearchParams", kind: "fetch", url: rq(target, "comments"), init: noCors(usp({ body: `${marker} params` })) },
    { name: "create: url-encoded form", kind: "form", url: `${app.url}/api/boards/${board.id}/requests`, fields: createFields },
    { name: "create: multipart form", kind: "form", url: `${app.url}/api/boards/${board.id}/requests`, fields: createFields, enctype: "multipart/form-data" },
    { name: "create: text/plain form with a JSON body", kind: "form", url: `${app.url}/api/boards/${board.id}/requests`, fields: textPlainJson(createFields), enctype: "text/plain" },
    { name: "create: no-cors fetch, text/plain JSON", kind: "fetch", url: `${app.url}/api/boards/${board.id}/requests`, init: noCors(JSON.stringify(JSON.stringify(createFields)), "text/plain") },
    { name: "page action: board create (form)", kind: "form", url: `${app.url}/boards/${board.id}`, fields: { intent: "create", ...createFields } },
    { name: "page action: board create (no-cors FormData)", kind: "fetch", url: `${app.url}/boards/${board.id}`, init: noCors(fd({ intent: "create", ...createFields })) },
    { name: "page action: /logout", kind: "form", url: `${app.url}/logout`, fields: {} },
    { name: "page action: /taal", kind: "form", url: `${app.url}/taal`, fields: { locale: "en", redirectTo: "/boards" } },
    { name: "page action: /beheer add-org", kind: "form", url: `${app.url}/beheer`, fields: { intent: "add-org", name: `${marker} organisatie`, shortName: "CSRF", color: "#123456" } },
    {
      name: "page action: /beheer add-person",
      kind: "form",
      url: `${app.url}/beheer`,
      fields: { intent: "add-person", name: `${marker} persoon`, email: `${marker.toLowerCase()}@evil.example`, organisationId: ownOrg.id, role: "coordinator" },
    },
    {
      name: "page action: /aanbod",
      kind: "form",
      url: `${app.url}/aanbod`,
      fields: { organisationId: ownOrg.id, count: "1", "offers.0.category": "taal", "offers.0.label": `${marker} aanbod`, "offers.0.capacity": "9", "offers.0.area": "" },
    },
    {
      name: "page action: /wachtwoord",
      kind: "form",
      url: `${app.url}/wachtwoord`,
      fields: { current: PASSWORD, password: "Gekaapt-wachtwoord-2026", repeat: "Gekaapt-wachtwoord-2026" },
    },
  ];

  // Another person of the same organisation reads the state afterwards: the
  // attacked session may itself be a victim (/logout), and one reader sees all.
  const verifierContext = await browser.newContext();
  const verifier = await verifierContext.newPage();
  await login(verifier, app.url, "gemeente@ave.example");

  const before = {
    target: (await api(page, `/api/boards/${board.id}/requests/${target}`)).json.owner,
    held: (await api(page, `/api/boards/${board.id}/requests/${held}`)).json.owner,
    offers: (await api(page, `/api/organisations/${ownOrg.id}/offers`)).text,
    cookies: (await context.cookies()).map((c) => `${c.name}=${c.value}`).sort(),
  };
  expect(before.held?.id).toBe(ownOrg.id);

  // Every request the attack makes to the app, with the server's answer as it
  // came off the wire (DevTools protocol): the browser itself hides it from the
  // page (frames refused by frame-ancestors, no-cors answers blocked by CORP).
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const sent = new Map<string, { method: string; url: string; at: number }>();
  const statusOf = new Map<string, number>();
  const tookMs = new Map<string, number>();
  const failed = new Map<string, string>();
  cdp.on("Network.requestWillBeSent", (e) => {
    // The browser's own CSP reports about the refused frames are not the attacker's requests.
    if (e.request.url.startsWith(app.url) && e.request.method !== "GET" && !e.request.url.startsWith(`${app.url}/csp-report`))
      sent.set(e.requestId, { method: e.request.method, url: e.request.url, at: e.timestamp });
  });
  cdp.on("Network.responseReceivedExtraInfo", (e) => statusOf.set(e.requestId, e.statusCode));
  cdp.on("Network.loadingFinished", (e) => sent.has(e.requestId) && tookMs.set(e.requestId, (e.timestamp - sent.get(e.requestId)!.at) * 1000));
  cdp.on("Network.loadingFailed", (e) => {
    if (!sent.has(e.requestId)) return;
    tookMs.set(e.requestId, (e.timestamp - sent.get(e.requestId)!.at) * 1000);
    failed.set(e.requestId, e.errorText);
  });

  attackerHtml = attackPage(attacks);
  await page.goto(attackerUrl);
  await page.waitForFunction(() => (window as unknown as { __finished?: boolean }).__finished === true, undefined, { timeout: 30_000 });
  // Every request the browser sent has its end (finished or failed) before we read the figures.
  await expect.poll(() => [...sent.keys()].every((id) => tookMs.has(id)), { timeout: 10_000 }).toBe(true);
  await cdp.detach();

  // What reached the server: every POST refused (403, or 415 for a body that is not JSON);
  // a POST the browser never let out (a failed preflight) has no answer and counts as refused.
  const posts = [...sent.entries()].filter(([, r]) => r.method === "POST").map(([id, r]) => ({ ...r, status: statusOf.get(id) ?? 0, ms: tookMs.get(id) ?? 0, failure: failed.get(id) }));
  const preflights = [...sent.values()].filter((r) => r.method === "OPTIONS");
  figures.attacks += attacks.length;
  const notRefused = posts.filter((p) => p.status !== 0 && ![403, 415].includes(p.status));
  for (const p of posts) if (p.status) figures.times.push(p.ms);
  figures.refused += attacks.length - notRefused.length;
  for (const p of notRefused) figures.notes.push(`reached the app and was not refused: POST ${p.url.replace(app.url, "")} → ${p.status}`);
  figures.notes.push(
    `${posts.filter((p) => p.status).length} of ${attacks.length} attacks reached the app; ${posts.filter((p) => !p.status).length} stopped by the browser (${[...new Set(posts.filter((p) => !p.status).map((p) => p.failure))].join(", ")}); ${preflights.length} preflight(s) seen`,
  );

  // Afterwards, from the app's own origin: nothing changed.
  await page.goto(`${app.url}/boards`);
  const changes: string[] = [];
  const session = await api(page, "/api/boards");
  if (session.status !== 200) changes.push(`the session was ended (GET /api/boards → ${session.status})`);
  const after = {
    target: (await api(verifier, `/api/boards/${board.id}/requests/${target}`)).json?.owner,
    held: (await api(verifier, `/api/boards/${board.id}/requests/${held}`)).json?.owner,
    comments: (await api(verifier, `/api/boards/${board.id}/requests/${target}/comments`)).text,
    offers: (await api(verifier, `/api/organisations/${ownOrg.id}/offers`)).text,
    orgs: (await api(verifier, "/api/organisations")).text,
    boardPage: await (await verifier.request.get(`${app.url}/boards/${board.id}`)).text(),
    activity: (await api(verifier, `/api/boards/${board.id}/activity?limit=200`)).text,
    admin: session.status === 200 ? await (await page.request.get(`${app.url}/beheer`)).text() : "",
    cookies: (await context.cookies()).map((c) => `${c.name}=${c.value}`).sort(),
  };
  if (JSON.stringify(after.target) !== JSON.stringify(before.target)) changes.push(`claim: the request is now held by ${JSON.stringify(after.target)}`);
  if (JSON.stringify(after.held) !== JSON.stringify(before.held)) changes.push(`unclaim: the held request is now ${JSON.stringify(after.held)}`);
  if (after.comments.includes(marker)) changes.push("comment: a comment of the attacker's was added");
  if (after.boardPage.includes(marker) || after.activity.includes(marker)) changes.push("create: a request of the attacker's is on the board");
  if (after.offers !== before.offers) changes.push("aanbod: the offers changed");
  if (after.orgs.includes(marker) || after.admin.includes(marker)) changes.push("beheer: an organisation or person of the attacker's was added");
  if (JSON.stringify(after.cookies) !== JSON.stringify(before.cookies)) changes.push(`cookies changed: ${after.cookies.filter((c) => !before.cookies.includes(c)).map((c) => c.split("=")[0]).join(", ")}`);
  // The password is still the one the coordinator knows.
  const fresh = await browser.newContext();
  const check = await fresh.newPage();
  try {
    await login(check, app.url, "coordinator@ave.example");
  } catch {
    changes.push("wachtwoord: the coordinator's password no longer works");
  }
  await fresh.close();
  figures.unexpectedChanges += changes.length;
  figures.notes.push(...changes.map((c) => `state changed: ${c}`));

  await context.close();
  await verifierContext.close();
  expect(changes, changes.join("\n")).toEqual([]);
  expect(
    notRefused.map((p) => `${p.url.replace(app.url, "")} → ${p.status}`),
    "every POST that reached the app was refused",
  ).toEqual([]);
});
