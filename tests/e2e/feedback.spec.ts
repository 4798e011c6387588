/**
 * Visible feedback and what screen-reader users hear: toasts after actions
 * (and after a refusal), Undo for archive and move, a new request scrolled
 * into view and highlighted, confirmation of destructive admin actions,
 * other people's moves read out (and not when switched off), and axe on
 * every page at desktop and phone size.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { column, keyboardMove, keyboardMoveRight, login, openDemoBoard, ownerNews, routeSocketIo, twoOnDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

function toasts(page: Page) {
  return page.getByTestId("toast");
}

/** Records every card that gets the highlight (it lasts a moment only: a loaded machine may look too late). */
async function watchHighlights(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { highlighted: string[] }).highlighted = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement;
        if (el.hasAttribute("data-new-request")) seen.push(el.getAttribute("data-card-id") ?? "");
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-new-request"] });
  });
}
/**
 * The cards that were marked as new, each once: under load React may set the
 * attribute on the same card twice (seen once in CI: the same id twice); the
 * question is which cards were marked, and that no other was.
 */
function highlighted(page: Page) {
  return page.evaluate(() => [...new Set((window as unknown as { highlighted: string[] }).highlighted)]);
}

async function createRequest(page: Page, title: string, category = "taal") {
  await page.getByTestId("new-request").click();
  const dialog = page.getByTestId("dialog-new-request");
  await dialog.locator('[name="title"]').fill(title);
  await dialog.locator('[name="category"]').selectOption(category);
  await dialog.locator('[name="area"]').fill("Bargeres");
  await dialog.locator('button[type="submit"]').click();
  await expect(dialog).toBeHidden();
}

test("a new request far down its column is scrolled into view and highlighted, with a toast naming it", async ({ page }) => {
  await login(page, server.url, "taalhuis@ave.example");
  await openDemoBoard(page);
  const title = `Taalcafé voor ouders ${Date.now()}`;
  await watchHighlights(page);
  await createRequest(page, title);

  const toast = toasts(page).filter({ hasText: title });
  await expect(toast).toHaveAttribute("data-kind", "success");
  await expect(toast).toContainText("toegevoegd in Nieuw");
  const card = column(page, "nieuw").locator(".board-card", { hasText: title });
  // Placed at the end of a long column: below the first screen of the page...
  const top = await card.evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
  expect(top).toBeGreaterThan(900);
  // ...and yet on screen, marked for a moment.
  await expect(card).toBeInViewport();
  const id = await card.getAttribute("data-card-id");
  await expect.poll(() => highlighted(page)).toEqual([id]);
  await expect(card).not.toHaveAttribute("data-new-request", "", { timeout: 5000 });
  // The toast was spoken by the polite region.
  await expect(page.getByTestId("live-polite")).toContainText(title);
});

test("a new request that the filters hide says so, and 'Toon' shows it", async ({ page }) => {
  await login(page, server.url, "taalhuis@ave.example");
  await openDemoBoard(page);
  await page.getByTestId("filters").getByLabel("Categorie", { exact: true }).selectOption("werk");
  await expect(page.getByTestId("filter-count")).not.toContainText("45 van 45");
  const title = `Taalles op zaterdag ${Date.now()}`;
  await watchHighlights(page);
  await createRequest(page, title, "taal");
  const toast = toasts(page).filter({ hasText: title });
  await expect(toast).toContainText("de filters verbergen hem");
  await expect(page.locator(".board-card", { hasText: title })).toHaveCount(0);
  await toast.getByRole("button", { name: "Toon" }).click();
  const card = page.locator(".board-card", { hasText: title });
  await expect(card).toBeInViewport();
  const id = await card.getAttribute("data-card-id");
  await expect.poll(() => highlighted(page)).toEqual([id]);
});

test("claiming shows a toast; a claim that another organisation beat is a failure toast", async ({ browser }) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "taalhuis@ave.example", "vluchtelingenwerk@ave.example");
  // B's tab does not hear about owner changes, so it still offers to claim.
  const stale = await b.context().newPage();
  await routeSocketIo(stale, { drop: ownerNews });
  await stale.goto(b.url());
  await expect(stale.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");

  const id = (await column(a, "open").locator("[data-card-id]").first().getAttribute("data-card-id"))!;
  await stale.getByTestId(`card-${id}`).click();
  const staleDialog = stale.getByTestId("dialog-card");
  await expect(staleDialog.getByTestId("claim")).toBeVisible();

  await a.getByTestId(`card-${id}`).click();
  await a.getByTestId("dialog-card").getByTestId("claim").click();
  await expect(toasts(a).filter({ hasText: "opgepakt voor Taalhuis" })).toHaveAttribute("data-kind", "success");

  await staleDialog.getByTestId("claim").click();
  const failure = toasts(stale).filter({ hasText: "al opgepakt door Taalhuis" });
  await expect(failure).toHaveAttribute("data-kind", "error");
  // Inside the open dialog (the page behind it is inert), and clickable there.
  await expect(staleDialog.getByTestId("toast")).toHaveCount(1);
  await failure.getByTestId("toast-close").click();
  await expect(failure).toHaveCount(0);
  await a.context().close();
  await b.context().close();
});

