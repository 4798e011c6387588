/**
 * Claims and referrals, decided by the server: what two organisations see in
 * their own browsers, and what a viewer sees.
 */
import { expect, test, type Page } from "@playwright/test";
import { login, openDemoBoard, ownerNews, routeSocketIo, seriousViolations, twoOnDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

function card(page: Page, id: string) {
  return page.getByTestId(`card-${id}`);
}
function badge(page: Page, id: string) {
  return card(page, id).getByTestId("owner-badge");
}
async function cardIdIn(page: Page, columnId: string, index: number) {
  return (await page.getByTestId(`column-${columnId}`).locator("[data-card-id]").nth(index).getAttribute("data-card-id"))!;
}
async function openCard(page: Page, id: string) {
  await card(page, id).click();
  const dialog = page.getByTestId("dialog-card");
  await expect(dialog.getByTestId("ownership")).toBeVisible();
  return dialog;
}

/** The cards used by the tests, so the viewer test can look at them. */
const claimed: string[] = [];

test("a claim shows at once in the other organisation's browser; a late claim is refused in Dutch", async ({ browser }) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "taalhuis@ave.example", "vluchtelingenwerk@ave.example");

  // A second tab of VluchtelingenWerk that does not hear about owner changes
  // (as if the news were still on its way): it still offers to claim.
  const stale = await b.context().newPage();
  await routeSocketIo(stale, { drop: ownerNews });
  await stale.goto(b.url());
  await expect(stale.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");

  const id = await cardIdIn(a, "open", 0);
  claimed.push(id);
  await expect(badge(b, id)).toHaveCount(0);
  const staleDialog = await openCard(stale, id);
  await expect(staleDialog.getByTestId("claim")).toBeVisible();

  // Taalhuis claims.
  const dialogA = await openCard(a, id);
  await expect(dialogA.getByTestId("claim")).toHaveText("Oppakken voor Taalhuis");
  await dialogA.getByTestId("claim").click();
  await expect(dialogA.getByTestId("owner-status")).toContainText("Opgepakt door Taalhuis");
  await expect(badge(a, id)).toHaveText("Taalhuis");

  // VluchtelingenWerk's browser shows it at once.
  await expect(badge(b, id)).toHaveText("Taalhuis", { timeout: 3000 });
  const dialogB = await openCard(b, id);
  await expect(dialogB.getByTestId("owner-status")).toContainText("Opgepakt door Taalhuis");
  await expect(dialogB.getByTestId("claim")).toHaveCount(0);

  // The stale tab tries anyway: the server refuses, the reason is shown.
  await staleDialog.getByTestId("claim").click();
  await expect(staleDialog.getByTestId("ownership").getByRole("alert")).toHaveText("Deze aanvraag is al opgepakt door Taalhuis.");
  await expect(badge(stale, id)).toHaveText("Taalhuis");
  await expect(staleDialog.getByTestId("claim")).toHaveCount(0);

  // The dialog with the ownership section has no serious accessibility problems.
  expect(await seriousViolations(a)).toEqual([]);

  await a.context().close();
  await b.context().close();
});

test("a referral reaches 'Voor ons' of the other organisation, and accepting it moves the badge", async ({ browser }) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "taalhuis@ave.example", "vluchtelingenwerk@ave.example");
  await expect(b.getByTestId("inbox-count")).toHaveText("0");

  const id = await cardIdIn(a, "open", 1);
  claimed.push(id);
  const title = (await card(a, id).locator(".card-title").textContent())!;
  const dialogA = await openCard(a, id);
  await dialogA.getByTestId("claim").click();
  await expect(badge(a, id)).toHaveText("Taalhuis");

  // Refer without choosing an organisation: refused, explained.
  await dialogA.getByTestId("refer").click();
  await expect(dialogA.getByTestId("ownership").getByRole("alert")).toHaveText("Kies een organisatie uit de lijst.");

  await dialogA.getByTestId("refer-org").selectOption({ label: "VluchtelingenWerk Noord-Nederland" });
  await dialogA.getByTestId("refer-note").fill("Graag jullie juridische hulp bij de aanvraag.");
  await dialogA.getByTestId("refer").click();
  await expect(dialogA.getByTestId("referral-pending")).toContainText("Doorverwezen naar VluchtelingenWerk");
  await expect(dialogA.getByTestId("referral-revoke")).toBeVisible();
  await expect(card(a, id).getByTestId("referral-marker")).toHaveText("Doorverwezen naar VluchtelingenWerk");
  await expect(card(b, id).getByTestId("referral-marker")).toHaveText("Doorverwezen naar VluchtelingenWerk");

  // VluchtelingenWerk: one waiting in "Voor ons".
  await expect(b.getByTestId("inbox-count")).toHaveText("1");
  await b.getByTestId("inbox").click();
  const panel = b.getByTestId("inbox-panel");
  const item = panel.getByTestId(`inbox-item-${id}`);
  await expect(item).toContainText(title);
  await expect(item).toContainText("Van Taalhuis");
  await expect(item).toContainText("Graag jullie juridische hulp bij de aanvraag.");
  expect(await seriousViolations(b)).toEqual([]);

  // Declining needs a reason.
  await item.getByTestId("referral-decline").click();
  await item.getByTestId("referral-decline-submit").click();
  await expect(item.getByRole("alert")).toHaveText("Geef een reden op.");
  await item.getByRole("button", { name: "Niet weigeren" }).click();

  await item.getByTestId("referral-accept").click();
  await expect(panel.getByTestId(`inbox-item-${id}`)).toHaveCount(0);
  await expect(b.getByTestId("inbox-count")).toHaveText("0");
  await expect(badge(b, id)).toHaveText("VluchtelingenWerk");

  // The badge moves in Taalhuis's browser too; the referral marker goes.
  await expect(badge(a, id)).toHaveText("VluchtelingenWerk");
  await expect(card(a, id).getByTestId("referral-marker")).toHaveCount(0);
  await expect(dialogA.getByTestId("owner-status")).toContainText("Opgepakt door VluchtelingenWerk");

  await a.context().close();
  await b.context().close();
});

