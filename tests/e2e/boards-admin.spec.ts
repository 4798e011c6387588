/**
 * The boards page as a coordinator uses it: a new board (defaults, or a copy
 * of another board's columns and categories), rename, archive, the archived
 * board read-only on its own page, and putting it back. A member sees the
 * boards without the coordinator's forms. On a desktop (1440×900) and a
 * phone (390×844, touch); screenshots go to tests/e2e/screenshots/.
 */
import path from "node:path";
import { expect, test, type Browser, type Page, type WebSocketRoute } from "@playwright/test";
import { login, seriousViolations, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();

async function noSidewaysScroll(page: Page) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

function tile(page: Page, name: string) {
  return page.getByTestId("boards").getByRole("listitem").filter({ has: page.getByRole("link", { name: new RegExp(name) }) });
}

/** A coordinator who just created the board `name`, and a second, empty browser for a member. */
async function coordinatorWithNewBoard(browser: Browser, name: string) {
  const [coordinator, member] = await Promise.all([browser.newContext().then((c) => c.newPage()), browser.newContext().then((c) => c.newPage())]);
  await login(coordinator, server.url, "coordinator@ave.example");
  await coordinator.getByLabel("Naam", { exact: true }).fill(name);
  await coordinator.getByRole("button", { name: "Bord aanmaken" }).click();
  await expect(tile(coordinator, name)).toBeVisible();
  return { coordinator, member };
}

const SIZES = [
  { name: "desktop", viewport: { width: 1440, height: 900 }, isMobile: false, hasTouch: false },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
] as const;

for (const size of SIZES) {
  test.describe(size.name, () => {
    test.use({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });

    test(`a coordinator creates, renames, archives and puts back a board (${size.viewport.width}×${size.viewport.height})`, async ({ page }) => {
      const suffix = size.name === "desktop" ? "" : " telefoon";
      const name = `Vrijwilligersklussen${suffix}`;
      await login(page, server.url, "coordinator@ave.example");
      await expect(page.getByRole("heading", { name: "Nieuw bord" })).toBeVisible();

      // A board with the columns and categories of the demo board.
      await page.getByLabel("Naam", { exact: true }).fill(name);
      await page.getByLabel("Kolommen en categorieën").selectOption({ label: "Overnemen van Hulpvragen Emmen" });
      await page.getByRole("button", { name: "Bord aanmaken" }).click();
      await expect(page.getByTestId("toast").filter({ hasText: `Bord ${name} aangemaakt.` })).toBeVisible();
      await expect(tile(page, name)).toBeVisible();
      await expect(page.getByLabel("Naam", { exact: true })).toHaveValue("");

      // The same name again (case ignored): said at the field.
      await page.getByLabel("Naam", { exact: true }).fill(name.toUpperCase());
      await page.getByRole("button", { name: "Bord aanmaken" }).click();
      await expect(page.locator("#board-name-e")).toHaveText("Er is al een bord met deze naam (ook gearchiveerde tellen mee).");
      await expect(page.getByLabel("Naam", { exact: true })).toHaveAttribute("aria-invalid", "true");
      await noSidewaysScroll(page);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-boards.png`), fullPage: true });
      expect(await seriousViolations(page)).toEqual([]);

      // Rename.
      const renamed = `Klussen${suffix}`;
      await tile(page, name).getByText("Naam wijzigen").click();
      await tile(page, name).getByLabel(`Nieuwe naam voor ${name}`).fill(renamed);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-boards-rename.png`), fullPage: true });
      await tile(page, name).getByRole("button", { name: "Opslaan" }).click();
      await expect(tile(page, renamed)).toBeVisible();
      await expect(page.getByTestId("boards").getByRole("link", { name: new RegExp(`^${name}`) })).toHaveCount(0);

      // The board opens with the copied columns.
      await tile(page, renamed).getByRole("link").click();
      await expect(page.getByTestId("board")).toBeVisible();
      await expect(page.getByRole("heading", { level: 1, name: renamed })).toBeVisible();
      await expect(page.getByTestId("new-request")).toBeVisible();

      // Archive: gone from the list, under "Gearchiveerd", read-only on its page.
      await page.goto(`${server.url}/boards`);
      await tile(page, renamed).getByRole("button", { name: `${renamed} archiveren` }).click();
      await expect(page.getByTestId("toast").filter({ hasText: `${renamed} is gearchiveerd.` })).toBeVisible();
      await expect(tile(page, renamed)).toHaveCount(0);
      const archived = page.getByTestId("boards-archived");
      await expect(archived).toBeVisible();
      await expect(archived.getByRole("link", { name: renamed })).toBeVisible();
      await noSidewaysScroll(page);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-boards-archived.png`), fullPage: true });

      await archived.getByRole("link", { name: renamed }).click();
      await expect(page.getByTestId("board")).toBeVisible();
      await expect(page.getByTestId("board-archived")).toHaveText(/Dit bord is gearchiveerd/);
      await expect(page.getByTestId("new-request")).toHaveCount(0);
      await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
      await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-board-archived.png`) });

      // Put back.
      await page.goto(`${server.url}/boards`);
      // Folded away by default: the list of boards in use comes first.
      await expect(page.getByTestId("boards-archived").getByRole("button", { name: `${renamed} terugzetten` })).toBeHidden();
      await page.getByTestId("boards-archived").getByText("Gearchiveerd (1)").click();
      await page.getByTestId("boards-archived").getByRole("button", { name: `${renamed} terugzetten` }).click();
      await expect(page.getByTestId("toast").filter({ hasText: `${renamed} is teruggezet.` })).toBeVisible();
      await expect(tile(page, renamed)).toBeVisible();
    });
  });
}

