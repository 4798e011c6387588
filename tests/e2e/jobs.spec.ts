/**
 * Volunteer jobs (issue 15, Aan de Slag) in Chromium against the real server:
 * a coordinator makes a job with "Nieuwe vacature/activiteit", fills three of
 * its six places from the suggestions at once, and another organisation's
 * member sees "3 van 6 plaatsen" on the card live, and the badge on a
 * request that joined. At 1440×900 and 390×844, keyboard and axe.
 */
import { expect, test, type Page } from "@playwright/test";
import { SIZES, column, login, noSidewaysScroll, openDemoBoard, seriousViolations, serverForFile } from "./helpers";

const server = serverForFile();

async function newJob(page: Page, title: string, places: string) {
  await page.getByTestId("new-job").click();
  const dialog = page.getByTestId("dialog-new-job");
  await expect(dialog).toBeVisible();
  // A mistake first: the form says what is wrong and keeps the rest.
  await dialog.getByLabel("Wat gaan ze doen?").fill(title);
  await dialog.getByLabel("Aantal plaatsen").fill("0");
  await dialog.getByTestId("new-job-submit").click();
  await expect(dialog.getByText("Kies 1 tot 100 plaatsen.")).toBeVisible();
  await expect(dialog.getByLabel("Aantal plaatsen")).toBeFocused();
  await expect(dialog.getByLabel("Wat gaan ze doen?")).toHaveValue(title);
  await dialog.getByLabel("Aantal plaatsen").fill(places);
  await dialog.getByLabel("Datum").fill("2026-12-12");
  await dialog.getByLabel("Begintijd").fill("10:00");
  await dialog.getByLabel("Nederlands dat nodig is").selectOption("A1");
  expect(await seriousViolations(page)).toEqual([]);
  await dialog.getByTestId("new-job-submit").click();
  await expect(dialog).toBeHidden();
  const card = page.locator('[data-kind="job"]').filter({ hasText: title });
  await expect(card).toBeVisible();
  return card;
}

for (const size of SIZES) {
  test(`${size.name}: a coordinator fills three of a job's six places; another organisation's member sees "3 van 6" live`, async ({ browser }) => {
    // Two browsers, a new job and a fill on a shared 2-core machine: more than the default minute (no speed target).
    test.setTimeout(180_000);
    const ctxA = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const ctxB = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    await login(a, server.url, "coordinator@ave.example");
    await login(b, server.url, "taalhuis@ave.example");
    await openDemoBoard(a);
    await openDemoBoard(b);

    const title = `Onderhoud wijktuin ${size.name}`;
    const card = await newJob(a, title, "6");
    await expect(card.getByTestId("job-places")).toContainText("0 van 6 plaatsen");
    const jobId = (await card.getAttribute("data-card-id"))!;
    const onB = b.getByTestId(`card-${jobId}`);
    await expect(onB.getByTestId("job-places")).toContainText("0 van 6 plaatsen");

    // Opened with the keyboard; the suggestions with their reasons, three ticked, added at once.
    await card.focus();
    await a.keyboard.press("Enter");
    const dialog = a.getByTestId("dialog-card");
    await expect(dialog).toBeVisible();
    const section = dialog.getByTestId("job-section");
    const suggestions = section.getByTestId("job-suggestion");
    await expect(suggestions.first()).toBeVisible();
    expect(await suggestions.count()).toBeGreaterThanOrEqual(3);
    await expect(suggestions.first().locator(".job-reasons")).not.toBeEmpty();
    const picked: string[] = [];
    for (let i = 0; i < 3; i++) {
      const box = suggestions.nth(i).getByRole("checkbox");
      await box.focus();
      await a.keyboard.press("Space");
      await expect(box).toBeChecked();
      picked.push((await suggestions.nth(i).locator("label span").textContent())!.trim());
    }
    await expect(section.getByTestId("job-fill")).toHaveText("Zet 3 personen erin");
    expect(await seriousViolations(a)).toEqual([]);
    await noSidewaysScroll(a);
    await section.getByTestId("job-fill").click();
    await expect(section.getByTestId("job-dialog-places")).toHaveText("3 van 6 plaatsen");
    for (const name of picked) await expect(section.getByTestId("job-members")).toContainText(name);
    await a.screenshot({ path: `tests/.tmp/jobs-fill-${size.name}.png` });

    // The other browser, without reloading: the count, and the badge on a request that joined.
    await expect(onB.getByTestId("job-places")).toContainText("3 van 6 plaatsen");
    if (size.name === "desktop") {
      const joined = b.locator("[data-card-id]").filter({ hasText: picked[0] }).first();
      await expect(joined.getByTestId("job-badge")).toHaveText("Doet mee");
      // Its dialog names the job and links to it.
      await joined.click();
      await expect(b.getByTestId("dialog-card").getByTestId("job-joined")).toContainText(`Doet mee aan: ${title}`);
      expect(await seriousViolations(b)).toEqual([]);
    } else {
      await noSidewaysScroll(b);
    }
    await b.screenshot({ path: `tests/.tmp/jobs-live-${size.name}.png` });
    await ctxA.close();
    await ctxB.close();
  });
}

test("too many ticked for the places left: the dialog says how many are free", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const card = await newJob(page, "Fietsen opknappen", "1");
  await card.click();
  const section = page.getByTestId("dialog-card").getByTestId("job-section");
  const suggestions = section.getByTestId("job-suggestion");
  await expect(suggestions.nth(1)).toBeVisible();
  await suggestions.nth(0).getByRole("checkbox").check();
  await suggestions.nth(1).getByRole("checkbox").check();
  await section.getByTestId("job-fill").click();
  await expect(section.getByTestId("job-error")).toHaveText("Er is nog maar 1 plaats vrij. Kies minder mensen.");
  await expect(section.getByTestId("job-dialog-places")).toHaveText("0 van 1 plaats");
  await expect(column(page, "nieuw").locator('[data-kind="job"]').filter({ hasText: "Fietsen opknappen" })).toBeVisible();
});