test("a viewer sees who holds a request but cannot claim", async ({ page }) => {
  expect(claimed.length).toBeGreaterThan(0);
  await login(page, server.url, "viewer@ave.example");
  await openDemoBoard(page);
  await expect(badge(page, claimed[0])).toHaveText("Taalhuis");
  if (claimed[1]) await expect(badge(page, claimed[1])).toHaveText("VluchtelingenWerk");

  const owned = await openCard(page, claimed[0]);
  await expect(owned.getByTestId("owner-status")).toContainText("Opgepakt door Taalhuis");
  await expect(owned.getByRole("button", { name: /Oppakken|Vrijgeven|Toewijzen|Doorverwijzen/ })).toHaveCount(0);
  await owned.getByRole("button", { name: "Sluiten" }).click();

  const free = await cardIdIn(page, "nieuw", 0);
  const dialog = await openCard(page, free);
  await expect(dialog.getByTestId("owner-status")).toContainText("Nog niet opgepakt");
  await expect(dialog.getByTestId("claim")).toHaveCount(0);
  await expect(page.getByTestId("claim")).toHaveCount(0);
});

test("a coordinator may assign a request to an organisation and release it", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const id = await cardIdIn(page, "open", 2);
  const dialog = await openCard(page, id);
  await dialog.getByTestId("reassign-org").selectOption({ label: "COA azc Emmen" });
  await dialog.getByTestId("reassign").click();
  await expect(badge(page, id)).toHaveText("COA");
  expect(await seriousViolations(page)).toEqual([]);
  await dialog.getByTestId("unclaim").click();
  await expect(badge(page, id)).toHaveCount(0);
  await expect(dialog.getByTestId("claim")).toHaveText("Oppakken voor Gemeente");
});

test("a comment and a claim sent before the board's socket.io has joined (the board already says Verbonden) go once it has", async ({ page }) => {
  // socket.io held back for a moment, as on a slow network: the document syncs first and the board says "Verbonden".
  let release = () => {};
  await routeSocketIo(page, { connectAfter: new Promise<void>((resolve) => (release = resolve)) });
  await login(page, server.url, "coa@ave.example");
  await openDemoBoard(page);
  const id = await cardIdIn(page, "nieuw", 2);
  const dialog = await openCard(page, id);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  const form = dialog.getByTestId("comment-form");
  await form.getByLabel("Opmerking").fill("Wij nemen contact op");
  await form.getByRole("button", { name: "Plaatsen" }).click();
  await dialog.getByTestId("claim").click();
  setTimeout(release, 1500);
  // Not refused as "Geen verbinding" while the page says it is connected: both waited for the join.
  await expect(badge(page, id)).toHaveText("COA");
  await expect(dialog.getByTestId("ownership").getByRole("alert")).toHaveCount(0);
  await expect(dialog.locator(".comment-body")).toHaveText(["Wij nemen contact op"]);
  await expect(form.getByRole("alert")).toHaveCount(0);
});

