/**
 * "Vergeet deze persoon" in two browsers: the coordinator finds a person by
 * reference, sees what will go, confirms (the second step), while a member
 * has the board open; there the card disappears (the board was rebuilt
 * under a new generation: the page drops its copy, loads again and says so).
 * The page at 1440×900 and at 390×844 (no sideways scroll, axe clean).
 */
import { expect, test } from "@playwright/test";
import { login, noSidewaysScroll, openDemoBoard, openFromMoreMenu, seriousViolations, twoOnDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

test("a coordinator forgets a person; the card disappears in the other browser, which says the board was rebuilt", async ({ browser }) => {
  test.setTimeout(180_000);
  const [a, b] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "taalhuis@ave.example");
  const boardId = new URL(a.url()).pathname.split("/")[2];

  // The person's request, entered over the API by the coordinator's session.
  const created = await a.request.post(`${server.url}/api/boards/${boardId}/requests`, {
    headers: { origin: server.url },
    data: { title: "Taalles voor gezin Vergeetmij", category: "taal", description: "Twee kinderen", area: "Bargeres", reference: "E2E VERGEET 7", urgency: "normaal" },
  });
  expect(created.status()).toBe(201);
  const body = await created.json();
  const id: string = body.card?.id ?? body.id;
  await expect(b.getByTestId(`card-${id}`)).toBeVisible();

  // Find by reference (capitals and spaces do not matter) and see what will go.
  await openFromMoreMenu(a, "forget-link");
  await expect(a.getByTestId("forget-page")).toBeVisible();
  await a.getByLabel("Referentie van de persoon").fill("e2e vergeet 7");
  await a.getByTestId("forget-preview").click();
  await expect(a.getByTestId("forget-counts").locator('[data-count="requests"]')).toHaveText("1");
  await expect(a.getByTestId("forget-cards")).toContainText("Taalles voor gezin Vergeetmij");
  expect(await seriousViolations(a)).toEqual([]);

  // Without the tick nothing goes.
  await a.getByTestId("forget-submit").click();
  await expect(a.getByRole("alert").filter({ hasText: "niet ongedaan" })).toBeVisible();
  await expect(b.getByTestId(`card-${id}`)).toBeVisible();

  await a.getByTestId("forget-confirm").check();
  await a.getByTestId("forget-submit").click();
  await expect(a.getByTestId("forget-done")).toContainText("Gewist: 1");

  // The other browser: the card is gone, and the page says why.
  await expect(b.getByTestId("toast").filter({ hasText: "Dit bord is opnieuw opgebouwd" })).toBeVisible({ timeout: 30_000 });
  await expect(b.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(b.getByTestId(`card-${id}`)).toHaveCount(0);
  await expect(b.getByText("Taalles voor gezin Vergeetmij")).toHaveCount(0);

  // The coordinator's board too (it is opened afresh), and the API knows the request no more.
  await a.goto(`${server.url}/boards/${boardId}`);
  await expect(a.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(a.getByTestId(`card-${id}`)).toHaveCount(0);
  expect((await a.request.get(`${server.url}/api/boards/${boardId}/requests/${id}`)).status()).toBe(404);

  await a.context().close();
  await b.context().close();
});

test("a member's card dialog has no forget link", async ({ page }) => {
  await login(page, server.url, "gemeente@ave.example");
  await openDemoBoard(page);
  await page.getByTestId("column-nieuw").locator("[data-card-id]").first().click();
  await expect(page.getByTestId("dialog-card")).toBeVisible();
  await expect(page.getByTestId("forget-card")).toHaveCount(0);
});

test("the page on a phone: no sideways scroll, axe clean, a reference that cannot be one explained", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const boardId = new URL(page.url()).pathname.split("/")[2];
  // From a card: the coordinator's dialog links to the page with that request picked.
  const card = page.getByTestId("column-nieuw").locator("[data-card-id]").first();
  const cardId = (await card.getAttribute("data-card-id"))!;
  await card.click();
  await page.getByTestId("dialog-card").getByTestId("forget-card").getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/vergeten\\?kaart=${cardId}$`));
  await expect(page.getByTestId("forget-page")).toBeVisible();
  await page.goto(`${server.url}/boards/${boardId}/vergeten`);
  await page.getByLabel("Referentie van de persoon").fill("ä");
  await page.getByTestId("forget-preview").click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByLabel("Referentie van de persoon")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Referentie van de persoon")).toHaveValue("ä");
  await noSidewaysScroll(page);
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: "tests/.tmp/erase-390.png", fullPage: true });
  await context.close();
});
