/**
 * The live parts of the board against the real server: the activity feed,
 * comments in the card dialog, presence, filters and swimlanes in the URL.
 */
import { expect, test, type Browser } from "@playwright/test";
import { column, keyboardMoveRight, login, openDemoBoard, seriousViolations, twoOnDemoBoard, firstCardOf, serverForFile } from "./helpers";

const server = serverForFile();

async function twoPeople(browser: Browser, emailA: string, emailB: string) {
  const [a, b] = await twoOnDemoBoard(browser, server.url, emailA, emailB);
  return {
    a,
    b,
    close: async () => {
      await a.context().close();
      await b.context().close();
    },
  };
}

test("a move in one browser appears in the other's activity panel, naming the person and organisation", async ({
  browser,
}) => {
  const { a, b, close } = await twoPeople(browser, "coordinator@ave.example", "taalhuis@ave.example");

  await b.getByTestId("activity-toggle").click();
  const panel = b.getByTestId("activity-panel");
  await expect(panel).toBeVisible();
  await expect(b.getByTestId("activity-toggle")).toHaveAttribute("aria-expanded", "true");

  // A request Taalhuis entered: B (Taalhuis) may edit it, so its dialog has the title field.
  const card = firstCardOf(a, "nieuw", "Taalhuis");
  const id = (await card.getAttribute("data-card-id"))!;
  const title = (await card.locator(".card-title").textContent())!.trim();
  await keyboardMoveRight(a, card);
  await expect(column(a, "open").getByTestId(`card-${id}`)).toBeVisible();

  const entry = panel.locator(`.activity-item[data-request-id="${id}"][data-activity-type="moved"]`).first();
  await expect(entry).toContainText("Anouk Coördinator (Gemeente) verplaatste");
  await expect(entry).toContainText("van Nieuw naar Open");
  await expect(entry).toContainText(`‘${title.slice(0, 20)}`);
  await expect(entry).toContainText("zojuist");
  // Newest first.
  await expect(panel.locator(".activity-item").first()).toHaveAttribute("data-request-id", id);

  // Clicking the entry opens that card.
  await entry.getByRole("button").click();
  const dialog = b.getByTestId("dialog-card");
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('[name="title"]')).toHaveValue(title);
  await expect(dialog.getByTestId("card-history")).toContainText("verplaatste");

  await close();
});

test("older activity is paged in with 'Meer laden'", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  // Enough activity for more than one page: comments through the JSON API.
  const boardPath = new URL(page.url()).pathname;
  const id = (await column(page, "afgerond").locator("[data-card-id]").first().getAttribute("data-card-id"))!;
  for (let i = 0; i < 55; i++) {
    const res = await page.request.post(`${server.url}/api${boardPath}/requests/${id}/comments`, {
      data: { body: `Bericht ${i}` },
      headers: { Origin: server.url },
    });
    expect(res.status()).toBe(201);
  }
  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await page.getByTestId("activity-toggle").click();
  const items = page.getByTestId("activity-panel").locator(".activity-item");
  await expect(items).toHaveCount(50);
  await expect(items.first()).toContainText("Anouk Coördinator (Gemeente) plaatste een opmerking bij");
  await page.getByRole("button", { name: "Meer laden" }).click();
  await expect.poll(() => items.count()).toBeGreaterThan(50);
  // Still newest first, without duplicates.
  const ids = await page
    .getByTestId("activity-panel")
    .locator(".activity-item")
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-activity-id")));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].map(Number)).toEqual([...ids].map(Number).sort((a, b) => b - a));
});

