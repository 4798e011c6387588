/**
 * Notifications in the browser: the bell in the top bar counts a referral
 * another organisation just made, live; its list links straight to the card;
 * /account/meldingen holds the list and the settings; with mail off,
 * the pages say where mail would have helped; and the unsubscribe page
 * speaks the person's language until the browser chooses another.
 */
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { login, openDemoBoard, SCREENSHOTS, seriousViolations, serverForFile, unsubscribeLinkFor } from "./helpers";

const server = serverForFile();

function card(page: Page, id: string) {
  return page.getByTestId(`card-${id}`);
}

test("the bell shows a referral another browser just made, and leads to the card", async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext().then((c) => c.newPage()), browser.newContext().then((c) => c.newPage())]);
  // Taalhuis on the board; VluchtelingenWerk on the list of boards, not on the board.
  await login(a, server.url, "taalhuis@ave.example");
  await openDemoBoard(a);
  await login(b, server.url, "vluchtelingenwerk@ave.example");
  const bell = b.getByTestId("notification-bell");
  await expect(bell).toHaveAttribute("data-unread", "0");
  await expect(bell).toHaveAccessibleName("Meldingen");

  const id = (await a.getByTestId("column-open").locator("[data-card-id]").first().getAttribute("data-card-id"))!;
  const title = (await card(a, id).locator(".card-title").textContent())!.trim();
  await card(a, id).click();
  const dialog = a.getByTestId("dialog-card");
  await dialog.getByTestId("claim").click();
  await dialog.getByTestId("refer-org").selectOption({ label: "VluchtelingenWerk Noord-Nederland" });
  await dialog.getByTestId("refer-note").fill("Graag jullie hulp.");
  await dialog.getByTestId("refer").click();
  await expect(dialog.getByTestId("referral-pending")).toContainText("Doorverwezen naar VluchtelingenWerk");

  // Live: no reload in VluchtelingenWerk's browser.
  await expect(bell).toHaveAttribute("data-unread", "1");
  await expect(bell).toHaveAccessibleName("Meldingen, 1 ongelezen");
  await bell.click();
  const panel = b.getByRole("region", { name: "Meldingen" });
  const link = panel.getByRole("link", { name: `Taalhuis verwees ‘${title}’ naar VluchtelingenWerk door` });
  await expect(link).toBeVisible();
  await expect(panel).not.toContainText("Graag jullie hulp.");
  expect(await seriousViolations(b)).toEqual([]);
  await link.click();
  await expect(b).toHaveURL(new RegExp(`/boards/[^?]+\\?kaart=${id}`));
  await expect(b.getByTestId("dialog-card")).toBeVisible();
  await expect(b.getByTestId("dialog-card")).toContainText(title);
  // Following it marked it read.
  await expect(bell).toHaveAttribute("data-unread", "0");
  await a.context().close();
  await b.context().close();
});

test("/account/meldingen: the list, the settings kept, and that mail is off here", async ({ page }) => {
  await login(page, server.url, "vluchtelingenwerk@ave.example");
  await page.goto(`${server.url}/account/meldingen`);
  await expect(page.getByRole("heading", { name: "Meldingen", level: 1 })).toBeVisible();
  await expect(page.getByText("E-mail is niet ingesteld op deze server")).toBeVisible();
  await expect(page.locator(".notif-item")).toHaveCount(1);
  // The e-mail setting per kind is kept.
  const comment = page.getByRole("checkbox", { name: /Opmerking bij een hulpvraag die wij oppakken/ });
  await expect(comment).toBeChecked();
  await comment.uncheck();
  await page.getByRole("button", { name: "Instellingen opslaan" }).click();
  await expect(page.getByRole("status")).toHaveText("Instellingen opgeslagen.");
  await page.reload();
  await expect(page.getByRole("checkbox", { name: /Opmerking bij een hulpvraag die wij oppakken/ })).not.toBeChecked();
  expect(await seriousViolations(page)).toEqual([]);
});

test("/beheer says that mail is not set up", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await page.goto(`${server.url}/beheer`);
  await expect(page.getByTestId("mail-off")).toHaveText("E-mail is niet ingesteld: uitnodigingen en meldingen worden niet verstuurd.");
});

test("/afmelden speaks the person's language in a browser that never chose one, and the header's switch changes the whole page", async ({ page }) => {
  await page.goto(await unsubscribeLinkFor(server, "maatjes@ave.example", "en"));
  await expect(page.getByRole("heading", { level: 1, name: "Unsubscribe" })).toBeVisible();
  const main = page.locator("main");
  // The browser chooses Dutch with the header's switch (to English first: the header speaks Dutch, the default).
  await page.getByRole("button", { name: "Switch to English" }).click();
  await expect(page.getByRole("button", { name: "Schakel naar Nederlands" })).toBeVisible();
  await expect(main.getByRole("heading", { level: 1, name: "Unsubscribe" })).toBeVisible();
  await page.getByRole("button", { name: "Schakel naar Nederlands" }).click();
  await expect(page.getByRole("button", { name: "Switch to English" })).toBeVisible();
  await expect(main.getByRole("heading", { level: 1, name: "Afmelden" })).toBeVisible();
  await expect(main).not.toHaveAttribute("lang", "en");
  await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-afmelden-chosen.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, "phone-afmelden-chosen.png") });
});