test("a member sees the boards without the coordinator's forms", async ({ page }) => {
  await login(page, server.url, "vluchtelingenwerk@ave.example");
  await expect(page.getByRole("link", { name: /Hulpvragen Emmen/ })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Nieuw bord" })).toHaveCount(0);
  await expect(page.getByText("Naam wijzigen")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /archiveren/ })).toHaveCount(0);
});

test("someone on a board sees it turn read-only the moment a coordinator archives it, and writable again when it is put back", async ({ browser }) => {
  const { coordinator, member } = await coordinatorWithNewBoard(browser, "Live gearchiveerd");

  await login(member, server.url, "vluchtelingenwerk@ave.example");
  await member.getByRole("link", { name: /Live gearchiveerd/ }).click();
  await expect(member.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(member.getByTestId("new-request")).toBeVisible();
  await expect(member.getByTestId("board-archived")).toHaveCount(0);

  await tile(coordinator, "Live gearchiveerd").getByRole("button", { name: "Live gearchiveerd archiveren" }).click();
  await expect(member.getByTestId("board-archived")).toBeVisible();
  await expect(member.getByTestId("new-request")).toHaveCount(0);
  await expect(member.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");

  await coordinator.getByTestId("boards-archived").getByRole("button", { name: "Live gearchiveerd terugzetten" }).click();
  await expect(member.getByTestId("board-archived")).toHaveCount(0);
  await expect(member.getByTestId("new-request")).toBeVisible();
  await coordinator.context().close();
  await member.context().close();
});

test("an archive that came before the page's live connection joined the board still turns the page read-only", async ({ browser }) => {
  const { coordinator, member } = await coordinatorWithNewBoard(browser, "Laat verbonden");

  // The member's socket.io `board:join` is held on its way (a slow network,
  // a busy server): the page has loaded, the board document is connected,
  // but the board's events do not reach it yet.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let joinsHeld = 0;
  await member.routeWebSocket(/\/socket\.io\//, (ws: WebSocketRoute) => {
    const srv = ws.connectToServer();
    ws.onMessage((m) => {
      if (typeof m === "string" && m.includes('"board:join"')) {
        joinsHeld++;
        void held.then(() => srv.send(m));
      } else srv.send(m);
    });
    srv.onMessage((m) => ws.send(m));
  });
  await login(member, server.url, "vluchtelingenwerk@ave.example");
  await member.getByRole("link", { name: /Laat verbonden/ }).click();
  await expect(member.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(member.getByTestId("new-request")).toBeVisible();
  await expect.poll(() => joinsHeld).toBeGreaterThan(0);

  // Archived now: `board:changed` goes to those joined, which the member is not.
  await tile(coordinator, "Laat verbonden").getByRole("button", { name: "Laat verbonden archiveren" }).click();
  await expect(coordinator.getByTestId("toast").filter({ hasText: "Laat verbonden is gearchiveerd." })).toBeVisible();
  await expect(member.getByTestId("board-archived")).toHaveCount(0);

  // The join gets through; its answer says archived, unlike the page.
  release();
  await expect(member.getByTestId("board-archived")).toBeVisible();
  await expect(member.getByTestId("new-request")).toHaveCount(0);
  await coordinator.context().close();
  await member.context().close();
});
