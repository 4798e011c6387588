/**
 * The alliance meeting's pages against the real server: a coordinator plans
 * a meeting from the board, edits the proposed agenda, starts it, records a
 * decision (which a second laptop sees appear without a reload) and an
 * action for Taalhuis on a card, and ends it; Taalhuis finds the action in
 * "Voor ons" and on the card; the minutes print to an A4 PDF in Chromium
 * and download as Markdown. axe on every meeting page; screenshots at
 * 1440×900 and 390×844 in tests/e2e/screenshots/.
 */
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { login, openDemoBoard, remixPost, seriousViolations, serverForFile, SCREENSHOTS } from "./helpers";

const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

const TITLE = "Alliantieoverleg december (test)";
const FREE_ITEM = "Rondvraag";
const FREE_ITEM_RENAMED = "Rondvraag en afsluiting";
const DECISION = "De wachtlijst taal gaat in januari naar het Taalhuis";
const ACTION = "Taalhuis belt de drie gezinnen op de wachtlijst";
const SUMMARY = "Goed overleg; volgende keer de wachtlijst opnieuw.";

const server = serverForFile();

async function person(browser: Browser, email: string, size: { width: number; height: number } = SIZES[0]): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: size.width, height: size.height } });
  const page = await ctx.newPage();
  await login(page, server.url, email);
  return page;
}