test("Undo after archiving brings the request back; Undo after a move puts it back", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const first = column(page, "open").locator("[data-card-id]").first();
  const id = (await first.getAttribute("data-card-id"))!;
  const title = (await first.locator(".card-title").textContent())!;
  const archivedBefore = await page.getByTestId("toggle-archived").locator(".badge").textContent();
  await first.click();
  await page.getByTestId("dialog-card").getByTestId("card-archive").click();
  await expect(page.getByTestId(`card-${id}`)).toHaveCount(0);
  const archived = toasts(page).filter({ hasText: `‘${title}’ is gearchiveerd` });
  await archived.getByRole("button", { name: "Ongedaan maken" }).click();
  await expect(column(page, "open").getByTestId(`card-${id}`)).toBeVisible();
  await expect(toasts(page).filter({ hasText: "staat weer op het bord" })).toBeVisible();
  await expect(page.getByTestId("toggle-archived").locator(".badge")).toHaveText(archivedBefore!);

  // A move by keyboard (Nieuw to Open: no holder to choose), then Undo.
  const card = column(page, "nieuw").locator("[data-card-id]").first();
  const movedId = (await card.getAttribute("data-card-id"))!;
  const movedTitle = (await card.locator(".card-title").textContent())!;
  await keyboardMoveRight(page, card);
  await expect(column(page, "open").getByTestId(`card-${movedId}`)).toBeVisible();
  const moved = toasts(page).filter({ hasText: `‘${movedTitle}’ verplaatst naar Open` });
  await moved.getByRole("button", { name: "Ongedaan maken" }).click();
  await expect(column(page, "nieuw").getByTestId(`card-${movedId}`)).toBeVisible();
  await expect(column(page, "open").getByTestId(`card-${movedId}`)).toHaveCount(0);
  // Undo went through the document like any edit: it is there after a reload.
  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(column(page, "nieuw").getByTestId(`card-${movedId}`)).toBeVisible();
});

/** The card at `index` of Nieuw moved one down by keyboard (it keeps the focus), and its toast. */
async function moveDownInNieuw(page: Page, index: number) {
  const card = column(page, "nieuw").locator("[data-card-id]").nth(index);
  const id = (await card.getAttribute("data-card-id"))!;
  const title = (await card.locator(".card-title").textContent())!;
  await keyboardMove(page, card, "ArrowDown");
  const moved = toasts(page).filter({ hasText: `‘${title}’ verplaatst binnen Nieuw` });
  await expect(moved).toBeVisible();
  return { id, title, moved };
}

/** The person scrolls until the card lies where the toasts sit and comes back to it: the list goes to its other corner. */
async function focusUnderToasts(page: Page, id: string) {
  await page.evaluate((cardId) => {
    const el = document.querySelector<HTMLElement>(`[data-card-id="${cardId}"]`)!;
    const list = document.querySelector<HTMLElement>("[data-testid=toasts]")!;
    window.scrollBy(0, el.getBoundingClientRect().top - list.getBoundingClientRect().top - 10);
    el.blur();
    el.focus({ preventScroll: true });
  }, id);
  await expect(page.getByTestId("toasts")).toHaveAttribute("data-side", "other");
}

test("a toast that moved clear of the focused card stays where it is while its Undo is pressed", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const { id, title, moved } = await moveDownInNieuw(page, 3);
  await expect(column(page, "nieuw").locator("[data-card-id]").nth(4)).toHaveAttribute("data-card-id", id);
  await expect(moved.getByRole("button", { name: "Ongedaan maken" })).toBeVisible();
  await focusUnderToasts(page, id);
  // Pressing Undo there focuses the toast's button: the list must not jump back from under the pointer and lose the click.
  await moved.getByRole("button", { name: "Ongedaan maken" }).click();
  await expect(column(page, "nieuw").locator("[data-card-id]").nth(3)).toHaveAttribute("data-card-id", id);
  await expect(toasts(page).filter({ hasText: `‘${title}’ staat weer in Nieuw` })).toBeVisible();
});

