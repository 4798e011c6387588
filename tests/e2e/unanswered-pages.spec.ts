/**
 * The other pages with forms, when the server goes away while a POST is on
 * its way (killed the moment it leaves the browser, as in a restart, a crash
 * or a drain behind the proxy): the board list, the login page, the
 * notification settings and the offers table (rows held in React's state)
 * keep what was typed and a toast says it may not have been saved or arrived, where
 * Remix used to show the route's error page ("Er ging iets mis"). The login
 * page writes nothing back from what was sent: the password stays only as
 * the input's own value. The language switch leaves the page as it is. The
 * unsubscribe link's page, shown in its person's language, says so in that
 * language too.
 *
 * The public front door (/hulp/<slug>) loads no script at all (a plain HTML
 * form), so there is no clientAction to run: the browser shows its own
 * error, and Back brings the form again with what the newcomer typed (the
 * browser restores it). That request, sent again after the restart, arrives
 * once. app/lib/unanswered.ts; tests/unit/unanswered-routes.test.ts holds
 * every route with an action to it.
 */
import path from "node:path";
import { expect, test, type Browser } from "@playwright/test";
import { killServerOnPost, login, PASSWORD, remixPost, SCREENSHOTS, SIZES, serverForFile, unsubscribeLinkFor } from "./helpers";

const [desktop, phone] = [SIZES[0], SIZES[1]];
const server = serverForFile();

/** How many cards of the demo board hold `text` (rows of its export, a coordinator's view of every card). */
async function timesOnDemoBoard(browser: Browser, text: string): Promise<number> {
  const ctx = await browser.newContext();
  const staff = await ctx.newPage();
  await login(staff, server.url, "coordinator@ave.example");
  const boards = (await (await staff.request.get(`${server.url}/api/boards`)).json()) as Array<{ id: string; name: string }>;
  const demo = boards.find((b) => b.name === "Hulpvragen Emmen")!;
  const csv = await (await staff.request.get(`${server.url}/api/boards/${demo.id}/export.csv`)).text();
  await ctx.close();
  return csv.split("\n").filter((row) => row.includes(text)).length;
}