/** axe clean, no sideways scroll, and a full-page screenshot at both sizes. */
async function check(page: Page, name: string) {
  expect(await seriousViolations(page), `${name}: axe`).toEqual([]);
  const before = page.viewportSize()!;
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect.soft(scrollWidth, `${name} at ${size.width}px scrolls sideways`).toBeLessThanOrEqual(size.width);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-meeting-${name}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

test("plan, edit the agenda, start, decide, act, end; the action reaches Taalhuis; the minutes print and download", async ({ browser }) => {
  test.setTimeout(180_000);
  const coordinator = await person(browser, "coordinator@ave.example");
  await openDemoBoard(coordinator);
  const boardId = new URL(coordinator.url()).pathname.split("/")[2];

  // From the board's toolbar to the meetings of the board.
  await coordinator.getByTestId("meetings-link").click();
  await expect(coordinator).toHaveURL(new RegExp(`/boards/${boardId}/vergaderingen$`));
  await expect(coordinator.getByRole("heading", { name: "Vergadering plannen" })).toBeVisible();

  // A wrong date is explained at the field, and what was typed stays.
  const plan = coordinator.getByTestId("plan-form");
  await plan.getByLabel("Titel").fill(TITLE);
  await plan.getByLabel("Datum").fill("");
  await plan.getByRole("button", { name: "Vergadering plannen" }).click();
  await expect(plan.getByText("Dit veld is verplicht.")).toBeVisible();
  await expect(plan.getByLabel("Titel")).toHaveValue(TITLE);
  await expect(plan.getByLabel("Datum")).toHaveAttribute("aria-invalid", "true");
  await check(coordinator, "list");

  await plan.getByLabel("Datum").fill("2026-12-17");
  await plan.getByLabel("Tijd").fill("19:30");
  await plan.getByRole("button", { name: "Vergadering plannen" }).click();
  await expect(coordinator).toHaveURL(new RegExp(`/boards/${boardId}/vergaderingen/[^/]+$`));
  const meetingPath = new URL(coordinator.url()).pathname;
  await expect(coordinator.getByTestId("meeting")).toHaveAttribute("data-status", "planned");
  await expect(coordinator.getByRole("heading", { level: 1, name: TITLE })).toBeVisible();
  await expect(coordinator.getByText(/17 december 2026 om 19:30/)).toBeVisible();

  // While planned, its title, date and time change on its page: a missing time is explained at the field, what was typed stays.
  const details = coordinator.getByTestId("meeting-details");
  await expect(details.getByLabel("Datum")).toHaveValue("2026-12-17");
  await expect(details.getByLabel("Tijd")).toHaveValue("19:30");
  await details.getByLabel("Titel").fill(`${TITLE} verschoven`);
  await details.getByLabel("Tijd").fill("");
  await details.getByRole("button", { name: "Wijzigingen opslaan" }).click();
  await expect(details.getByText("Dit veld is verplicht.")).toBeVisible();
  await expect(details.getByLabel("Tijd")).toHaveAttribute("aria-invalid", "true");
  await expect(details.getByLabel("Titel")).toHaveValue(`${TITLE} verschoven`);
  await expect(coordinator.getByRole("heading", { level: 1, name: TITLE, exact: true })).toBeVisible();
  await details.getByLabel("Datum").fill("2026-12-18");
  await details.getByLabel("Tijd").fill("20:15");
  await details.getByRole("button", { name: "Wijzigingen opslaan" }).click();
  await expect(coordinator.getByRole("heading", { level: 1, name: `${TITLE} verschoven` })).toBeVisible();
  await expect(coordinator.locator(".mtg-head").getByText(/18 december 2026 om 20:15/)).toBeVisible();
  await expect(details.getByLabel("Tijd")).toHaveValue("20:15");
  await expect(details.getByLabel("Tijd")).not.toHaveAttribute("aria-invalid", "true");
  // And back, so the rest of the story keeps its title and date.
  await details.getByLabel("Titel").fill(TITLE);
  await details.getByLabel("Datum").fill("2026-12-17");
  await details.getByLabel("Tijd").fill("19:30");
  await details.getByRole("button", { name: "Wijzigingen opslaan" }).click();
  await expect(coordinator.getByRole("heading", { level: 1, name: TITLE, exact: true })).toBeVisible();
  await expect(coordinator.locator(".mtg-head").getByText(/17 december 2026 om 19:30/)).toBeVisible();

  // The proposed agenda: items from the board, each with its view of the board.
  const agenda = coordinator.getByTestId("agenda");
  const proposed = await agenda.locator(":scope > li").count();
  expect(proposed, "an agenda proposed from the demo board").toBeGreaterThan(0);
  const firstLink = agenda.locator(":scope > li").first().getByRole("link", { name: /Bekijk .* op het bord/ });
  expect(await firstLink.getAttribute("href")).toMatch(new RegExp(`^/boards/${boardId}(\\?|$)`));

  // Add a free item, rename it with a note, move it up one place (keyboard: buttons).
  await coordinator.getByTestId("item-add").getByLabel("Eigen agendapunt").fill(FREE_ITEM);
  await coordinator.getByTestId("item-add").getByRole("button", { name: "Toevoegen" }).click();
  const free = agenda.locator(":scope > li", { hasText: FREE_ITEM });
  await expect(free).toHaveCount(1);
  await expect(agenda.locator(":scope > li")).toHaveCount(proposed + 1);
  await expect(agenda.locator(":scope > li").last()).toContainText(FREE_ITEM);
  await free.getByText("Bewerken").click();
  await free.getByLabel("Titel van het punt").fill(FREE_ITEM_RENAMED);
  await free.getByLabel("Notities").fill("Wie heeft nog iets?");
  await free.getByRole("button", { name: "Opslaan" }).click();
  await expect(agenda.locator(":scope > li").last().getByRole("heading")).toHaveText(FREE_ITEM_RENAMED);
  await expect(agenda.locator(":scope > li").last()).toContainText("Wie heeft nog iets?");
  await agenda.getByRole("button", { name: `${FREE_ITEM_RENAMED} omhoog` }).click();
  await expect(agenda.locator(":scope > li").nth(proposed - 1).getByRole("heading")).toHaveText(FREE_ITEM_RENAMED);
  await expect(agenda.getByRole("button", { name: `${FREE_ITEM_RENAMED} omlaag` })).toBeEnabled();
  await check(coordinator, "planned");

  // Start.
  await coordinator.getByTestId("meeting-start").click();
  await expect(coordinator.getByTestId("meeting")).toHaveAttribute("data-status", "running");
  const current = coordinator.getByTestId("current-item");
  await expect(current).toBeVisible();
  await expect(current.getByRole("timer")).toHaveText(/^\d+:\d\d$/);
  await expect(coordinator.getByTestId("presenter-link")).toHaveAttribute("href", `${meetingPath}/scherm`);
  await expect(agenda.locator("[aria-current=step]")).toHaveCount(1);

  // A second laptop (the secretary) has the meeting open.
  const secretary = await person(browser, "coordinator@ave.example");
  await secretary.goto(`${server.url}${meetingPath}`);
  await expect(secretary.getByTestId("meeting")).toHaveAttribute("data-status", "running");
  await secretary.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

  // A decision: an empty one is explained, then it is recorded.
  const decisionForm = coordinator.getByTestId("decision-form");
  await decisionForm.getByRole("button", { name: "Besluit vastleggen" }).click();
  await expect(decisionForm.getByText("Dit veld is verplicht.")).toBeVisible();
  await decisionForm.getByLabel("Besluit").fill(DECISION);
  await decisionForm.getByRole("button", { name: "Besluit vastleggen" }).click();
  await expect(coordinator.getByTestId("meeting").getByText(DECISION)).toBeVisible();
  await expect(decisionForm.getByLabel("Besluit")).toHaveValue("");
  // … and appears on the secretary's screen without a reload.
  await expect(secretary.getByText(DECISION)).toBeVisible();
  expect(await secretary.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

  // An action for Taalhuis, on a card of the board.
  const actionForm = coordinator.getByTestId("action-form");
  await actionForm.getByLabel("Wat moet er gebeuren?").fill(ACTION);
  const taalhuis = await actionForm.getByLabel("Organisatie").locator("option", { hasText: "Taalhuis" }).getAttribute("value");
  await actionForm.getByLabel("Organisatie").selectOption(taalhuis!);
  await actionForm.getByLabel("Klaar op").fill("2026-12-31");
  const cardOption = actionForm.getByLabel("Bij kaart (niet verplicht)").locator("option").nth(1);
  const cardId = (await cardOption.getAttribute("value"))!;
  const cardTitle = (await cardOption.textContent())!.trim();
  await actionForm.getByLabel("Bij kaart (niet verplicht)").selectOption(cardId);
  await actionForm.getByRole("button", { name: "Actie toevoegen" }).click();
  const actionRow = coordinator.getByTestId("meeting").locator("li", { hasText: ACTION }).last();
  await expect(actionRow).toBeVisible();
  await expect(actionRow).toContainText("Taalhuis");
  await expect(actionRow).toContainText(cardTitle);
  await expect(secretary.getByText(ACTION)).toBeVisible();
  await check(coordinator, "running");

  // End, write the summary.
  await coordinator.getByTestId("meeting-end").click();
  await expect(coordinator.getByTestId("meeting")).toHaveAttribute("data-status", "ended");
  await expect(secretary.getByTestId("meeting")).toHaveAttribute("data-status", "ended");
  await coordinator.getByTestId("summary-form").getByLabel("Samenvatting van de vergadering").fill(SUMMARY);
  // The field shows what was typed before it is saved: wait for the save's own answer, or the reload below can overtake its POST.
  const saved = coordinator.waitForResponse(
    (r) => r.request().method() === "POST" && remixPost("routes/boards.$boardId_.vergaderingen.$meetingId._index")(new URL(r.url())),
  );
  await coordinator.getByTestId("summary-form").getByRole("button", { name: "Opslaan" }).click();
  expect((await saved).status()).toBe(200);
  await expect(coordinator.getByTestId("summary-form").getByLabel("Samenvatting van de vergadering")).toHaveValue(SUMMARY);
  await coordinator.reload();
  await expect(coordinator.getByTestId("summary-form").getByLabel("Samenvatting van de vergadering")).toHaveValue(SUMMARY);
  await expect(coordinator.getByText(DECISION)).toBeVisible();
  await check(coordinator, "ended");

  // The list: the meeting among the ended ones, with its minutes.
  await coordinator.getByRole("link", { name: "Alle vergaderingen" }).click();
  await expect(coordinator.getByTestId("meetings-ended").getByRole("link", { name: TITLE })).toBeVisible();
  // (The demo's own last meeting is listed there too.)
  const endedRow = coordinator.getByTestId("meetings-ended").getByTestId(`meeting-${meetingPath.split("/").pop()}`);
  await expect(endedRow.getByRole("link", { name: "Notulen" })).toHaveAttribute("href", `${meetingPath}/verslag`);

  // Taalhuis: the action in "Voor ons" (counted) and on the card.
  const member = await person(browser, "taalhuis@ave.example");
  await openDemoBoard(member);
  await expect(member.getByTestId("inbox")).toHaveAttribute("data-count", /[1-9]\d*/);
  await member.getByTestId("inbox").click();
  const panel = member.getByTestId("inbox-panel");
  const inboxAction = panel.getByTestId("inbox-actions").locator("li", { hasText: ACTION });
  await expect(inboxAction).toBeVisible();
  await expect(inboxAction).toContainText("31 december 2026");
  await expect(inboxAction).toContainText(cardTitle);
  expect(await seriousViolations(member), "Voor ons: axe").toEqual([]);
  await inboxAction.getByRole("button", { name: "Open de kaart" }).click();
  const dialog = member.getByTestId("dialog-card");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId("card-actions")).toContainText(ACTION);
  await expect(dialog.getByTestId("card-actions")).toContainText("Taalhuis");
  await member.keyboard.press("Escape");

  // The minutes as a page: the same record, printed to A4 by Chromium.
  await coordinator.goto(`${server.url}${meetingPath}/verslag`);
  const minutes = coordinator.getByTestId("minutes");
  await expect(minutes).toContainText(DECISION);
  await expect(minutes).toContainText(ACTION);
  await expect(minutes).toContainText(SUMMARY);
  await expect(minutes).toContainText(FREE_ITEM_RENAMED);
  await check(coordinator, "minutes");
  await coordinator.emulateMedia({ media: "print" });
  await expect(coordinator.locator(".topbar")).toBeHidden();
  await expect(coordinator.getByTestId("print")).toBeHidden();
  const printedText = await coordinator.evaluate(() => document.body.innerText);
  expect(printedText).toContain(ACTION);
  expect(printedText).not.toContain("Afdrukken");
  await coordinator.emulateMedia({ media: "screen" });
  const pdf = await coordinator.pdf({ format: "A4" });
  expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  const pages = pdf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g) ?? [];
  expect(pages.length).toBeGreaterThan(0);

  // The Markdown download.
  const [download] = await Promise.all([coordinator.waitForEvent("download"), coordinator.getByRole("link", { name: "Notulen (Markdown)" }).click()]);
  const md = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString("utf8"));
  expect(md).toContain(DECISION);
  expect(md).toContain(ACTION);
  expect(download.suggestedFilename()).toMatch(/\.md$/);

  // Taalhuis ticks the action off in "Voor ons": it leaves the list, and shows as done on the meeting's page.
  await member.getByTestId("inbox").click();
  const again = member.getByTestId("inbox-panel").getByTestId("inbox-actions").locator("li", { hasText: ACTION });
  await again.getByRole("button", { name: "Gedaan" }).click();
  await expect(member.getByTestId("inbox-panel").locator("[data-testid^=inbox-action-]", { hasText: ACTION })).toHaveCount(0);
  await expect(member.getByTestId("inbox-panel").getByText("Geen openstaande acties voor uw organisatie op dit bord.")).toBeVisible();
  await coordinator.goto(`${server.url}${meetingPath}`);
  await expect(coordinator.getByTestId("meeting").locator("li", { hasText: ACTION }).last().getByRole("checkbox", { name: "Gedaan" })).toBeChecked();
});