test("a toast that moved clear of the focused card stays under a resting mouse when it is placed again", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const { id, moved } = await moveDownInNieuw(page, 6);
  await focusUnderToasts(page, id);
  // The mouse comes to rest on the toast (reading it, about to press it: a press in Safari focuses nothing),
  // the focus leaves the card, and the list is placed again (the window's resize event): it stays under the mouse.
  const box = (await moved.boundingBox())!;
  await page.mouse.move(box.x + 12, box.y + box.height / 2);
  const placeAgain = () => page.evaluate(() => window.dispatchEvent(new Event("resize")));
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await placeAgain();
  await expect(page.getByTestId("toasts")).toHaveAttribute("data-side", "other");
  // Once the mouse has left it, the next placement puts it back in its corner (nothing focused to keep clear of).
  await page.mouse.move(700, 300);
  await placeAgain();
  await expect(page.getByTestId("toasts")).not.toHaveAttribute("data-side", "other");
});

test("on a touch screen, a toast that was tapped still moves clear of a control focused later", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  try {
    await login(page, server.url, "coordinator@ave.example");
    await openDemoBoard(page);
    const { id, moved } = await moveDownInNieuw(page, 5);
    // A tap on the toast's text (reading it, or pausing it): the finger lifts, and the page keeps :hover there.
    const box = (await moved.boundingBox())!;
    await page.touchscreen.tap(box.x + 12, box.y + box.height / 2);
    // (The browser sets :hover a moment after the tap.)
    await expect.poll(() => page.getByTestId("toasts").evaluate((el) => el.matches(":hover"))).toBe(true);
    // Then the card comes under the list and gets the focus (from the keyboard, or the page after an action).
    await focusUnderToasts(page, id);
  } finally {
    await context.close();
  }
});

test("'Toegang intrekken' asks first, names the person, and does nothing on cancel", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await page.goto(`${server.url}/beheer`);
  // The confirmation is the page's script: wait until it runs (without scripts the form posts as it is).
  await page.waitForLoadState("networkidle");
  const row = page.getByTestId("person-maatjes@ave.example");
  await expect(row).toContainText("Actief");
  await row.getByRole("button", { name: "Toegang intrekken" }).click();
  const confirm = page.getByTestId("confirm-dialog");
  await expect(confirm).toBeVisible();
  await expect(confirm.getByRole("heading")).toContainText("intrekken?");
  await expect(confirm).toContainText("maatjes@ave.example");
  await confirm.getByRole("button", { name: "Annuleren" }).click();
  await expect(confirm).toBeHidden();
  await page.reload();
  await page.waitForLoadState("networkidle");
  await expect(page.getByTestId("person-maatjes@ave.example")).toContainText("Actief");

  // Escape cancels too; confirming does it, with a toast.
  await page.getByTestId("person-maatjes@ave.example").getByRole("button", { name: "Toegang intrekken" }).click();
  await page.keyboard.press("Escape");
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId("person-maatjes@ave.example")).toContainText("Actief");
  await page.getByTestId("person-maatjes@ave.example").getByRole("button", { name: "Toegang intrekken" }).click();
  await confirm.getByTestId("confirm-yes").click();
  await expect(page.getByTestId("person-maatjes@ave.example")).toContainText("Toegang ingetrokken");
  await expect(toasts(page).filter({ hasText: "ingetrokken" })).toHaveAttribute("data-kind", "success");
  // Restoring (the way back) needs no confirmation.
  await page.getByTestId("person-maatjes@ave.example").getByRole("button", { name: "Toegang herstellen" }).click();
  await expect(page.getByTestId("person-maatjes@ave.example")).toContainText("Actief");

  // A new one-time password cannot be undone: asked as well.
  await page.getByTestId("person-maatjes@ave.example").getByRole("button", { name: "Nieuw eenmalig wachtwoord" }).click();
  await expect(confirm).toContainText("niet terug te draaien");
  await confirm.getByRole("button", { name: "Annuleren" }).click();
  await expect(page.getByTestId("one-time-password")).toHaveCount(0);
});

test("before the page's script runs (here: without scripts), one click on 'Toegang intrekken' only unfolds the question", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await login(page, server.url, "coordinator@ave.example");
  await page.goto(`${server.url}/beheer`);
  const row = page.getByTestId("person-kerk@ave.example");
  await row.locator("summary", { hasText: "Toegang intrekken" }).click();
  await expect(row).toContainText("kan dan niet meer inloggen");
  await page.reload();
  await expect(page.getByTestId("person-kerk@ave.example")).toContainText("Actief");
  await page.getByTestId("person-kerk@ave.example").locator("summary", { hasText: "Toegang intrekken" }).click();
  await page.getByTestId("person-kerk@ave.example").getByRole("button", { name: "Toegang intrekken" }).click();
  await expect(page.getByTestId("person-kerk@ave.example")).toContainText("Toegang ingetrokken");
  await page.getByTestId("person-kerk@ave.example").getByRole("button", { name: "Toegang herstellen" }).click();
  await expect(page.getByTestId("person-kerk@ave.example")).toContainText("Actief");
  await context.close();
});

