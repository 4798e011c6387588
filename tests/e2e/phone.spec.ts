/**
 * Phones and narrow screens against the real server, in Chromium with touch
 * (390×844 and 768×1024), and six columns on a 1440×900 desktop:
 *   - no page scrolls sideways (board, card dialog, overview, report, offers, beheer, boards, login);
 *   - the board shows one column at a time with tabs that count the (filtered) cards;
 *   - the filters fold away behind one button that says how many are on;
 *   - a dialog fills the screen with its heading and buttons in view, also scrolled to its end,
 *     and its buttons can be tapped (the column dialog's could not, when the page was too wide);
 *   - "Verplaats naar…" and a long-press drag onto a tab both move a card, seen live in another browser;
 *   - on the desktop the column strip scrolls inside itself, column headers keep their buttons
 *     on one line and no title word is broken across lines.
 */
import { expect, test, type Browser, type Locator, type Page } from "@playwright/test";
import { cardIn, column, login, openDemoBoard, openFromMoreMenu, seriousViolations, serverForFile } from "./helpers";

const server = serverForFile();

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const TABLET = { viewport: { width: 768, height: 1024 }, isMobile: true, hasTouch: true };
/** The other person, at a desk (a context of its own does not take this file's phone settings). */
const DESKTOP = { viewport: { width: 1400, height: 900 }, isMobile: false, hasTouch: false };

async function personOn(browser: Browser, email: string, device: typeof PHONE | typeof DESKTOP): Promise<Page> {
  const context = await browser.newContext(device);
  const page = await context.newPage();
  await login(page, server.url, email);
  await openDemoBoard(page);
  return page;
}

/**
 * The page is no wider than the screen. Compared with the viewport's own
 * width: a phone browser zooms out to show a page that is too wide, and then
 * window.innerWidth grows with it.
 */
async function expectNoSidewaysScroll(page: Page, what: string) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `${what}: the page is ${scrollWidth}px wide`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

