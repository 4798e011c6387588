/**
 * "Sinds de vorige vergadering" in Chromium: the coordinator holds a meeting
 * on the demo board (planned, started and ended through the JSON API, which
 * stores the board's moment at its end), two requests are entered and one
 * picked up, then /boards/<id>/sinds counts them from that end by default; clicking a count lands on the board showing
 * exactly those cards ("2 gekozen kaarten"), and "Toon alle kaarten" brings
 * the rest back. Axe finds nothing serious, at 1440×900 and at 390×844
 * (screenshots in tests/e2e/screenshots/).
 */
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { login, openDemoBoard, seriousViolations, serverForFile, SCREENSHOTS } from "./helpers";

let boardId = "";
const created: string[] = [];
const TITLES = ["Sinds-test: fiets voor school", "Sinds-test: hulp bij formulieren"];

const server = serverForFile();

async function post(page: Page, pathname: string, data: unknown) {
  return page.request.post(`${server.url}${pathname}`, { headers: { Origin: server.url }, data });
}

test("a count of /sinds opens the board with exactly its cards", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  boardId = new URL(page.url()).pathname.split("/")[2];

  const meeting = await post(page, `/api/boards/${boardId}/meetings`, { title: "Alliantieoverleg", at: new Date().toISOString() });
  expect(meeting.status()).toBe(201);
  const meetingId = (await meeting.json()).id;
  expect((await post(page, `/api/meetings/${meetingId}/start`, {})).status()).toBe(200);
  expect((await post(page, `/api/meetings/${meetingId}/end`, {})).status()).toBe(200);

  for (const title of TITLES) {
    const res = await post(page, `/api/boards/${boardId}/requests`, { title, category: "maatje", description: "", reference: "", area: "", urgency: "normaal" });
    expect(res.status()).toBe(201);
    created.push((await res.json()).id);
  }
  expect((await post(page, `/api/boards/${boardId}/requests/${created[0]}/claim`, {})).status()).toBe(200);

  await page.goto(`${server.url}/boards/${boardId}/sinds`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Sinds de vorige vergadering");
  await expect(page.getByLabel("Tel vanaf")).toHaveValue("");
  await expect(page.getByTestId("since-line")).toContainText("einde vergadering");
  const totals = page.getByTestId("since-totals");
  await expect(totals.locator('[data-key="new"] dd')).toHaveText("2");
  await expect(totals.locator('[data-key="claimed"] dd')).toHaveText("1");
  expect(await seriousViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-since.png"), fullPage: true });

  // The per-category row of "Maatje & ontmoeting" counts the same two.
  await expect(page.getByTestId("since-categories").locator('tr[data-row="maatje"] td[data-key="new"]')).toHaveText("2");

  await totals.getByRole("link", { name: /Nieuwe aanvragen, Totaal: 2/ }).click();
  await expect(page.getByTestId("board")).toBeVisible();
  expect(new URL(page.url()).searchParams.get("kaarten")?.split(",").sort()).toEqual([...created].sort());
  await expect(page.getByTestId("filter-cards")).toContainText("2 gekozen kaarten");
  const cards = page.locator("[data-card-id]");
  await expect(cards).toHaveCount(2);
  await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-since-board.png") });
  expect((await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-card-id")))).sort()).toEqual([...created].sort());
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByTestId("filter-cards-clear").click();
  await expect(page.getByTestId("filter-cards")).toHaveCount(0);
  await expect.poll(() => cards.count()).toBeGreaterThan(2);
  expect(new URL(page.url()).searchParams.get("kaarten")).toBeNull();
});

test("the page on a phone: readable, no sideways scroll, axe clean", async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await login(page, server.url, "taalhuis@ave.example");
  await page.goto(`${server.url}/boards/${boardId}/sinds`);
  await expect(page.getByTestId("since-totals")).toBeVisible();
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(390);
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(SCREENSHOTS, "phone-since.png"), fullPage: true });
  // The count as a link on the phone too: the claimed one.
  await page.getByTestId("since-totals").getByRole("link", { name: /Opgepakt, Totaal: 1/ }).click();
  await expect(page.getByTestId("filter-cards")).toContainText("1 gekozen kaart");
  await ctx.close();
});