test("another person's move is read out in the first browser, never one's own, and not when switched off", async ({ browser }) => {
  // Two browsers and several full-page scans: 20–48 s on a quiet 2-core machine beside the other worker, past 60 s under more load.
  test.slow();
  // B is the coordinator, who may move any request; A (Taalhuis) moves one of its own.
  const [a, b] = await twoOnDemoBoard(browser, server.url, "taalhuis@ave.example", "coordinator@ave.example");
  const live = a.getByTestId("others-live");

  const moveInB = async (from: string, to: string) => {
    const card = column(b, from).locator("[data-card-id]").first();
    const id = (await card.getAttribute("data-card-id"))!;
    const title = (await card.locator(".card-title").textContent())!;
    await keyboardMoveRight(b, card);
    await expect(column(a, to).getByTestId(`card-${id}`)).toBeVisible();
    return title;
  };

  const title = await moveInB("nieuw", "open");
  await expect(live).toContainText(`(Gemeente) zette ‘${title.slice(0, 20)}`);
  await expect(live).toContainText("naar Open");

  // One's own move is not read out to oneself.
  const own = column(a, "nieuw").locator("[data-card-id]", { has: a.locator(".card-org", { hasText: "Taalhuis" }) }).first();
  const ownTitle = (await own.locator(".card-title").textContent())!;
  await keyboardMoveRight(a, own);
  await a.waitForTimeout(2500);
  await expect(live).not.toContainText(ownTitle.slice(0, 20));

  // Switched off (in the activity panel): nothing is read out, and it stays off after a reload.
  await a.getByTestId("activity-toggle").click();
  await a.getByTestId("announce-others").uncheck();
  await a.reload();
  await expect(a.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await a.getByTestId("activity-toggle").click();
  await expect(a.getByTestId("announce-others")).not.toBeChecked();
  const quiet = await moveInB("nieuw", "open");
  await a.waitForTimeout(3000);
  await expect(a.getByTestId("others-live")).not.toContainText(quiet.slice(0, 20));

  // On again: the next one is heard.
  await a.getByTestId("announce-others").check();
  const heard = await moveInB("nieuw", "open");
  await expect(a.getByTestId("others-live")).toContainText(heard.slice(0, 20));
  await a.context().close();
  await b.context().close();
});

async function axeProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical" || v.id === "landmark-unique" || v.id === "aria-valid-attr-value")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

for (const size of [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]) {
  test(`axe at ${size.width}x${size.height}: board, swimlanes, card dialog with a toast, overview, report, beheer`, async ({ page }) => {
    test.setTimeout(180_000);
    await page.setViewportSize(size);
    await login(page, server.url, "coordinator@ave.example");
    await openDemoBoard(page);
    const boardUrl = page.url().split("?")[0];
    const found: Record<string, string[]> = {};
    found.board = await axeProblems(page);

    await page.goto(`${boardUrl}?banen=categorie`);
    await expect(page.getByTestId("swimlanes")).toBeVisible();
    found.swimlanes = await axeProblems(page);

    await page.goto(boardUrl);
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
    // A new request: nobody holds it yet (the first column is the one a phone shows).
    await column(page, "nieuw").locator("[data-card-id]").first().click();
    const dialog = page.getByTestId("dialog-card");
    await expect(dialog.getByTestId("ownership")).toBeVisible();
    await dialog.getByTestId("claim").click();
    await expect(dialog.getByTestId("toast")).toBeVisible();
    found.dialog = await axeProblems(page);
    await page.keyboard.press("Escape");

    await page.goto(`${boardUrl}/overzicht`);
    await expect(page.locator("main")).toBeVisible();
    found.overview = await axeProblems(page);
    await page.goto(`${boardUrl}/rapport`);
    await expect(page.locator("main")).toBeVisible();
    found.report = await axeProblems(page);
    await page.goto(`${server.url}/beheer`);
    // The confirmation is the page's script: wait until it runs (without scripts the form posts as it is).
    await page.waitForLoadState("networkidle");
    found.beheer = await axeProblems(page);
    await page.getByTestId("person-voedselbank@ave.example").getByRole("button", { name: "Toegang intrekken" }).click();
    await expect(page.getByTestId("confirm-dialog")).toBeVisible();
    found.confirm = await axeProblems(page);
    await page.getByTestId("confirm-dialog").getByRole("button", { name: "Annuleren" }).click();

    expect(found).toEqual({ board: [], swimlanes: [], dialog: [], overview: [], report: [], beheer: [], confirm: [] });
  });
}
