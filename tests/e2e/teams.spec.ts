/**
 * Local teams (issue 15, Aan de Slag) in Chromium at 1440×900 and 390×844:
 * a coordinator creates a team on /beheer (a refused form explains itself
 * and keeps what was typed), sees it listed, and finds it in the report's
 * "Koppelingen per team" next to the demo's Aan de Slag Emmen, with the
 * volunteer places table above it. axe clean, no sideways scroll.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { login, noSidewaysScroll, openDemoBoard, seriousViolations, SIZES } from "./helpers";
import { startServer, type TestServer } from "./server";

const SHOTS = path.join(path.dirname(new URL(import.meta.url).pathname), "screenshots");

let server: TestServer;

test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.cleanup();
});

for (const size of SIZES) {
  test(`a coordinator creates a team and sees it in the report (${size.name})`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const page = await context.newPage();
    await login(page, server.url, "coordinator@ave.example");
    await page.goto(`${server.url}/beheer`);
    const section = page.getByTestId("teams");
    await expect(section.getByRole("heading", { name: "Lokale teams" })).toBeVisible();
    await expect(section.getByTestId("team-Aan de Slag Emmen")).toContainText("COA azc Emmen");
    await expect(section.getByTestId("team-mode-current")).toHaveText("Nu: Over organisaties heen.");

    const name = `Wijkteam Emmerhout ${size.name}`;
    const form = section.getByTestId("team-create");
    // No organisation picked: refused, explained, the name kept.
    await form.getByLabel("Naam van het team").fill(name);
    await form.getByLabel("Gebied (wijk, dorp of gemeente; mag leeg)").fill("Emmerhout");
    await form.getByRole("button", { name: "Team maken" }).click();
    await expect(page.getByTestId("teams").getByText("Kies een of meer organisaties van de alliantie.")).toBeVisible();
    await expect(page.getByTestId("team-create").getByLabel("Naam van het team")).toHaveValue(name);

    const again = page.getByTestId("team-create");
    await again.getByLabel("Voedselbank Emmen").check();
    await again.getByLabel("Diaconie Protestantse Gemeente Emmen").check();
    await again.getByRole("button", { name: "Team maken" }).click();
    await expect(page.getByTestId("toast").filter({ hasText: `Team ${name} is gemaakt.` })).toBeVisible();
    await expect(page.getByTestId("team-create").getByLabel("Naam van het team")).toHaveValue("");
    const row = page.getByTestId(`team-${name}`);
    await expect(row).toContainText("Emmerhout");
    await expect(row).toContainText("Diaconie Protestantse Gemeente Emmen, Voedselbank Emmen");
    await noSidewaysScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId("teams").screenshot({ path: path.join(SHOTS, `${size.name}-teams.png`) });

    await page.goto(`${server.url}/boards`);
    await openDemoBoard(page);
    await page.goto(`${page.url()}/rapport`);
    await expect(page.getByRole("heading", { name: "Vrijwilligersplaatsen per categorie en maand" })).toBeVisible();
    const teams = page.getByTestId("report-teams");
    await expect(teams.getByRole("rowheader", { name: "Aan de Slag Emmen" })).toBeVisible();
    await expect(teams.getByTestId(`report-team-${name}`)).toContainText("0");
    await noSidewaysScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, `${size.name}-report-teams.png`), fullPage: true });
    await context.close();
  });
}