test.describe("on a phone", () => {
  test.use({ viewport: phone.viewport, isMobile: phone.isMobile, hasTouch: phone.hasTouch });

  test("front door: a newcomer's request sent while the server is gone is still in the form after Back; sent again, it arrives once", async ({ page, browser }) => {
    await page.goto(`${server.url}/hulp/ave-emmen`);
    expect(await page.locator("script[src]").count()).toBe(0);
    const gone = await killServerOnPost(page, server, (url) => url.pathname === "/hulp/ave-emmen", { scripts: false });
    const text = `Ik zoek Nederlandse les in de avond, na mijn werk ${Date.now()}`;
    await page.getByLabel("Ik zoek hulp, voor mezelf of voor iemand die ik help").check();
    const category = page.locator("#fd-category");
    const chosen = (await category.locator("option").nth(1).getAttribute("value"))!;
    await category.selectOption(chosen);
    await page.locator("#fd-text").fill(text);
    await page.getByLabel("Plaats of wijk (niet verplicht)").fill("Emmen-Noord");
    // The form's minimum fill time is a few seconds: a person takes longer than that anyway.
    await page.waitForTimeout(3500);
    await page.getByRole("button", { name: "Versturen" }).click();
    await expect.poll(gone.killed).toBe(true);
    // The browser's own error page: no app page answered.
    await expect(page).not.toHaveURL(/\/hulp\//);

    await server.start();
    await page.goBack();
    await expect(page.locator("#fd-text")).toHaveValue(text);
    await expect(page.getByLabel("Plaats of wijk (niet verplicht)")).toHaveValue("Emmen-Noord");
    await expect(page.getByLabel("Ik zoek hulp, voor mezelf of voor iemand die ik help")).toBeChecked();
    await expect(category).toHaveValue(chosen);
    await page.screenshot({ path: path.join(SCREENSHOTS, "phone-front-door-unanswered.png"), fullPage: true });
    expect(await timesOnDemoBoard(browser, text)).toBe(0);

    // The page came again with a new form token: its minimum fill time counts from now.
    await page.waitForTimeout(3500);
    await page.getByRole("button", { name: "Versturen" }).click();
    await expect(page.getByText("Bedankt. Uw bericht is ontvangen.")).toBeVisible();
    expect(await timesOnDemoBoard(browser, text)).toBe(1);
  });

  test("login: the server gone as the login leaves keeps the e-mail address and says so; the password is not written back; sent again, it logs in", async ({ page }) => {
    await page.goto(`${server.url}/login`);
    const gone = await killServerOnPost(page, server, remixPost("routes/login"));
    const email = page.getByLabel("E-mailadres");
    const password = page.getByLabel("Wachtwoord");
    await email.fill("taalhuis@ave.example");
    await password.fill(PASSWORD);
    await page.getByRole("button", { name: "Inloggen" }).click();
    await gone.told(/De server gaf geen antwoord: dit is misschien niet aangekomen/);
    await expect(page).toHaveURL(/\/login$/);
    await expect(email).toHaveValue("taalhuis@ave.example");
    // The password input keeps its own value (the form was not remounted), and nothing put it back into the page.
    await expect(password).toHaveValue(PASSWORD);
    expect(await password.getAttribute("value")).toBeNull();
    expect(await page.content()).not.toContain(PASSWORD);
    await page.screenshot({ path: path.join(SCREENSHOTS, "phone-login-unanswered.png"), fullPage: true });

    await server.start();
    await page.getByRole("button", { name: "Inloggen" }).click();
    await expect(page).toHaveURL(/\/boards$/);
  });

  test("notification settings: the server gone as the save leaves keeps the boxes as they were set and says so; saved again, they hold", async ({ page }) => {
    await login(page, server.url, "vluchtelingenwerk@ave.example");
    await page.goto(`${server.url}/account/meldingen`);
    const comment = page.getByRole("checkbox", { name: /Opmerking bij een hulpvraag die wij oppakken/ });
    await expect(comment).toBeChecked();
    const gone = await killServerOnPost(page, server, remixPost("routes/account.meldingen"));
    await comment.uncheck();
    await page.getByRole("button", { name: "Instellingen opslaan" }).click();
    await gone.told(/De server gaf geen antwoord: dit is misschien niet opgeslagen/);
    await expect(comment).not.toBeChecked();
    await page.screenshot({ path: path.join(SCREENSHOTS, "phone-meldingen-unanswered.png"), fullPage: true });

    await server.start();
    await page.getByRole("button", { name: "Instellingen opslaan" }).click();
    await expect(page.getByText("Instellingen opgeslagen.")).toBeVisible();
    await page.reload();
    await expect(page.getByRole("checkbox", { name: /Opmerking bij een hulpvraag die wij oppakken/ })).not.toBeChecked();
  });
});

test.describe("on a desktop", () => {
  test.use({ viewport: desktop.viewport });

  test("unsubscribe link: the server gone as it is confirmed keeps the page and says so in the page's language (the person's, not the browser's); confirmed again, it is done", async ({ page }) => {
    // The link of a mail to a person who chose English, opened in a browser that never chose a language.
    await page.goto(await unsubscribeLinkFor(server, "coa@ave.example", "en"));
    await expect(page.getByRole("heading", { name: "Unsubscribe" })).toBeVisible();
    const gone = await killServerOnPost(page, server, remixPost("routes/afmelden.$token"));
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await gone.told(/The server did not answer: this may not have been saved/);
    await expect(page.getByRole("button", { name: "Unsubscribe" })).toBeVisible();
    await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-afmelden-unanswered.png") });

    await server.start();
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await expect(page.getByTestId("unsubscribed")).toContainText("gets no more e-mail about");
  });

  test("offers: the server gone as the table is saved keeps every row as typed and says so; saved again, the rows are stored once", async ({ page }) => {
    await login(page, server.url, "taalhuis@ave.example");
    await page.goto(`${server.url}/aanbod`);
    const rows = page.getByTestId("offer-row");
    const before = await rows.count();
    const gone = await killServerOnPost(page, server, remixPost("routes/aanbod"));
    await page.getByTestId("offer-add").click();
    await expect(rows).toHaveCount(before + 1);
    const n = before + 1;
    const label = `taalcafé op zaterdag ${Date.now()}`;
    await page.getByLabel(`Categorie (regel ${n})`).selectOption("taal");
    await page.getByLabel(`Omschrijving (regel ${n})`).fill(label);
    await page.getByLabel(`Aantal vrij (regel ${n})`).fill("4");
    await page.getByTestId("offers-save").click();
    await gone.told(/De server gaf geen antwoord: dit is misschien niet opgeslagen/);
    await expect(rows).toHaveCount(n);
    await expect(page.getByLabel(`Omschrijving (regel ${n})`)).toHaveValue(label);
    await expect(page.getByLabel(`Aantal vrij (regel ${n})`)).toHaveValue("4");
    await expect(page.getByLabel(`Categorie (regel ${n})`)).toHaveValue("taal");
    await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-aanbod-unanswered.png"), fullPage: true });

    await server.start();
    await page.getByTestId("offers-save").click();
    await expect(page.getByTestId("offers-saved")).toContainText(`${n} regels`);
    await page.reload();
    await expect(rows).toHaveCount(n);
    const labels = await rows.locator('input[name$=".label"]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(labels.filter((l) => l === label)).toHaveLength(1);
  });

  test("board list: a board created while the server is gone keeps the form and says so; sent again, it is created once", async ({ page }) => {
    await login(page, server.url, "coordinator@ave.example");
    await expect(page.getByRole("heading", { name: "Nieuw bord" })).toBeVisible();
    const gone = await killServerOnPost(page, server, remixPost("routes/boards._index"));
    const name = `Werk en stage ${Date.now()}`;
    const form = page.locator("form").filter({ has: page.locator('input[name="intent"][value="create"]') });
    await form.getByLabel("Naam").fill(name);
    const copy = form.locator("#board-copy");
    const source = (await copy.locator("option").nth(1).getAttribute("value"))!;
    await copy.selectOption(source);
    await form.getByRole("button", { name: "Bord aanmaken" }).click();
    await gone.told(/De server gaf geen antwoord: dit is misschien niet opgeslagen/);
    await expect(form.getByLabel("Naam")).toHaveValue(name);
    await expect(copy).toHaveValue(source);
    await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-boards-unanswered.png"), fullPage: true });

    await server.start();
    await form.getByRole("button", { name: "Bord aanmaken" }).click();
    await expect(page.getByTestId("toast").filter({ hasText: `Bord ${name} aangemaakt.` })).toBeVisible();
    const boards = (await (await page.request.get(`${server.url}/api/boards`)).json()) as Array<{ name: string }>;
    expect(boards.filter((b) => b.name === name)).toHaveLength(1);
  });

  test("language switch: the server gone as it leaves keeps the page and says so; pressed again, the page comes in English", async ({ page }) => {
    await login(page, server.url, "coordinator@ave.example");
    const gone = await killServerOnPost(page, server, remixPost("routes/taal"));
    await page.getByLabel("Naam", { exact: true }).fill("Half getypt");
    await page.getByRole("button", { name: "Switch to English" }).click();
    await gone.told(/De server gaf geen antwoord: deze pagina is niet van taal gewisseld/);
    await expect(page).toHaveURL(/\/boards$/);
    await expect(page.getByLabel("Naam", { exact: true })).toHaveValue("Half getypt");

    await server.start();
    await page.getByRole("button", { name: "Switch to English" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page).toHaveURL(/\/boards$/);
  });

  test("language switch on a page without a form of its own (the report): the page stays as it was and says so", async ({ page }) => {
    // Not the coordinator: the test above left the coordinator's own language English.
    await login(page, server.url, "gemeente@ave.example");
    const boards = (await (await page.request.get(`${server.url}/api/boards`)).json()) as Array<{ id: string; name: string }>;
    const demo = boards.find((b) => b.name === "Hulpvragen Emmen")!;
    await page.goto(`${server.url}/boards/${demo.id}/rapport`);
    await expect(page.getByTestId("report-kpis")).toBeVisible();
    const gone = await killServerOnPost(page, server, remixPost("routes/taal"));
    await page.getByRole("button", { name: "Switch to English" }).click();
    await gone.told(/De server gaf geen antwoord: deze pagina is niet van taal gewisseld/);
    // Not the error page in place of the report: the report and its figures are still there.
    await expect(page).toHaveURL(new RegExp(`/boards/${demo.id}/rapport$`));
    await expect(page.getByTestId("report-kpis")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Er ging iets mis" })).toHaveCount(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-report-language-unanswered.png") });

    await server.start();
    await page.getByRole("button", { name: "Switch to English" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByTestId("report-kpis")).toBeVisible();
  });
});
