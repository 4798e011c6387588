/**
 * Personal data kept out of the board's free text (issue 14): a phone number
 * typed into a new request is shown back in the warning, removed with one
 * click, and the request saved without it (desktop and phone); "Toch
 * opslaan" saves it deliberately and the card's history says so, naming the
 * kind only; the card dialog's edit and the comment form ask the same; the
 * import preview flags the rows and imports them only after "Toch
 * importeren". Axe on the warnings.
 */
import { expect, test, type Page } from "@playwright/test";
import { SIZES, login, noSidewaysScroll, openDemoBoard, openFromMoreMenu, seriousViolations, serverForFile } from "./helpers";

const server = serverForFile();

const boardIdOf = (page: Page) => new URL(page.url()).pathname.split("/")[2];

async function requestOf(page: Page, title: string) {
  const card = page.locator(".board-card", { hasText: title });
  await expect(card).toHaveCount(1);
  const id = (await card.getAttribute("data-card-id"))!;
  const res = await page.request.get(`${server.url}/api/boards/${boardIdOf(page)}/requests/${id}`);
  expect(res.status()).toBe(200);
  return { id, body: (await res.json()) as { card: { title: string; description: string; area: string } } };
}

async function fillNewRequest(page: Page, fields: { title: string; description?: string; area?: string }) {
  await page.getByTestId("new-request").click();
  const dialog = page.getByTestId("dialog-new-request");
  await dialog.locator('[name="title"]').fill(fields.title);
  await dialog.locator('[name="category"]').selectOption("taal");
  if (fields.description) await dialog.locator('[name="description"]').fill(fields.description);
  if (fields.area) await dialog.locator('[name="area"]').fill(fields.area);
  await dialog.getByRole("button", { name: "Aanvraag toevoegen" }).click();
  return dialog;
}

for (const size of SIZES) {
  test(`${size.name}: a phone number in a new request is shown, removed with one click, and the request saved without it`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const page = await context.newPage();
    await login(page, server.url, "taalhuis@ave.example");
    await openDemoBoard(page);
    const title = `Taalmaatje voor mevrouw ${size.name} ${Date.now()}`;
    const dialog = await fillNewRequest(page, { title, description: "Bel mevrouw op 06-12345678 na vijf uur, zij spreekt Arabisch." });

    const warning = dialog.getByTestId("personal-data-warning");
    await expect(warning).toBeVisible();
    await expect(warning).toContainText("Persoonsgegevens gevonden");
    await expect(warning).toContainText("Omschrijving: telefoonnummer");
    await expect(warning.locator("mark")).toHaveText("06-12345678");
    // Nothing was saved yet.
    await expect(page.locator(".board-card", { hasText: title })).toHaveCount(0);
    // The warning takes the focus, so the keyboard lands on the choice.
    await expect(warning).toBeFocused();
    expect(await seriousViolations(page)).toEqual([]);
    await noSidewaysScroll(page);
    await page.screenshot({ path: `tests/.tmp/personal-data-warning-${size.name}.png` });

    await warning.getByRole("button", { name: "Weghalen" }).click();
    await expect(warning).toBeHidden();
    await expect(dialog.locator('[name="description"]')).toHaveValue("Bel mevrouw op na vijf uur, zij spreekt Arabisch.");
    await dialog.getByRole("button", { name: "Aanvraag toevoegen" }).click();
    await expect(dialog).toBeHidden();

    const saved = await requestOf(page, title);
    expect(saved.body.card.description).toBe("Bel mevrouw op na vijf uur, zij spreekt Arabisch.");
    await context.close();
  });
}

