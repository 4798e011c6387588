/**
 * The coordinator's overview against the real server: the intake warning
 * before saving, the live "Dubbel?" badge in another browser, the overview
 * page (matrix, capacity chart, duplicates), matching in the card dialog,
 * the report with its downloads (no reference in them) and the offers page.
 */
import { expect, test, type Browser, type Page } from "@playwright/test";
import { login, openDemoBoard, seriousViolations, openFromMoreMenu, serverForFile } from "./helpers";

// One story in steps: the later tests work on the cards and the board the first one made. Serial, so a retry runs the steps again from the first
// (on a fresh server), instead of one step alone without what came before.
test.describe.configure({ mode: "serial" });

let boardId = "";

const REFERENCE = "TEST-DUP-01";
const TAALHUIS_TITLE = "Taalmaatje voor gezin (test dubbel)";
const KERK_TITLE = "Oefenen met Nederlands praten (test dubbel)";

const server = serverForFile();

async function person(browser: Browser, email: string): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, server.url, email);
  return page;
}

function cardWithTitle(page: Page, title: string) {
  return page.locator("[data-card-id]", { hasText: title });
}

test("kerk sees the intake warning before saving; the coordinator's board shows the duplicate badge without reload", async ({
  browser,
}) => {
  const coordinator = await person(browser, "coordinator@ave.example");
  await openDemoBoard(coordinator);
  boardId = new URL(coordinator.url()).pathname.split("/")[2];
  // A marker that a reload would wipe out.
  await coordinator.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

  // Taalhuis registers a language request for a person (through the JSON API, as its own session).
  const taalhuis = await person(browser, "taalhuis@ave.example");
  const created = await taalhuis.request.post(`${server.url}/api/boards/${boardId}/requests`, {
    headers: { Origin: server.url },
    data: { title: TAALHUIS_TITLE, category: "taal", description: "", reference: REFERENCE, area: "Angelslo", urgency: "normaal" },
  });
  expect(created.status()).toBe(201);
  await expect(cardWithTitle(coordinator, TAALHUIS_TITLE)).toBeVisible();
  await expect(cardWithTitle(coordinator, TAALHUIS_TITLE).getByTestId("duplicate-badge")).toHaveCount(0);

  // The Diaconie enters the same person (written differently) with the same category.
  const kerk = await person(browser, "kerk@ave.example");
  await openDemoBoard(kerk);
  await kerk.getByTestId("new-request").click();
  const dialog = kerk.getByTestId("dialog-new-request");
  await dialog.getByLabel("Titel").fill(KERK_TITLE);
  await dialog.getByLabel("Categorie").selectOption("taal");
  await dialog.getByLabel("Pseudonieme verwijzing").fill("test dup 01");
  const warning = dialog.getByTestId("intake-warning");
  await expect(warning).toHaveAttribute("role", "status");
  await expect(warning).toContainText("Taalhuis werkt al aan een vraag over taal voor deze persoon.");
  // Organisation and category only: never the reference or the other card's title.
  await expect(warning).not.toContainText(REFERENCE);
  await expect(warning).not.toContainText(TAALHUIS_TITLE);

  // Another category: still worth knowing, but no duplicate.
  await dialog.getByLabel("Categorie").selectOption("werk");
  await expect(warning).toContainText("Taalhuis werkt ook al voor deze persoon (vraag over taal).");
  await dialog.getByLabel("Categorie").selectOption("taal");
  await expect(warning).toContainText("Taalhuis werkt al aan een vraag over taal");

  await dialog.getByRole("button", { name: "Aanvraag toevoegen" }).click();
  await expect(dialog).toBeHidden();

  // The coordinator's board: the new card and the Taalhuis card carry the badge, live.
  const kerkCard = cardWithTitle(coordinator, KERK_TITLE);
  await expect(kerkCard).toBeVisible();
  await expect(kerkCard.getByTestId("duplicate-badge")).toBeVisible();
  await expect(kerkCard.getByTestId("duplicate-badge")).toHaveText(/Dubbel\?/);
  await expect(cardWithTitle(coordinator, TAALHUIS_TITLE).getByTestId("duplicate-badge")).toBeVisible();
  expect(await coordinator.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

  await taalhuis.context().close();
  await kerk.context().close();
  await coordinator.context().close();
});

test("the overview shows the matrix, the capacity chart and the duplicate; a coordinator marks it 'geen dubbel'", async ({ browser }) => {
  const coordinator = await person(browser, "coordinator@ave.example");
  await openDemoBoard(coordinator);
  await openFromMoreMenu(coordinator, "overview-link");
  await expect(coordinator).toHaveURL(new RegExp(`/boards/${boardId}/overzicht$`));

  const matrix = coordinator.getByTestId("overview-matrix");
  await expect(matrix).toBeVisible();
  for (const header of ["Categorie", "Organisatie", "Nieuw", "Open", "Opgepakt", "In uitvoering", "Afgerond", "Totaal"]) {
    await expect(matrix.getByRole("columnheader", { name: header, exact: true })).toBeVisible();
  }
  await expect(matrix.getByRole("rowheader", { name: "Taal", exact: true })).toBeVisible();
  await expect(matrix.getByRole("rowheader", { name: "Nog niet opgepakt" }).first()).toBeVisible();

  const chart = coordinator.getByTestId("capacity-chart");
  await expect(chart.getByRole("img", { name: /Vraag tegenover opgegeven aanbod per categorie/ })).toBeVisible();
  // The demo's declared capacity for taal: 5 + 8 (Taalhuis).
  await expect(chart.locator("desc")).toContainText("Taal: vraag");
  await expect(chart.locator("desc")).toContainText("aanbod 13");

  await expect(coordinator.getByTestId("overview-categories")).toBeVisible();
  await expect(coordinator.getByTestId("stale-list")).toBeVisible();

  // The stale limit is a form (?ouderDan=).
  await coordinator.getByLabel("Ouder dan").fill("50");
  await coordinator.getByRole("button", { name: "Toon", exact: true }).click();
  await expect(coordinator).toHaveURL(/ouderDan=50/);
  await expect(coordinator.getByRole("heading", { name: "Open langer dan 50 dagen" })).toBeVisible();

  // The duplicate group: titles and organisations, never the reference.
  const group = coordinator.getByTestId("duplicate-group").filter({ hasText: KERK_TITLE });
  await expect(group).toHaveAttribute("data-kind", "exact");
  await expect(group).toContainText(TAALHUIS_TITLE);
  await expect(group).toContainText("Taalhuis");
  await expect(group).toContainText("Diaconie");
  const text = await coordinator.locator("main").innerText();
  expect(text).not.toContain(REFERENCE);
  expect(text.toLowerCase()).not.toContain("test dup 01");

  expect(await seriousViolations(coordinator)).toEqual([]);

  await group.getByTestId("dup-dismiss").click();
  await expect(coordinator.getByTestId("duplicate-group").filter({ hasText: KERK_TITLE })).toHaveCount(0);

  // Back on the board the badge is gone.
  await coordinator.goto(`${server.url}/boards/${boardId}`);
  await expect(coordinator.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(cardWithTitle(coordinator, KERK_TITLE)).toBeVisible();
  await expect(cardWithTitle(coordinator, KERK_TITLE).getByTestId("duplicate-badge")).toHaveCount(0);
  await coordinator.context().close();
});

test("a request in the overview links to its card on the board", async ({ browser }) => {
  const coordinator = await person(browser, "coordinator@ave.example");
  await coordinator.goto(`${server.url}/boards/${boardId}/overzicht`);
  const link = coordinator.getByTestId("overview-categories").getByRole("link").first();
  const title = await link.innerText();
  await link.click();
  await expect(coordinator).toHaveURL(/\?kaart=/);
  const dialog = coordinator.getByTestId("dialog-card");
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("Wie pakt dit op?");
  await expect(dialog.getByLabel("Titel")).toHaveValue(title);
  await coordinator.context().close();
});

test("the card dialog ranks organisations with reasons; a coordinator assigns with one click", async ({ browser }) => {
  const coordinator = await person(browser, "coordinator@ave.example");
  await coordinator.goto(`${server.url}/boards/${boardId}`);
  await expect(coordinator.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await cardWithTitle(coordinator, KERK_TITLE).click();
  const dialog = coordinator.getByTestId("dialog-card");
  const matches = dialog.getByTestId("matches");
  await expect(matches.getByRole("heading", { name: "Wie kan dit oppakken?" })).toBeVisible();
  const taalhuis = matches.getByTestId("match").filter({ hasText: "Taalhuis" });
  await expect(taalhuis).toContainText("Biedt 5 taalmaatjes vrij, 8 plaatsen in het taalcafé aan");
  await expect(taalhuis).toContainText(/\d+ plaatsen vrij/);
  await taalhuis.getByTestId("match-refer").click();
  await expect(dialog.getByTestId("owner-status")).toContainText("Taalhuis");
  await expect(cardWithTitle(coordinator, KERK_TITLE).getByTestId("owner-badge")).toHaveText("Taalhuis");
  await coordinator.context().close();
});

test("the report offers CSV and JSON downloads without any reference or card text", async ({ browser }) => {
  const coordinator = await person(browser, "coordinator@ave.example");
  await coordinator.goto(`${server.url}/boards/${boardId}/overzicht`);
  await coordinator.getByRole("link", { name: "Rapport" }).click();
  await expect(coordinator).toHaveURL(new RegExp(`/boards/${boardId}/rapport$`));
  await expect(coordinator.getByRole("heading", { level: 1 })).toContainText("Rapport");
  await expect(coordinator.getByTestId("report-categories")).toBeVisible();
  await expect(coordinator.getByTestId("report-organisations")).toContainText("Taalhuis");
  await expect(coordinator.getByTestId("trend-chart").getByRole("img")).toBeVisible();

  const csvLink = coordinator.getByTestId("report-csv");
  const jsonLink = coordinator.getByTestId("report-json");
  const csvHref = (await csvLink.getAttribute("href"))!;
  const jsonHref = (await jsonLink.getAttribute("href"))!;
  expect(csvHref).toMatch(new RegExp(`^/api/boards/${boardId}/report\\?from=\\d{4}-\\d{2}-\\d{2}&to=\\d{4}-\\d{2}-\\d{2}&format=csv$`));
  expect(jsonHref).toMatch(/format=json&download=1$/);

  // A real download through the browser.
  const [download] = await Promise.all([coordinator.waitForEvent("download"), csvLink.click()]);
  expect(download.suggestedFilename()).toMatch(/^alliantiebord-rapport-.*\.csv$/);

  const csv = await coordinator.request.get(server.url + csvHref);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const json = await coordinator.request.get(server.url + jsonHref);
  expect(json.headers()["content-disposition"]).toContain("attachment");
  const page = await coordinator.locator("main").innerText();
  for (const [what, body] of [
    ["csv", await csv.text()],
    ["json", await json.text()],
    ["page", page],
  ] as const) {
    expect(body, what).not.toContain(REFERENCE);
    expect(body.toLowerCase(), what).not.toContain("test dup 01");
    expect(body, what).not.toContain(TAALHUIS_TITLE);
    expect(body, what).not.toContain(KERK_TITLE);
  }
  expect((await csv.text()).split("\r\n")[0]).toBe("section,key,subkey,value");

  expect(await seriousViolations(coordinator)).toEqual([]);
  await coordinator.context().close();
});

test("an organisation edits its offers; a wrong number is explained", async ({ browser }) => {
  const taalhuis = await person(browser, "taalhuis@ave.example");
  await taalhuis.getByRole("link", { name: "Aanbod" }).click();
  await expect(taalhuis).toHaveURL(/\/aanbod$/);
  await expect(taalhuis.getByRole("heading", { level: 1 })).toContainText("Taalhuis");
  const rows = taalhuis.getByTestId("offer-row");
  await expect(rows).toHaveCount(2);

  await taalhuis.getByTestId("offer-add").click();
  await expect(rows).toHaveCount(3);
  await taalhuis.getByLabel("Categorie (regel 3)").selectOption("maatje");
  await taalhuis.getByLabel("Omschrijving (regel 3)").fill("koffie-ochtenden");
  await taalhuis.getByLabel("Aantal vrij (regel 3)").fill("-2");
  await taalhuis.getByTestId("offers-save").click();
  await expect(taalhuis.getByText("Vul een heel getal van 0 tot 9999 in.")).toBeVisible();
  await expect(taalhuis.getByLabel("Aantal vrij (regel 3)")).toHaveAttribute("aria-invalid", "true");

  await taalhuis.getByLabel("Aantal vrij (regel 3)").fill("3");
  await taalhuis.getByTestId("offers-save").click();
  await expect(taalhuis.getByTestId("offers-saved")).toContainText("3 regels");
  await expect(rows).toHaveCount(3);

  expect(await seriousViolations(taalhuis)).toEqual([]);
  await taalhuis.context().close();
});