test("a change to the meeting that meets a dead server says so; the meeting stays on screen with what was typed", async ({ browser }) => {
  const coordinator = await person(browser, "coordinator@ave.example");
  await openDemoBoard(coordinator);
  await coordinator.getByTestId("meetings-link").click();
  const plan = coordinator.getByTestId("plan-form");
  await plan.getByLabel("Titel").fill("Overleg bij stroomuitval");
  await plan.getByLabel("Datum").fill("2026-12-21");
  await plan.getByLabel("Tijd").fill("10:00");
  await plan.getByRole("button", { name: "Vergadering plannen" }).click();
  await expect(coordinator.getByTestId("meeting")).toHaveAttribute("data-status", "planned");

  // The server is killed as the form's POST leaves the browser (as when it goes away mid-meeting).
  let killed = false;
  await coordinator.route(
    (url) => (url.searchParams.get("_data") ?? "").startsWith("routes/boards.$boardId_.vergaderingen.$meetingId"),
    async (route) => {
      if (route.request().method() !== "POST" || killed) return route.fallback();
      killed = true;
      await server.stop("SIGKILL");
      await route.fallback();
    },
  );
  const add = coordinator.getByTestId("item-add");
  await add.getByLabel("Eigen agendapunt").fill("Wie neemt de sleutel mee?");
  await add.getByRole("button", { name: "Toevoegen" }).click();
  await expect(coordinator.getByText("De server gaf geen antwoord").first()).toBeVisible();
  expect(killed).toBe(true);
  await expect(coordinator.getByText("Er ging iets mis")).toHaveCount(0);
  await expect(coordinator.getByRole("heading", { level: 1, name: "Overleg bij stroomuitval" })).toBeVisible();
  await expect(add.getByLabel("Eigen agendapunt")).toHaveValue("Wie neemt de sleutel mee?");

  // Back, the same form sent again adds the item.
  await server.start();
  await add.getByRole("button", { name: "Toevoegen" }).click();
  await expect(coordinator.getByTestId("agenda").locator(":scope > li", { hasText: "Wie neemt de sleutel mee?" })).toHaveCount(1);
  await coordinator.context().close();
});