test("'Toch opslaan' saves it deliberately, and the card's history names the kind, not the text", async ({ page }) => {
  await login(page, server.url, "taalhuis@ave.example");
  await openDemoBoard(page);
  const title = `Woning gezocht ${Date.now()}`;
  const dialog = await fillNewRequest(page, { title, description: "Contact via fatima.haddad@example.org" });
  const warning = dialog.getByTestId("personal-data-warning");
  await expect(warning).toContainText("Omschrijving: e-mailadres");
  await warning.getByRole("button", { name: "Toch opslaan" }).click();
  await expect(dialog).toBeHidden();

  const saved = await requestOf(page, title);
  expect(saved.body.card.description).toBe("Contact via fatima.haddad@example.org");
  const activity = await page.request.get(`${server.url}/api/boards/${boardIdOf(page)}/activity?request=${saved.id}`);
  const entries = (await activity.json()) as Array<{ type: string; data: unknown }>;
  const ack = entries.find((e) => e.type === "personal_data_acknowledged");
  expect(ack?.data).toEqual({ found: [{ field: "description", kind: "email" }] });
  expect(JSON.stringify(entries)).not.toContain("fatima.haddad");

  // The card dialog: its history says it; an edit that adds an address asks again, and "Toch opslaan" saves through the server.
  await page.getByTestId(`card-${saved.id}`).click();
  const card = page.getByTestId("dialog-card");
  await expect(card.getByTestId("card-history")).toContainText("persoonsgegevens na de waarschuwing (e-mailadres)");
  await card.locator('[name="area"]').fill("Hoofdstraat 12a");
  await card.getByTestId("card-save").click();
  const cardWarning = card.getByTestId("personal-data-warning");
  await expect(cardWarning).toContainText("Wijk / gebied: adres");
  await expect(cardWarning.locator("mark")).toHaveText("Hoofdstraat 12a");
  expect((await requestOf(page, title)).body.card.area).toBe("");
  expect(await seriousViolations(page)).toEqual([]);
  await cardWarning.getByRole("button", { name: "Toch opslaan" }).click();
  await expect(card).toBeHidden();
  await expect.poll(async () => (await requestOf(page, title)).body.card.area).toBe("Hoofdstraat 12a");

  // A comment with an IBAN: the same warning; removed, the rest is posted.
  await page.getByTestId(`card-${saved.id}`).click();
  const form = card.getByTestId("comment-form");
  await form.getByLabel("Opmerking").fill("Huur kan op NL91 ABNA 0417 1643 00, graag voor de eerste");
  await form.getByRole("button", { name: "Plaatsen" }).click();
  const commentWarning = form.getByTestId("personal-data-warning");
  await expect(commentWarning).toContainText("Opmerking: IBAN");
  // Nothing was posted.
  await expect(card.locator(".comment")).toHaveCount(0);
  await commentWarning.getByRole("button", { name: "Weghalen" }).click();
  await expect(form.getByLabel("Opmerking")).toHaveValue("Huur kan op, graag voor de eerste");
  await form.getByRole("button", { name: "Plaatsen" }).click();
  await expect(card.locator(".comment-body")).toHaveText(["Huur kan op, graag voor de eerste"]);
});

test("Enter in a field while the warning shows sends the form as it is, never through 'Toch opslaan'", async ({ page }) => {
  await login(page, server.url, "taalhuis@ave.example");
  await openDemoBoard(page);
  const title = `Huiswerkhulp ${Date.now()}`;
  const dialog = await fillNewRequest(page, { title, area: "Bel 06-12345678" });
  const warning = dialog.getByTestId("personal-data-warning");
  await expect(warning).toContainText("Wijk / gebied: telefoonnummer");
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).searchParams.get("_data") === "routes/boards.$boardId") posts.push(r.postData() ?? "");
  });
  // The browser's own Enter would press the form's first submit button: "Toch opslaan", in the warning above the form's button.
  await dialog.locator('[name="title"]').press("Enter");
  await expect.poll(() => posts.length).toBe(1);
  expect(new URLSearchParams(posts[0]).get("acknowledgePersonalData")).toBeNull();
  await expect(warning).toContainText("Wijk / gebied: telefoonnummer");
  await expect(page.locator(".board-card", { hasText: title })).toHaveCount(0);
  // The warning's button still saves it, deliberately.
  await warning.getByRole("button", { name: "Toch opslaan" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(".board-card", { hasText: title })).toHaveCount(1);
});

test("the import preview flags rows with personal data and imports them only after 'Toch importeren'", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await login(page, server.url, "gemeente@ave.example");
  await openDemoBoard(page);
  await openFromMoreMenu(page, "import-link");
  const stamp = Date.now();
  const csv = [
    "Hulpvraag;Categorie;Omschrijving;Wijk;Dossiernummer",
    `Taalcafé ${stamp};Taal;Niveau A2, om 10:30;Centrum;PD-${stamp}-1`,
    `Woning ${stamp};Wonen;Bel 0591-123456 na vijven;Angelslo;PD-${stamp}-2`,
  ].join("\r\n");
  await page.getByTestId("import-file").setInputFiles({ name: "lijst.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
  const flags = page.getByTestId("import-personal-data");
  await expect(flags).toContainText("Persoonsgegevens in 1 rijen");
  await expect(flags).toContainText("Rij 3: Omschrijving (telefoonnummer)");
  // The number itself is not repeated in the warning (the row shows what the file has).
  await expect(flags).not.toContainText("0591");
  await expect(page.getByTestId("import-preview").locator('[data-row="3"]')).toContainText("Persoonsgegevens: Omschrijving (telefoonnummer)");
  const submit = page.getByTestId("import-submit");
  await expect(submit).toBeDisabled();
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByTestId("acknowledge-personal-data").check();
  await expect(submit).toBeEnabled();
  await submit.click();
  await expect(page.getByTestId("import-done")).toContainText("2 hulpvragen geïmporteerd.");
});
