/**
 * Follow the facilitator, against the real server: the coordinator starts a
 * meeting (over the API) and leads it on the board; two people of other
 * organisations follow. The agenda item, the filters and the card under
 * discussion follow to both; one stops following by changing a filter,
 * misses the next change, then "Weer volgen" catches up. The presenter view
 * at 1920×1080 shows the current item and its cards and follows. Axe on the
 * board with the bar and on the presenter view.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { SIZES, login, noSidewaysScroll, openDemoBoard, seriousViolations, serverForFile } from "./helpers";

const server = serverForFile();

async function person(browser: Browser, email: string, size: (typeof SIZES)[number] = SIZES[0]): Promise<Page> {
  const ctx = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
  const page = await ctx.newPage();
  await login(page, server.url, email);
  return page;
}

function params(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

async function chooseCategory(page: Page, label: string) {
  const toggle = page.getByTestId("filters-toggle");
  if (await toggle.isVisible()) {
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  }
  await page.getByTestId("filters").getByLabel("Categorie").selectOption({ label });
}

/** The facilitator picks an agenda item by its title (the proposed items come before the ones added here). */
async function chooseItem(page: Page, title: string) {
  const select = page.getByTestId("meeting-item-select");
  const value = await select.locator("option", { hasText: title }).getAttribute("value");
  await select.selectOption(value!);
}