test("a comment posted in one browser appears at once in the other's open card dialog", async ({ browser }) => {
  const { a, b, close } = await twoPeople(browser, "vluchtelingenwerk@ave.example", "coa@ave.example");

  const id = (await column(a, "open").locator("[data-card-id]").first().getAttribute("data-card-id"))!;
  await a.getByTestId(`card-${id}`).click();
  await b.getByTestId(`card-${id}`).click();
  const dialogA = a.getByTestId("dialog-card");
  const dialogB = b.getByTestId("dialog-card");
  await expect(dialogB.getByTestId("card-comments")).toBeVisible();

  // An empty comment is explained.
  const formA = dialogA.getByTestId("comment-form");
  await formA.getByRole("button", { name: "Plaatsen" }).click();
  await expect(formA.getByRole("alert")).toContainText("Schrijf eerst een opmerking");

  const text = `Wij kunnen dinsdag helpen ${Date.now()}`;
  await formA.getByLabel("Opmerking").fill(text);
  await formA.getByRole("button", { name: "Plaatsen" }).click();
  await expect(dialogA.getByTestId("card-comments")).toContainText(text);
  await expect(formA.getByLabel("Opmerking")).toHaveValue("");

  const comments = dialogB.getByTestId("card-comments");
  await expect(comments).toContainText(text);
  await expect(comments).toContainText("Samira El Amrani");
  await expect(comments).toContainText("(VluchtelingenWerk)");
  // The history of the card follows live too.
  await expect(dialogB.getByTestId("card-history")).toContainText("Samira El Amrani (VluchtelingenWerk) plaatste een opmerking");
  expect(await seriousViolations(b)).toEqual([]);

  await close();
});

test("viewers read comments but cannot post", async ({ page }) => {
  await login(page, server.url, "viewer@ave.example");
  await openDemoBoard(page);
  await column(page, "open").locator("[data-card-id]").first().click();
  const dialog = page.getByTestId("dialog-card");
  await expect(dialog.getByTestId("card-comments")).toBeVisible();
  await expect(dialog.getByTestId("comment-form")).toHaveCount(0);
  await expect(dialog).toContainText("U kunt de opmerkingen lezen");
});

