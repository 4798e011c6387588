/**
 * Import through the upload page, against the real server: a member opens
 * "Importeren" from the board's toolbar, uploads Excel's `;` CSV in
 * Windows-1252, sees per row what is wrong (in Dutch) and which rows look
 * like duplicates, maps an unknown category to one of the board's, imports
 * the good rows and finds them on the board. The same page at phone size
 * shows the preview as a list. Screenshots of both go to e2e/screenshots/.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { login, openDemoBoard, seriousViolations, openFromMoreMenu, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();

const CSV = [
  "Hulpvraag;Soort;Toelichting;Wijk;Urgentie;Dossiernummer",
  "Taalcafé gezocht voor Noël;Taal;Op dinsdag;Emmerhout;Hoog;E2E-001",
  "Fiets voor het werk;Vervoer;Naar Bargermeer;Centrum;normaal;E2E-002",
  ";Wonen;Zonder titel;Angelslo;laag;E2E-003",
  "Hulp bij huurtoeslag;Wonen;Formulier;Angelslo;spoed;E2E-004",
  "Hulp bij huurtoeslag nogmaals;Wonen;Zelfde persoon;Angelslo;normaal;E2E-004",
  "Maatje om te wandelen;Maatje & ontmoeting;;Rietlanden;;E2E-005",
].join("\r\n");

test("a member imports a list through the upload page: preview, problems in Dutch, duplicates, mapping, import", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await login(page, server.url, "gemeente@ave.example");
  await openDemoBoard(page);
  await openFromMoreMenu(page, "import-link");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Lijst importeren in Hulpvragen Emmen");

  await page.getByTestId("import-file").setInputFiles({ name: "lijst.csv", mimeType: "text/csv", buffer: Buffer.from(CSV, "latin1") });
  const summary = page.getByTestId("import-summary");
  await expect(summary).toContainText("6 rijen: 4 goed, 2 met fouten, 1 mogelijk dubbel.");
  await expect(summary).toContainText("windows-1252");
  // The mapping was guessed from the headers.
  await expect(page.getByTestId("map-title")).toHaveValue("Hulpvraag");
  await expect(page.getByTestId("map-reference")).toHaveValue("Dossiernummer");
  // é and ë read right; problems and duplicates in Dutch, per row.
  const table = page.getByTestId("import-preview");
  await expect(table).toContainText("Taalcafé gezocht voor Noël");
  await expect(table.locator('[data-row="3"]')).toContainText("Categorie 'Vervoer' bestaat niet op dit bord.");
  await expect(table.locator('[data-row="4"]')).toContainText("Titel ontbreekt.");
  await expect(table.locator('[data-row="6"]')).toContainText("Dubbel: zelfde referentie en categorie als rij 5.");
  await expect(page.getByTestId("import-submit")).toHaveText("Importeer 3 goede rijen");
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(SCREENSHOTS, "import-1440.png"), fullPage: true });

  // The unknown category goes to one the board has: one more good row.
  await page.getByTestId("category-choice").selectOption({ label: "Werk" });
  await expect(summary).toContainText("6 rijen: 5 goed, 1 met fouten, 1 mogelijk dubbel.");
  await expect(page.getByTestId("import-submit")).toHaveText("Importeer 4 goede rijen");

  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-done")).toContainText("4 hulpvragen geïmporteerd.");
  await page.getByTestId("import-done").getByRole("link", { name: "Naar het bord" }).click();
  await expect(page.getByTestId("board")).toBeVisible();
  for (const title of ["Taalcafé gezocht voor Noël", "Fiets voor het werk", "Hulp bij huurtoeslag", "Maatje om te wandelen"]) {
    await expect(page.locator("[data-card-id]", { hasText: title }).first()).toBeVisible();
  }
  await expect(page.locator("[data-card-id]", { hasText: "Hulp bij huurtoeslag nogmaals" })).toHaveCount(0);
});

test("on a phone the preview is a list, and a viewer is told they cannot import", async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await ctx.newPage();
  await login(page, server.url, "taalhuis@ave.example");
  await openDemoBoard(page);
  const boardUrl = page.url();
  await page.goto(`${boardUrl}/importeren`);
  await page.getByTestId("import-file").setInputFiles({ name: "lijst.csv", mimeType: "text/csv", buffer: Buffer.from(CSV.replace(/E2E-/g, "TEL-"), "latin1") });
  await expect(page.getByTestId("import-summary")).toContainText("6 rijen");
  // Nothing wider than the screen.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await expect(page.locator(".import-table thead")).toHaveCSS("position", "absolute");
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(SCREENSHOTS, "import-390.png"), fullPage: true });
  await ctx.close();

  const viewerCtx = await browser.newContext();
  const viewer = await viewerCtx.newPage();
  await login(viewer, server.url, "viewer@ave.example");
  await openDemoBoard(viewer);
  await expect(viewer.getByTestId("import-link")).toHaveCount(0);
  await viewer.goto(`${viewer.url()}/importeren`);
  await expect(viewer.getByRole("alert")).toContainText("Meekijkers kunnen niet importeren.");
  await expect(viewer.getByTestId("import-file")).toHaveCount(0);
  await viewerCtx.close();
});
