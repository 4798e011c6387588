/**
 * Screenshots of what the pages show, on a desktop (1440×900) and a phone
 * (390×844, touch), written to tests/e2e/screenshots/ on every run (ignored
 * by git) so anyone can look at them: the board, a card dialog, the overview
 * and the report. Each shot also checks that the page does not scroll
 * sideways, so a screenshot that shows a clipped page fails the run.
 */
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { login, noSidewaysScroll, openDemoBoard, SIZES, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();


async function shoot(page: Page, size: string, name: string) {
  await noSidewaysScroll(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${size}-${name}.png`), fullPage: name !== "card-dialog" });
}

for (const size of SIZES) {
  test.describe(size.name, () => {
    test.use({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });

    test(`board, card dialog, overview and report at ${size.viewport.width}×${size.viewport.height}`, async ({ page }) => {
      await login(page, server.url, "coordinator@ave.example");
      await openDemoBoard(page);
      const boardPath = new URL(page.url()).pathname;
      await shoot(page, size.name, "board");

      await page.locator("[data-card-id]:visible").first().click();
      const dialog = page.getByTestId("dialog-card");
      await expect(dialog).toBeVisible();
      await shoot(page, size.name, "card-dialog");
      await page.keyboard.press("Escape");
      await expect(dialog).toBeHidden();

      await page.goto(`${server.url}${boardPath}/overzicht`);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await shoot(page, size.name, "overview");

      await page.goto(`${server.url}${boardPath}/rapport`);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await shoot(page, size.name, "report");
    });
  });
}