test("presence: the other browser shows who is here and what they edit, until they hide", async ({ browser }) => {
  const { a, b, close } = await twoPeople(browser, "coa@ave.example", "taalhuis@ave.example");

  const barB = b.getByTestId("presence");
  await expect(barB).toContainText("Marloes Kuipers (COA)");
  await expect(a.getByTestId("presence")).toContainText("Fenna Dijkstra (Taalhuis)");
  // One person, however many tabs.
  const a2 = await a.context().newPage();
  await a2.goto(a.url());
  await expect(a2.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await a2.waitForTimeout(500);
  await expect(barB.locator(".presence-person")).toHaveCount(1);
  await a2.close();

  // Editing a card shows a marker on that card in the other browser.
  const id = (await column(a, "open").locator("[data-card-id]").first().getAttribute("data-card-id"))!;
  await a.getByTestId(`card-${id}`).click();
  await expect(b.getByTestId(`card-${id}`).getByTestId("card-presence")).toHaveText("Wordt bewerkt door Marloes Kuipers");
  await a.keyboard.press("Escape");
  await expect(b.getByTestId(`card-${id}`).getByTestId("card-presence")).toHaveCount(0);

  // Hiding: B no longer shows A, and A's choice is remembered.
  await a.getByTestId("presence-hide").click();
  await expect(a.getByTestId("presence-hide")).toHaveAttribute("aria-pressed", "true");
  await expect(barB).not.toContainText("Marloes Kuipers");
  await a.reload();
  await expect(a.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(a.getByTestId("presence-hide")).toHaveAttribute("aria-pressed", "true");
  await b.waitForTimeout(500);
  await expect(barB).not.toContainText("Marloes Kuipers");

  await a.getByTestId("presence-hide").click();
  await expect(barB).toContainText("Marloes Kuipers (COA)");

  await close();
});

test("the board with activity panel, filters and presence has no serious accessibility violations", async ({ browser }) => {
  // Two browsers and several full-page scans: 20–48 s on a quiet 2-core machine beside the other worker, past 60 s under more load.
  test.slow();
  const { a, b, close } = await twoPeople(browser, "coordinator@ave.example", "maatjes@ave.example");
  await expect(a.getByTestId("presence")).toContainText("Esther Visser");
  await a.getByTestId("activity-toggle").click();
  await expect(a.getByTestId("activity-panel")).toBeVisible();
  await expect(a.getByTestId("filters")).toBeVisible();
  expect(await seriousViolations(a)).toEqual([]);
  await a.getByTestId("filters").getByLabel("Banen").selectOption("organisatie");
  await expect(a.getByTestId("swimlanes")).toBeVisible();
  expect(await seriousViolations(a)).toEqual([]);
  void b;
  await close();
});

test("filters and swimlanes live in the URL, survive a reload, and cards still move", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const filters = page.getByTestId("filters");
  const cards = page.getByTestId("board").locator("[data-card-id]");
  const total = await cards.count();

  await filters.getByLabel("Categorie").selectOption("taal");
  await expect(page).toHaveURL(/[?&]categorie=taal/);
  await expect.poll(() => cards.count()).toBeLessThan(total);
  const categories = await page.getByTestId("board").locator("[data-card-id] .card-category").allTextContents();
  expect(categories.length).toBeGreaterThan(0);
  expect(new Set(categories)).toEqual(new Set(["Taal"]));
  await expect(filters.getByTestId("filter-count")).toHaveText(`${categories.length} van ${total} aanvragen`);

  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(page).toHaveURL(/[?&]categorie=taal/);
  await expect(filters.getByLabel("Categorie")).toHaveValue("taal");
  await expect(cards).toHaveCount(categories.length);

  // A move with the filter on lands in the next column (placed among the whole column, hidden cards included).
  const card = column(page, "nieuw").locator("[data-card-id]").first();
  const id = (await card.getAttribute("data-card-id"))!;
  await keyboardMoveRight(page, card);
  await expect(column(page, "open").getByTestId(`card-${id}`)).toBeVisible();
  const idsIn = (colId: string) =>
    column(page, colId)
      .locator("[data-card-id]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-card-id")!));
  const filtered = await idsIn("open");
  const at = filtered.indexOf(id);
  await filters.getByLabel("Categorie").selectOption("");
  await expect(cards).toHaveCount(total);
  const full = await idsIn("open");
  // Right after its filtered neighbour above (or right before the one below) in the whole column.
  if (at > 0) expect(full.indexOf(id)).toBe(full.indexOf(filtered[at - 1]) + 1);
  else if (filtered.length > 1) expect(full.indexOf(id)).toBe(full.indexOf(filtered[1]) - 1);
  await filters.getByLabel("Categorie").selectOption("taal");
  await expect(page).toHaveURL(/[?&]categorie=taal/);

  // Text search, combined with the category.
  await filters.getByLabel("Zoeken").fill("inburgeringsexamen");
  await expect(page).toHaveURL(/[?&]q=inburgeringsexamen/);
  await expect(cards).toHaveCount(1);
  await filters.getByLabel("Zoeken").fill("");
  await expect(page).not.toHaveURL(/[?&]q=/);

  // Swimlanes by category: with the filter one lane, without it one per category.
  await filters.getByLabel("Banen").selectOption("categorie");
  await expect(page).toHaveURL(/[?&]banen=categorie/);
  const lanes = page.getByTestId("swimlanes").locator("[data-lane]");
  await expect(lanes).toHaveCount(1);
  await expect(page.getByTestId("lane-taal")).toBeVisible();
  await filters.getByRole("button", { name: "Wis filters" }).click();
  await expect(page).not.toHaveURL(/categorie=taal/);
  await expect(page).toHaveURL(/[?&]banen=categorie/);
  await expect(lanes).toHaveCount(4);
  await expect(page.getByTestId("lane-wonen")).toBeVisible();
  await expect(filters.getByTestId("filter-count")).toHaveText(`${total} van ${total} aanvragen`);

  // In a lane, a card moves between columns and stays in its lane.
  const laneCard = page.getByTestId("lane-werk").getByTestId("column-nieuw").locator("[data-card-id]").first();
  const laneId = (await laneCard.getAttribute("data-card-id"))!;
  await keyboardMoveRight(page, laneCard);
  await expect(page.getByTestId("lane-werk").getByTestId("column-open").getByTestId(`card-${laneId}`)).toBeVisible();

  await page.reload();
  await expect(page.getByTestId("lane-werk")).toBeVisible();
  await expect(page.getByTestId("lane-werk").getByTestId("column-open").getByTestId(`card-${laneId}`)).toBeVisible();
});
