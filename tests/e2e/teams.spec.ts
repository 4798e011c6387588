/**
 * Local teams (issue 15, Aan de Slag) in Chromium at 1440×900 and 390×844:
 * a coordinator creates a team on /beheer (a refused form explains itself
 * and keeps what was typed), sees it listed, and finds it in the report's
 * "Koppelingen per team" next to the demo's Aan de Slag Emmen, with the
 * volunteer places table above it showing a job of the team filled over the
 * API this month (the job made in the board's dialog, given to the team
 * there). axe clean, no sideways scroll.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { login, noSidewaysScroll, openDemoBoard, seriousViolations, SIZES, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();

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
    await page.getByTestId("teams").screenshot({ path: path.join(SCREENSHOTS, `${size.name}-teams.png`) });

    await page.goto(`${server.url}/boards`);
    await openDemoBoard(page);
    const boardUrl = page.url();
    const boardId = boardUrl.split("/boards/")[1];
    // A job of the new team this month, one place filled by the coordinator (Gemeente, in Aan de Slag Emmen), over the JSON API.
    const api = (p: string, data: unknown) => page.request.post(`${server.url}${p}`, { data, headers: { origin: server.url } });
    const teamId = ((await (await page.request.get(`${server.url}/api/alliance/teams`)).json()).teams as Array<{ id: string; name: string }>).find((x) => x.name === name)!.id;
    // The job is made in the board's dialog, given to the new team there.
    await page.getByTestId("new-job").click();
    const dialog = page.getByTestId("dialog-new-job");
    await dialog.getByLabel("Wat gaan ze doen?").fill(`Wijktuin ${size.name}`);
    await dialog.getByLabel("Aantal plaatsen").fill("6");
    await dialog.getByLabel("Team", { exact: true }).selectOption({ label: name });
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByTestId("new-job-submit").click();
    await expect(dialog).toBeHidden();
    const jobCard = page.locator('[data-kind="job"]').filter({ hasText: `Wijktuin ${size.name}` });
    await expect(jobCard).toBeVisible();
    const jobId = (await jobCard.getAttribute("data-card-id"))!;
    const job = await page.request.get(`${server.url}/api/boards/${boardId}/jobs/${jobId}`);
    expect(job.status(), await job.text()).toBe(200);
    expect((await job.json()).teamId).toBe(teamId);
    const person = await api(`/api/boards/${boardId}/requests`, { title: `Buiten werken ${size.name}`, category: "werk", description: "", area: "" });
    expect(person.status(), await person.text()).toBe(201);
    const filled = await api(`/api/boards/${boardId}/jobs/${jobId}/places`, { requestIds: [(await person.json()).id] });
    expect(filled.status(), await filled.text()).toBe(200);

    await page.goto(`${boardUrl}/rapport`);
    await expect(page.getByRole("heading", { name: "Vrijwilligersplaatsen per categorie en maand" })).toBeVisible();
    const month = new Intl.DateTimeFormat("nl-NL", { month: "long", year: "numeric", timeZone: "Europe/Amsterdam" }).format(new Date());
    const places = page.getByTestId("report-places");
    const monthRow = places.getByRole("row").filter({ has: page.getByRole("rowheader", { name: month }) }).filter({ hasText: "Werk" });
    await expect(monthRow.getByRole("cell")).toHaveText(["Werk", /^\d+$/, /^\d+$/, /^\d+$/]);
    // Both browsers' jobs may be in this month's row: at least this one's 6 places and 1 filled.
    const [offered, filledCount] = [Number(await monthRow.getByRole("cell").nth(1).textContent()), Number(await monthRow.getByRole("cell").nth(2).textContent())];
    expect(offered).toBeGreaterThanOrEqual(6);
    expect(filledCount).toBeGreaterThanOrEqual(1);
    const teams = page.getByTestId("report-teams");
    await expect(teams.getByRole("rowheader", { name: "Aan de Slag Emmen" })).toBeVisible();
    // The place was filled by the Gemeente, which is in Aan de Slag Emmen, not in the new team.
    await expect(teams.getByTestId(`report-team-${name}`).getByRole("cell")).toHaveText(["0", "0"]);
    await noSidewaysScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-report-teams.png`), fullPage: true });
    await context.close();
  });
}