/** Inside the viewport, entirely. */
async function expectOnScreen(page: Page, locator: Locator, what: string) {
  const box = await locator.boundingBox();
  const { width, height } = page.viewportSize()!;
  expect(box, `${what} has a box`).not.toBeNull();
  expect(box!.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box!.y, `${what}: top edge`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what}: right edge`).toBeLessThanOrEqual(width);
  expect(box!.y + box!.height, `${what}: bottom edge`).toBeLessThanOrEqual(height);
}

async function tabCount(page: Page, columnId: string): Promise<number> {
  return Number(await page.getByTestId(`column-tab-${columnId}`).getByTestId("column-tab-count").textContent());
}

/** A long press (past dnd-kit's touch delay) and a slow drag to `to`, as a finger does, through Chromium's own touch input. */
async function longPressDrag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  const cdp = await page.context().newCDPSession(page);
  const touch = (type: "touchStart" | "touchMove" | "touchEnd", p?: { x: number; y: number }) =>
    cdp.send("Input.dispatchTouchEvent", { type, touchPoints: p ? [{ x: Math.round(p.x), y: Math.round(p.y), id: 1 }] : [] });
  await touch("touchStart", from);
  await page.waitForTimeout(450);
  const steps = 24;
  for (let i = 1; i <= steps; i++) {
    await touch("touchMove", { x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps });
    await page.waitForTimeout(25);
  }
  await page.waitForTimeout(150);
  await touch("touchEnd");
  await cdp.detach();
}

/** A box once it has stopped moving (the board may still be settling: late banners, fonts, the sync's first render). */
async function settledBox(locator: Locator) {
  let last = await locator.boundingBox();
  for (let i = 0; i < 20; i++) {
    await locator.page().waitForTimeout(100);
    const box = await locator.boundingBox();
    if (box && last && box.x === last.x && box.y === last.y && box.width === last.width && box.height === last.height) return box;
    last = box;
  }
  throw new Error("the element kept moving for 2 s");
}

function center(box: { x: number; y: number; width: number; height: number }) {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

test.describe("390×844 phone", () => {
  test.use(PHONE);

  test("board: one column with counted tabs, filters behind a button, no sideways scroll", async ({ page }) => {
    await login(page, server.url, "coordinator@ave.example");
    await openDemoBoard(page);
    await expectNoSidewaysScroll(page, "board");
    expect(await seriousViolations(page), "axe on the phone's board").toEqual([]);

    // One column at a time; the tabs name every column with its count.
    const tabs = page.getByTestId("column-tabs");
    await expect(tabs).toBeVisible();
    await expect(tabs.getByRole("tab")).toHaveCount(5);
    await expect(column(page, "nieuw")).toBeVisible();
    await expect(column(page, "open")).toBeHidden();
    const nieuw = await column(page, "nieuw").locator("[data-card-id]").count();
    expect(nieuw).toBeGreaterThan(0);
    expect(await tabCount(page, "nieuw")).toBe(nieuw);
    await expect(page.getByTestId("column-tab-nieuw")).toHaveAttribute("aria-selected", "true");
    // Cards take the full width of the screen (less the page's margins).
    const cardBox = (await column(page, "nieuw").locator("[data-card-id]").first().boundingBox())!;
    expect(cardBox.width).toBeGreaterThan(390 - 60);

    await page.getByTestId("column-tab-open").tap();
    await expect(column(page, "open")).toBeVisible();
    await expect(column(page, "nieuw")).toBeHidden();
    await expect(page.getByTestId("column-tab-open")).toHaveAttribute("aria-selected", "true");
    expect(await tabCount(page, "open")).toBe(await column(page, "open").locator("[data-card-id]").count());

    // The filters are folded away behind one button; a category filter is counted on it and in the tabs.
    const filters = page.getByTestId("filters");
    await expect(filters).toBeHidden();
    const toggle = page.getByTestId("filters-toggle");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await toggle.tap();
    await expect(filters).toBeVisible();
    await expectNoSidewaysScroll(page, "board with the filters open");
    await filters.getByLabel("Categorie").selectOption("taal");
    await expect(page.getByTestId("filters-active")).toContainText("1");
    await expect(page.getByTestId("filter-count")).toContainText(/^\d+ van \d+ aanvragen$/);
    const [shown, , total] = (await page.getByTestId("filter-count").textContent())!.split(" ").map(Number);
    expect(shown).toBeLessThan(total);
    let sum = 0;
    for (const id of ["nieuw", "open", "opgepakt", "in-uitvoering", "afgerond"]) sum += await tabCount(page, id);
    expect(sum).toBe(shown);
    await toggle.tap();
    await expect(filters).toBeHidden();
    await expect(toggle).toContainText("Filters");
    await toggle.tap();
    await page.getByTestId("filters-clear").tap();
    await expect(page.getByTestId("filters-active")).toHaveCount(0);
    expect(await tabCount(page, "nieuw")).toBe(nieuw);
  });

  test("a card dialog fills the screen with its heading and buttons in view; the column dialog's buttons can be tapped", async ({
    page,
  }) => {
    await login(page, server.url, "coordinator@ave.example");
    await openDemoBoard(page);
    await column(page, "nieuw").locator("[data-card-id]").first().tap();
    const dialog = page.getByTestId("dialog-card");
    await expect(dialog).toBeVisible();
    await expectNoSidewaysScroll(page, "card dialog");
    const dialogBox = (await dialog.boundingBox())!;
    expect(dialogBox.width).toBe(390);
    expect(dialogBox.height).toBe(844);
    const heading = dialog.getByRole("heading", { level: 2 }).first();
    const save = dialog.getByTestId("card-save");
    const cancel = dialog.getByRole("button", { name: "Annuleren" });
    await expectOnScreen(page, heading, "the dialog's heading");
    await expectOnScreen(page, save, "Opslaan");
    await expectOnScreen(page, cancel, "Annuleren");
    expect(await seriousViolations(page), "axe on the phone's card dialog").toEqual([]);
    // Scrolled to its end (history and comments), the heading and the buttons are still in view.
    const scrolled = await dialog.evaluate((d) => {
      d.scrollTop = d.scrollHeight;
      return d.scrollTop;
    });
    expect(scrolled, "the dialog's contents are longer than the screen").toBeGreaterThan(0);
    await expectOnScreen(page, heading, "the dialog's heading, scrolled down");
    await expectOnScreen(page, save, "Opslaan, scrolled down");
    await cancel.tap();
    await expect(dialog).toBeHidden();

    // The column dialog (behind "Meer"): its field and its button take taps (nothing lies over them).
    await page.getByTestId("more-menu").tap();
    await page.getByTestId("add-column").tap();
    const columnDialog = page.getByTestId("dialog-column");
    await expect(columnDialog).toBeVisible();
    await expectOnScreen(page, columnDialog.getByRole("heading", { level: 2 }), "the column dialog's heading");
    await columnDialog.getByLabel("Naam van de kolom").tap();
    await columnDialog.getByLabel("Naam van de kolom").fill("Wacht op gemeente");
    const add = columnDialog.getByRole("button", { name: "Toevoegen" });
    await expectOnScreen(page, add, "Toevoegen");
    await add.tap();
    await expect(columnDialog).toBeHidden();
    await expect(page.getByTestId("column-tabs").getByRole("tab", { name: /Wacht op gemeente/ })).toBeVisible();
    await expectNoSidewaysScroll(page, "board with six columns");
  });

  test("overview, report, offers, beheer, boards and login do not scroll sideways; tables are lists", async ({ page }) => {
    await page.goto(`${server.url}/login`);
    await expectNoSidewaysScroll(page, "login");
    await login(page, server.url, "coordinator@ave.example");
    await expectNoSidewaysScroll(page, "boards");
    await openDemoBoard(page);
    const boardPath = new URL(page.url()).pathname;
    for (const [what, path] of [
      ["overview", `${boardPath}/overzicht`],
      ["report", `${boardPath}/rapport`],
      ["offers", "/aanbod"],
      ["beheer", "/beheer"],
    ]) {
      await page.goto(`${server.url}${path}`);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await expectNoSidewaysScroll(page, what);
    }
    // On beheer each person is an item of a list: the role is labelled in the item itself.
    const person = page.getByTestId("person-taalhuis@ave.example");
    await expect(person).toBeVisible();
    expect(await person.evaluate((tr) => getComputedStyle(tr).display)).toBe("flex");
    await expect(person.locator("td[data-label='Organisatie']")).toBeVisible();
  });

  test("'Verplaats naar…' on a phone moves a card; another person's browser shows it at once", async ({ browser }) => {
    const phone = await personOn(browser, "coordinator@ave.example", PHONE);
    const other = await personOn(browser, "taalhuis@ave.example", DESKTOP);
    const card = column(phone, "nieuw").locator("[data-card-id]").first();
    const id = (await card.getAttribute("data-card-id"))!;
    const title = (await card.locator(".card-title").textContent())!;
    const openBefore = await tabCount(phone, "open");

    const button = column(phone, "nieuw").locator(`[data-card-id="${id}"] ~ [data-testid="move-to"]`);
    await expect(button).toHaveAccessibleName(`Verplaats ${title} naar…`);
    await expect(button).toHaveAttribute("aria-haspopup", "menu");
    await button.tap();
    const menu = phone.getByRole("menu");
    await expect(menu).toBeVisible();
    await expectOnScreen(phone, menu, "the move menu");
    await expect(menu.getByRole("menuitem", { name: "Nieuw" })).toHaveCount(0);
    expect(await seriousViolations(phone), "axe with the move menu open").toEqual([]);
    await menu.getByRole("menuitem", { name: "Open" }).tap();
    await expect(menu).toBeHidden();

    await expect(cardIn(other, "open", id)).toBeVisible();
    await expect(cardIn(other, "nieuw", id)).toHaveCount(0);
    // At the end of its new column, in both browsers.
    await expect(column(other, "open").locator("[data-card-id]").last()).toHaveAttribute("data-card-id", id);
    await expect.poll(() => tabCount(phone, "open")).toBe(openBefore + 1);
    await expect(phone.getByTestId("toast").filter({ hasText: `‘${title}’ verplaatst naar Open` })).toBeVisible();

    // By keyboard: Enter opens the menu on its first item, arrows choose, Enter moves; the focus stays on the board.
    const next = column(phone, "nieuw").locator("[data-card-id]").first();
    const nextId = (await next.getAttribute("data-card-id"))!;
    await column(phone, "nieuw").locator(`[data-card-id="${nextId}"] ~ [data-testid="move-to"]`).focus();
    await phone.keyboard.press("Enter");
    await expect(menu.getByRole("menuitem").first()).toBeFocused();
    await phone.keyboard.press("ArrowDown");
    await expect(menu.getByRole("menuitem", { name: "Opgepakt" })).toBeFocused();
    await phone.keyboard.press("ArrowUp");
    await phone.keyboard.press("Enter");
    await expect(cardIn(other, "open", nextId)).toBeVisible();
    // The focus moves in the frame after the move, which may come after the other browser has it.
    await expect.poll(() => phone.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("move-to");

    await phone.context().close();
    await other.context().close();
  });

  test("a long-press drag onto a column's tab moves the card; another person's browser shows it at once", async ({ browser }) => {
    const phone = await personOn(browser, "coordinator@ave.example", PHONE);
    const other = await personOn(browser, "vluchtelingenwerk@ave.example", DESKTOP);
    const card = column(phone, "nieuw").locator("[data-card-id]").nth(1);
    const id = (await card.getAttribute("data-card-id"))!;
    await card.scrollIntoViewIfNeeded();
    const from = center(await settledBox(card.locator(".card-title")));
    const to = center(await settledBox(phone.getByTestId("column-tab-open")));
    await longPressDrag(phone, from, to);

    await expect(cardIn(other, "open", id)).toBeVisible();
    await expect(cardIn(other, "nieuw", id)).toHaveCount(0);
    await expect(cardIn(phone, "open", id)).toBeAttached();
    // A drag is not a tap: no dialog opened.
    await expect(phone.getByTestId("dialog-card")).toBeHidden();

    // A tap (no long press) opens the card and moves nothing.
    const still = column(phone, "nieuw").locator("[data-card-id]").first();
    const stillId = (await still.getAttribute("data-card-id"))!;
    const tap = center((await still.locator(".card-tags").boundingBox())!);
    await phone.touchscreen.tap(tap.x, tap.y);
    await expect(phone.getByTestId("dialog-card")).toBeVisible();
    await phone.getByTestId("dialog-card").getByRole("button", { name: "Annuleren" }).tap();
    await expect(cardIn(other, "nieuw", stillId)).toBeVisible();

    await phone.context().close();
    await other.context().close();
  });
});

test.describe("768×1024 tablet", () => {
  test.use(TABLET);

  test("no page scrolls sideways; the columns scroll inside their strip", async ({ page }) => {
    await page.goto(`${server.url}/login`);
    await expectNoSidewaysScroll(page, "login");
    await login(page, server.url, "coordinator@ave.example");
    await expectNoSidewaysScroll(page, "boards");
    await openDemoBoard(page);
    await expectNoSidewaysScroll(page, "board");
    await expect(page.getByTestId("column-tabs")).toBeHidden();
    const strip = page.locator(".board-columns");
    expect(await strip.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await column(page, "nieuw").locator("[data-card-id]").first().tap();
    await expect(page.getByTestId("dialog-card")).toBeVisible();
    await expectNoSidewaysScroll(page, "card dialog");
    await expectOnScreen(page, page.getByTestId("dialog-card").getByTestId("card-save"), "Opslaan");
    await page.keyboard.press("Escape");
    const boardPath = new URL(page.url()).pathname;
    for (const [what, path] of [
      ["overview", `${boardPath}/overzicht`],
      ["report", `${boardPath}/rapport`],
      ["offers", "/aanbod"],
      ["beheer", "/beheer"],
    ]) {
      await page.goto(`${server.url}${path}`);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await expectNoSidewaysScroll(page, what);
    }
  });
});

test.describe("1440×900 desktop with six columns", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("the strip scrolls inside itself, headers keep their buttons on one line, no word is broken", async ({ page }) => {
    await login(page, server.url, "coordinator@ave.example");
    await openDemoBoard(page);
    // The phone test may have added it already (one server for this file).
    if ((await page.locator("section[data-column-id]").count()) < 6) {
      await openFromMoreMenu(page, "add-column");
      const dialog = page.getByTestId("dialog-column");
      await dialog.getByLabel("Naam van de kolom").fill("Wacht op gemeente");
      await dialog.getByRole("button", { name: "Toevoegen" }).click();
      await expect(dialog).toBeHidden();
    }
    const columns = page.locator("section[data-column-id]");
    expect(await columns.count()).toBeGreaterThanOrEqual(6);
    await expect(page.getByTestId("column-tabs")).toBeHidden();

    // The page is as wide as the window; the strip of columns scrolls by itself, up to its last column.
    await expectNoSidewaysScroll(page, "board with six columns");
    const strip = page.locator(".board-columns");
    const { scrollWidth, clientWidth } = await strip.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    expect(scrollWidth).toBeGreaterThan(clientWidth);
    await strip.evaluate((el) => (el.scrollLeft = el.scrollWidth));
    const last = (await columns.last().boundingBox())!;
    expect(last.x + last.width).toBeLessThanOrEqual(1440);
    await expectNoSidewaysScroll(page, "board, strip scrolled to its end");

    // Each header: its buttons in one row, level with the first line of the name.
    const heads = await page.locator(".column-head").evaluateAll((els) =>
      els.map((head) => {
        const tools = head.querySelector(".column-tools");
        const title = head.querySelector(".column-title");
        if (!tools || !title) return null;
        const buttons = Array.from(tools.querySelectorAll("button")).map((b) => b.getBoundingClientRect().top);
        return {
          name: title.textContent,
          oneRow: Math.max(...buttons) - Math.min(...buttons) < 2,
          besideTitle: Math.abs(tools.getBoundingClientRect().top - title.getBoundingClientRect().top) < 12,
        };
      }),
    );
    expect(heads.length).toBeGreaterThanOrEqual(6);
    for (const head of heads) {
      expect(head, "a coordinator's header has its tools").not.toBeNull();
      expect(head!.oneRow, `${head!.name}: buttons in one row`).toBe(true);
      expect(head!.besideTitle, `${head!.name}: buttons beside the name`).toBe(true);
    }

    // No word of a card title or column name spans two lines (each word's text sits in one line box).
    const broken = await page.locator(".board-column .card-title, .board-column .column-name").evaluateAll((els) => {
      const out: string[] = [];
      for (const el of els) {
        const node = el.firstChild;
        if (!node || node.nodeType !== Node.TEXT_NODE) continue;
        const text = node.textContent ?? "";
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index!);
          range.setEnd(node, m.index! + m[0].length);
          const lines = new Set(
            Array.from(range.getClientRects())
              .filter((r) => r.width > 0)
              .map((r) => Math.round(r.top)),
          );
          if (lines.size > 1) out.push(m[0]);
        }
      }
      return out;
    });
    expect(broken).toEqual([]);
    // The test sees the long words it is about.
    await expect(page.locator(".card-title", { hasText: "Vrijwilligersvacature" }).first()).toBeVisible();
  });
});