test("while socket.io is away and the document is not, the header says 'Deels verbonden'; 'Nu verbinden' brings claims back", async ({ page }) => {
  let release = () => {};
  const socketIo = await routeSocketIo(page, { connectAfter: new Promise<void>((resolve) => (release = resolve)) });
  await login(page, server.url, "coa@ave.example");
  await openDemoBoard(page);
  const status = page.getByTestId("connection-status");
  // Before the first join: "Verbonden" while a claim would still wait for it (5 s), then said.
  await expect(status).toHaveAttribute("data-state", "partial", { timeout: 10_000 });
  await expect(status).toHaveText("Deels verbonden");
  await expect(page.getByTestId("partial-note")).toHaveText("De kaarten blijven bij, maar oppakken, doorverwijzen en reageren gaan pas weer als de verbinding terug is.");
  release();
  await expect(status).toHaveAttribute("data-state", "connected");
  await expect(page.getByTestId("partial-note")).toHaveCount(0);

  // After a join the loss is said at once, while the cards stay live; a claim says why it cannot go.
  const id = await cardIdIn(page, "nieuw", 3);
  const dialog = await openCard(page, id);
  const letBack = await socketIo.cut();
  await expect(status).toHaveAttribute("data-state", "partial");
  await dialog.getByTestId("claim").click();
  await expect(dialog.getByTestId("ownership").getByRole("alert")).toHaveText("Geen verbinding: probeer het opnieuw zodra u verbonden bent.");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  // Still refused for a few attempts of socket.io's back-off; then the way is open and the button connects now.
  await page.waitForTimeout(3_000);
  await expect(status).toHaveAttribute("data-state", "partial");
  letBack();
  await page.getByRole("button", { name: "Nu verbinden" }).click();
  await expect(status).toHaveAttribute("data-state", "connected");
  const again = await openCard(page, id);
  await again.getByTestId("claim").click();
  await expect(badge(page, id)).toHaveText("COA");
  await expect(again.getByTestId("ownership").getByRole("alert")).toHaveCount(0);
  await page.keyboard.press("Escape");

  // Ended by the server (as after a role change): socket.io never comes back by itself; the button asks again.
  socketIo.endByServer();
  await expect(status).toHaveAttribute("data-state", "partial");
  await page.waitForTimeout(1_500);
  await expect(status).toHaveAttribute("data-state", "partial");
  await page.getByRole("button", { name: "Nu verbinden" }).click();
  await expect(status).toHaveAttribute("data-state", "connected");
});

test("without a connection a claim is not attempted and the reason is shown", async ({ page }) => {
  await login(page, server.url, "coa@ave.example");
  await openDemoBoard(page);
  const id = await cardIdIn(page, "nieuw", 1);
  const dialog = await openCard(page, id);
  await server.stop("SIGKILL");
  try {
    await expect(page.getByTestId("connection-status")).not.toHaveAttribute("data-state", "connected");
    await dialog.getByTestId("claim").click();
    await expect(dialog.getByTestId("ownership").getByRole("alert")).toHaveText("Geen verbinding: probeer het opnieuw zodra u verbonden bent.");
    await expect(badge(page, id)).toHaveCount(0);
  } finally {
    await server.start();
  }
  // Once the header says "Verbonden" again, socket.io is back too (it follows the document), and the same button works.
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await dialog.getByTestId("claim").click();
  await expect(badge(page, id)).toHaveText("COA");
  await expect(dialog.getByTestId("owner-status")).toContainText("Opgepakt door COA");
});

test("a member sees another organisation's request read-only, moves it only into a held column (a claim); then only the holder moves it", async ({ browser }) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "taalhuis@ave.example", "coa@ave.example");
  // A request COA entered, in Nieuw, that nobody holds.
  const foreign = a.getByTestId("column-nieuw").locator("[data-card-id]", { has: a.locator(".card-org", { hasText: "COA" }) }).first();
  const id = (await foreign.getAttribute("data-card-id"))!;

  // Its dialog shows why it is read-only, and no form to edit it.
  await openCard(a, id);
  const dialog = a.getByTestId("dialog-card");
  await expect(dialog.getByTestId("card-read-only")).toBeVisible();
  await expect(dialog.locator("input[name=title]")).toHaveCount(0);
  await a.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  // "Verplaats naar…" offers only the held columns: taking it on.
  await foreign.locator("xpath=..").getByTestId("move-to").click();
  const menu = a.getByTestId("move-menu");
  await expect(menu).toBeVisible();
  const offered = await menu.locator("[role=menuitem]").evaluateAll((els) => els.map((e) => e.getAttribute("data-column-id")));
  expect(offered.sort()).toEqual(["in-uitvoering", "opgepakt"]);
  await menu.locator('[data-column-id="opgepakt"]').click();

  // Claimed by the move: both browsers show it in Opgepakt, held by Taalhuis.
  for (const page of [a, b]) {
    await expect(page.getByTestId("column-opgepakt").getByTestId(`card-${id}`)).toBeVisible();
    await expect(badge(page, id)).toContainText("Taalhuis");
  }
  // Now Taalhuis holds it: its dialog is an edit form.
  await openCard(a, id);
  await expect(a.getByTestId("dialog-card").getByTestId("card-read-only")).toHaveCount(0);
  await a.keyboard.press("Escape");

  // COA entered it and may still edit its text, but Taalhuis holds it: only Taalhuis moves it now.
  await openCard(b, id);
  await expect(b.getByTestId("dialog-card").getByTestId("card-read-only")).toHaveCount(0);
  await b.keyboard.press("Escape");
  await expect(b.getByTestId(`card-${id}`).locator("xpath=..").getByTestId("move-to")).toHaveCount(0);

  await a.context().close();
  await b.context().close();
});