test("two followers follow item, filter and card; one looks around and rejoins; the presenter view follows", async ({ browser }) => {
  test.setTimeout(180_000);
  const lead = await person(browser, "coordinator@ave.example");
  await openDemoBoard(lead);
  const boardId = new URL(lead.url()).pathname.split("/")[2];

  // A card of category "wonen" to discuss, read from the coordinator's filtered board.
  await lead.goto(`${server.url}/boards/${boardId}?categorie=wonen`);
  await expect(lead.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  const wonenCard = (await lead.locator(".board-card[data-card-id]").first().getAttribute("data-card-id"))!;
  const wonenTitle = (await lead.locator(`.board-card[data-card-id="${wonenCard}"] .card-title`).textContent())!.trim();
  await lead.goto(`${server.url}/boards/${boardId}`);

  // The meeting, its agenda and its start, over the JSON API as the coordinator.
  const api = lead.request;
  const headers = { Origin: server.url };
  const created = await api.post(`${server.url}/api/boards/${boardId}/meetings`, { headers, data: { title: "Overleg december", at: new Date().toISOString() } });
  expect(created.status()).toBe(201);
  const meetingId = ((await created.json()) as { id: string }).id;
  const addItem = async (title: string, view: { query: string; cardId: string | null; columnId: string | null }) => {
    const res = await api.post(`${server.url}/api/meetings/${meetingId}/items`, { headers, data: { title, view, kind: "free" } });
    expect(res.status()).toBe(201);
  };
  await addItem("Taal: open vragen", { query: "categorie=taal", cardId: null, columnId: null });
  await addItem("Wonen: één gezin", { query: "categorie=wonen", cardId: wonenCard, columnId: null });
  expect((await api.post(`${server.url}/api/meetings/${meetingId}/start`, { headers, data: {} })).status()).toBe(200);

  // The facilitator's bar (the board page gets the meeting over socket.io, no reload).
  const bar = lead.getByTestId("meeting-bar");
  await expect(bar).toBeVisible();
  await expect(bar).toContainText("Vergadering: Overleg december");
  await expect(lead.getByTestId("meeting-item-select")).toBeVisible();

  // Two followers of other organisations.
  const a = await person(browser, "taalhuis@ave.example");
  // B on a phone (390×844).
  const b = await person(browser, "vluchtelingenwerk@ave.example", SIZES[1]);
  for (const p of [a, b]) {
    await openDemoBoard(p);
    await expect(p.getByTestId("meeting-bar")).toBeVisible();
    await expect(p.getByTestId("meeting-item-select")).toHaveCount(0);
    await p.getByTestId("meeting-follow").click();
    await expect(p.getByTestId("meeting-following")).toBeVisible();
  }

  // Item 1: its saved filter reaches both.
  await chooseItem(lead, "Taal: open vragen");
  await expect(lead).toHaveURL(/categorie=taal/);
  for (const p of [a, b]) {
    await expect.poll(() => params(p).get("categorie")).toBe("taal");
    await expect(p.getByTestId("meeting-bar-item")).toContainText("Taal: open vragen");
  }

  // Item 2: another filter and a card; the card is opened for the facilitator and outlined for the followers.
  await lead.getByTestId("meeting-next").click();
  await expect(lead.getByTestId("dialog-card")).toBeVisible();
  for (const p of [a, b]) {
    await expect.poll(() => params(p).get("categorie")).toBe("wonen");
    const discussed = p.locator('.board-card[data-discussed="true"]');
    await expect(discussed).toHaveCount(1);
    await expect(discussed).toHaveAttribute("data-card-id", wonenCard);
    await expect(discussed).toContainText("wordt besproken");
    await expect(discussed).toBeInViewport();
    // Following never opens a dialog (the keyboard focus stays where it was).
    await expect(p.getByTestId("dialog-card")).toBeHidden();
    await expect(p.getByTestId("meeting-announcer")).toContainText("Wonen: één gezin");
  }

  // Axe on the board with the meeting bar and the outlined card; the phone does not scroll sideways.
  expect(await seriousViolations(a)).toEqual([]);
  expect(await seriousViolations(b)).toEqual([]);
  await noSidewaysScroll(b);
  await b.screenshot({ path: path.join(process.cwd(), "tests/.tmp/follow-phone.png") });

  // The facilitator closes the card and changes a filter by hand.
  await lead.keyboard.press("Escape");
  await expect(lead.getByTestId("dialog-card")).toBeHidden();
  for (const p of [a, b]) await expect(p.locator('.board-card[data-discussed="true"]')).toHaveCount(0);
  await chooseCategory(lead, "Werk");
  for (const p of [a, b]) await expect.poll(() => params(p).get("categorie")).toBe("werk");

  // B looks around: a filter of B's own stops following.
  await chooseCategory(b, "Taal");
  await expect(b.getByTestId("meeting-away")).toContainText("Je kijkt zelf rond");
  await expect(b.getByTestId("meeting-rejoin")).toBeVisible();

  // The next change reaches A, not B.
  await chooseCategory(lead, "Maatje & ontmoeting");
  const maatje = "maatje";
  await expect.poll(() => params(lead).get("categorie")).toBe(maatje);
  await expect.poll(() => params(a).get("categorie")).toBe(maatje);
  // A has it; B, looking around, does not follow (given the same time A needed and more).
  await b.waitForTimeout(500);
  expect(params(b).get("categorie")).toBe("taal");

  // "Weer volgen": B jumps to where the facilitator is.
  await b.getByTestId("meeting-rejoin").click();
  await expect(b.getByTestId("meeting-following")).toBeVisible();
  await expect.poll(() => params(b).get("categorie")).toBe(maatje);

  // The facilitator shows the whole board and scrolls down: the followers' pages follow (as a fraction of their own height).
  await chooseCategory(lead, "Alle categorieën");
  for (const p of [a, b]) await expect.poll(() => params(p).get("categorie")).toBeNull();
  const pageAt = (p: Page) =>
    p.evaluate(() => {
      const el = document.scrollingElement!;
      const max = el.scrollHeight - el.clientHeight;
      return max > 0 ? Math.round((el.scrollTop / max) * 100) : -1;
    });
  await lead.evaluate(() => window.scrollTo(0, document.scrollingElement!.scrollHeight));
  expect(await pageAt(lead)).toBe(100);
  for (const p of [a, b]) await expect.poll(() => pageAt(p)).toBeGreaterThanOrEqual(99);
  // Our own scroll did not stop following; a wheel of A's does.
  await expect(a.getByTestId("meeting-following")).toBeVisible();
  await a.mouse.move(700, 500);
  await a.mouse.wheel(0, -400);
  await expect(a.getByTestId("meeting-away")).toBeVisible();
  await a.getByTestId("meeting-rejoin").click();
  await expect(a.getByTestId("meeting-following")).toBeVisible();
  await expect.poll(() => pageAt(a)).toBeGreaterThanOrEqual(99);

  // The presenter view at 1920×1080, in A's browser: the current item and its cards, following.
  const screen = await a.context().newPage();
  await screen.setViewportSize({ width: 1920, height: 1080 });
  await screen.goto(`${server.url}/boards/${boardId}/vergaderingen/${meetingId}/scherm`);
  await expect(screen.getByTestId("presenter")).toBeVisible();
  await expect(screen.locator(".topbar")).toBeHidden();
  await expect(screen.getByTestId("presenter-item")).toHaveText("Wonen: één gezin");
  await expect(screen.getByTestId("presenter-timer").locator("time")).toHaveText(/^\d\d:\d\d$/);
  // The facilitator cleared the filters: the item has no cards of its own now (not the whole board).
  await expect(screen.getByText("Geen kaarten bij dit punt.")).toBeVisible();
  expect(await screen.locator("button:visible, input:visible, select:visible, textarea:visible, a:visible").count()).toBe(0);
  // The facilitator goes back to item 2 (its card): the screen shows it first and emphasised.
  await chooseItem(lead, "Wonen: één gezin");
  await expect(screen.locator('[data-discussed="true"]')).toHaveAttribute("data-testid", `presenter-card-${wonenCard}`);
  await expect(screen.locator('[data-discussed="true"]')).toContainText(wonenTitle);
  await expect(screen.getByTestId("presenter-cards").locator("li").nth(1)).toBeVisible();
  // The card dialog is modal: the facilitator closes it before going on.
  await lead.keyboard.press("Escape");
  await expect(screen.locator('[data-discussed="true"]')).toHaveCount(0);
  await lead.getByTestId("meeting-prev").click();
  await expect(screen.getByTestId("presenter-item")).toHaveText("Taal: open vragen");
  await expect(screen.locator('[data-discussed="true"]')).toHaveCount(0);
  await expect(screen.getByTestId("presenter-cards").locator("li").first()).toBeVisible();
  expect(await seriousViolations(screen)).toEqual([]);
  // The proposed "since the last meeting" item: its figures, not cards (or, with no earlier meeting, that there is none).
  const select = lead.getByTestId("meeting-item-select");
  const sinceValue = await select.locator("option", { hasText: "Sinds de vorige vergadering" }).first().getAttribute("value");
  await select.selectOption(sinceValue!);
  await expect(screen.getByTestId("presenter-item")).toHaveText("Sinds de vorige vergadering");
  await expect(screen.getByTestId("presenter-since").or(screen.getByTestId("presenter-since-none"))).toBeVisible();
  await expect(screen.getByTestId("presenter-cards")).toHaveCount(0);
  if (await screen.getByTestId("presenter-since").count()) {
    await expect(screen.getByTestId("presenter-since").locator("li")).toHaveCount(10);
  }
  expect(await seriousViolations(screen)).toEqual([]);
  await screen.screenshot({ path: path.join(process.cwd(), "tests/.tmp", "presenter-since-1920.png") });
  await select.selectOption({ label: (await select.locator("option", { hasText: "Taal: open vragen" }).first().textContent())!.trim() });
  await expect(screen.getByTestId("presenter-item")).toHaveText("Taal: open vragen");
  const shots = path.join(process.cwd(), "tests/.tmp");
  fs.mkdirSync(shots, { recursive: true });
  await screen.screenshot({ path: path.join(shots, "presenter-1920.png") });
  await a.screenshot({ path: path.join(shots, "follow-desktop.png") });

  // The meeting ends: the bar and the outline go.
  expect((await api.post(`${server.url}/api/meetings/${meetingId}/end`, { headers, data: {} })).status()).toBe(200);
  for (const p of [a, b, lead]) await expect(p.getByTestId("meeting-bar")).toHaveCount(0);
  await expect(screen.getByTestId("presenter-none")).toBeVisible();
});
