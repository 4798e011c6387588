/**
 * The board's toolbar: one row at 1440×900 with the rarer links behind
 * "Meer" (a disclosure: aria-expanded, arrow keys, Escape back to the
 * button, a click elsewhere closes it); at 390×844 everything reachable
 * without sideways scroll. axe with the panel open; screenshots at both
 * sizes in tests/e2e/screenshots/.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { login, noSidewaysScroll, openDemoBoard, openFromMoreMenu, seriousViolations, SIZES, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();

for (const size of SIZES) {
  test(`the toolbar at ${size.name} size: the links behind "Meer" work by mouse and keyboard`, async ({ browser }) => {
    const ctx = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const page = await ctx.newPage();
    await login(page, server.url, "coordinator@ave.example");
    await openDemoBoard(page);
    const boardUrl = page.url();
    const toolbar = page.locator(".board-toolbar");
    const more = page.getByTestId("more-menu");
    const panel = page.getByTestId("more-menu-panel");

    if (size.name === "desktop") {
      // Every control of the toolbar on one row.
      await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-board-toolbar.png`) });
      const tops = await toolbar.evaluate((el) =>
        Array.from(el.children)
          .map((c) => c.getBoundingClientRect())
          .filter((r) => r.width > 0)
          .map((r) => `${Math.round(r.top)}:${Math.round(r.left)}-${Math.round(r.right)}`),
      );
      expect(new Set(tops.map((x) => x.split(":")[0])).size, `toolbar rows: ${tops.join(",")}`).toBe(1);
    }
    await noSidewaysScroll(page);
    await expect(more).toHaveAttribute("aria-expanded", "false");
    await expect(panel).toBeHidden();

    // Keyboard: Enter opens, the arrows walk the links, Escape closes and the focus is back on the button.
    await more.focus();
    await page.keyboard.press("Enter");
    await expect(more).toHaveAttribute("aria-expanded", "true");
    await expect(panel).toBeVisible();
    await page.keyboard.press("ArrowDown");
    await expect(page.getByTestId("add-column")).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await expect(page.getByTestId("overview-link")).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await expect(page.getByTestId("since-link")).toBeFocused();
    // Up from the first wraps round to the last.
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowUp");
    await expect(page.getByTestId("import-link")).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(more).toHaveAttribute("aria-expanded", "false");
    await expect(panel).toBeHidden();
    await expect(more).toBeFocused();

    // Open: every link inside the screen, axe clean, a picture; a click elsewhere closes it.
    await more.click();
    for (const id of ["add-column", "overview-link", "since-link", "history-link", "import-link"]) {
      const box = (await page.getByTestId(id).boundingBox())!;
      expect(box.x, id).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, id).toBeLessThanOrEqual(size.viewport.width);
    }
    await noSidewaysScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-board-toolbar-more.png`) });
    await page.getByRole("heading", { level: 1 }).click();
    await expect(more).toHaveAttribute("aria-expanded", "false");

    // "Kolom toevoegen" (a coordinator's) opens its dialog; closing it puts the focus back on "Meer".
    await openFromMoreMenu(page, "add-column");
    const dialog = page.getByTestId("dialog-column");
    await expect(dialog).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(more).toBeFocused();
    await expect(more).toHaveAttribute("aria-expanded", "false");

    // "Sinds de vorige vergadering" from the menu.
    await openFromMoreMenu(page, "since-link");
    await expect(page).toHaveURL(/\/sinds$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Sinds de vorige vergadering");
    await page.goto(boardUrl);
    await expect(page.getByTestId("board")).toBeVisible();
    await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-board-toolbar.png`) });
    await ctx.close();
  });
}
