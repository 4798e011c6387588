/**
 * Sealed contact details in the card dialog (issue 14): Taalhuis stores them
 * on a request it entered, shows them again (each read logged), and
 * VluchtelingenWerk, on the same card, gets no section, only the line that
 * says who may see them; the coordinator sees who looked. Both sizes, axe.
 * And a referral accepted without the person's consent: the new holder is
 * told why it sees nothing.
 */
import { expect, test, type Page } from "@playwright/test";
import { login, noSidewaysScroll, openDemoBoard, seriousViolations, SIZES, serverForFile } from "./helpers";

const server = serverForFile();

/** A request Taalhuis entered that nobody holds (the "Nieuw" column). */
async function taalhuisCard(page: Page, index: number) {
  const card = page.getByTestId("column-nieuw").locator("[data-card-id]", { has: page.locator(".card-org", { hasText: "Taalhuis" }) }).nth(index);
  return (await card.getAttribute("data-card-id"))!;
}

async function openCard(page: Page, id: string) {
  await page.getByTestId(`card-${id}`).click();
  const dialog = page.getByTestId("dialog-card");
  await expect(dialog.getByTestId("ownership")).toBeVisible();
  return dialog;
}

for (const [i, size] of SIZES.entries()) {
  test(`${size.name}: the holder stores and shows contact details; another organisation sees no section`, async ({ browser }) => {
    // Three people, one after the other, each in a browser of their own.
    test.setTimeout(180_000);
    const ctx = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const page = await ctx.newPage();
    await login(page, server.url, "taalhuis@ave.example");
    await openDemoBoard(page);
    const id = await taalhuisCard(page, i);
    const dialog = await openCard(page, id);
    const section = dialog.getByTestId("contact-section");
    await expect(section.getByTestId("contact-state")).toContainText("Er zijn nog geen contactgegevens");
    await section.getByTestId("contact-edit").click();

    // A wrong e-mail address is explained at its field, and nothing typed is lost.
    const form = section.getByTestId("contact-form");
    await form.getByLabel("Naam").fill("Amira Haddad");
    await form.getByLabel("Telefoon").fill("06 1234 5678");
    await form.getByLabel("E-mail").fill("amira-at-voorbeeld");
    await form.getByLabel("Adres").fill("Hoofdstraat 12, Emmen");
    await form.getByLabel(/toestemming/).check();
    await section.getByTestId("contact-save").click();
    await expect(form.getByText("Vul een e-mailadres in")).toBeVisible();
    await expect(form.getByLabel("E-mail")).toBeFocused();
    await expect(form.getByLabel("Naam")).toHaveValue("Amira Haddad");
    expect(await seriousViolations(page)).toEqual([]);
    await noSidewaysScroll(page);

    await form.getByLabel("E-mail").fill("amira@voorbeeld.nl");
    await section.getByTestId("contact-save").click();
    const details = section.getByTestId("contact-details");
    await expect(details).toContainText("Amira Haddad");
    await expect(details).toContainText("amira@voorbeeld.nl");
    await expect(details).toContainText("Toestemming voor doorgeven bij doorverwijzing: ja");
    await expect(section.getByTestId("contact-state")).toContainText("verzegeld");

    // Hidden again, then shown: read from the server (a view in the log).
    await section.getByTestId("contact-hide").click();
    await expect(details).toHaveCount(0);
    await section.getByTestId("contact-show").click();
    await expect(section.getByTestId("contact-details")).toContainText("Hoofdstraat 12, Emmen");
    expect(await seriousViolations(page)).toEqual([]);
    await noSidewaysScroll(page);
    await page.screenshot({ path: `tests/.tmp/contact-${size.name}.png`, fullPage: false });
    await ctx.close();

    // Another organisation on the same card: no section, no details, one line.
    const other = await (await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch })).newPage();
    await login(other, server.url, "vluchtelingenwerk@ave.example");
    await openDemoBoard(other);
    const otherDialog = await openCard(other, id);
    await expect(otherDialog.getByTestId("contact-hidden")).toContainText("alleen zichtbaar voor de organisatie die het verzoek heeft");
    await expect(otherDialog.getByTestId("contact-section")).toHaveCount(0);
    await expect(otherDialog).not.toContainText("Amira");
    await other.context().close();

    // The coordinator (another organisation) sees who looked, not what.
    const coord = await (await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch })).newPage();
    await login(coord, server.url, "coordinator@ave.example");
    await openDemoBoard(coord);
    const coordDialog = await openCard(coord, id);
    const log = coordDialog.getByTestId("contact-log");
    await expect(log).toContainText("Fenna Dijkstra (Taalhuis): bekeken");
    await expect(log).toContainText("Fenna Dijkstra (Taalhuis): gewijzigd");
    await expect(coordDialog).not.toContainText("Amira");
    expect(await seriousViolations(coord)).toEqual([]);
    await coord.context().close();
  });
}

test("a referral accepted without the person's consent: the new holder is told why it sees nothing", async ({ browser }) => {
  test.setTimeout(180_000);
  const size = SIZES[0];
  const taalhuis = await (await browser.newContext({ viewport: size.viewport })).newPage();
  await login(taalhuis, server.url, "taalhuis@ave.example");
  await openDemoBoard(taalhuis);
  const boardId = new URL(taalhuis.url()).pathname.split("/")[2];
  // A request of its own, so this test does not depend on the demo's cards.
  const created = await taalhuis.request.post(`${server.url}/api/boards/${boardId}/requests`, {
    data: { title: "Hulp bij inschrijving taalcursus", category: "taal" },
    headers: { Origin: server.url },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  const base = `${server.url}/api/boards/${boardId}/requests/${id}`;
  const write = async (page: Page, method: "PUT" | "POST", path: string, data: unknown) => {
    const res = await page.request.fetch(`${base}${path}`, { method, data, headers: { Origin: server.url } });
    expect(res.status(), `${method} ${path}: ${await res.text()}`).toBe(200);
  };
  const orgs = (await (await taalhuis.request.get(`${server.url}/api/organisations`)).json()) as Array<{ id: string; shortName: string }>;
  const vwn = orgs.find((o) => o.shortName === "VluchtelingenWerk")!;
  await write(taalhuis, "PUT", "/contact", { name: "Yusuf Demir", phone: "0591 123456", consent: false });
  await write(taalhuis, "POST", "/claim", {});
  await write(taalhuis, "POST", "/refer", { to: vwn.id, note: "Kunnen jullie helpen?" });
  await taalhuis.context().close();

  const page = await (await browser.newContext({ viewport: size.viewport })).newPage();
  await login(page, server.url, "vluchtelingenwerk@ave.example");
  await openDemoBoard(page);
  await write(page, "POST", "/referral/accept", {});
  const dialog = await openCard(page, id);
  await expect(dialog.getByTestId("contact-no-consent")).toContainText("gaf geen toestemming");
  await expect(dialog.getByTestId("contact-section")).toHaveCount(0);
  await expect(dialog).not.toContainText("Yusuf");
  expect(await seriousViolations(page)).toEqual([]);
  await page.context().close();
});
