/**
 * The privacy page in Chromium: a member reaches it from /account and reads
 * it on a phone (390×844) and a desktop (1440×900) without sideways
 * scrolling, axe finding nothing serious; the coordinator's link downloads
 * the processing register as a CSV file. Screenshots in
 * tests/e2e/screenshots/*-privacy.png.
 */
import path from "node:path";
import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { login, noSidewaysScroll, seriousViolations, SIZES, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();

for (const size of SIZES) {
  test(`a member reads the privacy page from /account (${size.name})`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const page = await context.newPage();
    await login(page, server.url, "taalhuis@ave.example");
    await page.goto(`${server.url}/account`);
    await page.getByRole("link", { name: /^Privacy:/ }).click();
    await expect(page).toHaveURL(/\/privacy$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Privacy en gegevens · AVE Emmen");
    await expect(page.getByTestId("privacy-boards")).toContainText("Hulpvragen Emmen: 12 maanden");
    await expect(page.getByRole("rowheader", { name: "Contactgegevens van hulpvragers" })).toBeVisible();
    // Only a coordinator downloads the register.
    await expect(page.getByRole("link", { name: /Verwerkingsregister downloaden/ })).toHaveCount(0);
    await noSidewaysScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-privacy.png`), fullPage: true });
    await context.close();
  });
}

test("a coordinator downloads the processing register from the page", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await page.goto(`${server.url}/privacy`);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /Verwerkingsregister downloaden/ }).click()]);
  expect(download.suggestedFilename()).toMatch(/^verwerkingsregister-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = fs.readFileSync((await download.path())!, "utf8");
  expect(text).toContain("Verwerking;Doel;Betrokkenen;Persoonsgegevens;Ontvangers;Bewaartermijn;Beveiliging;Opslag");
  expect(text).toContain("Hulpvragen Emmen: 12 maanden");
});
