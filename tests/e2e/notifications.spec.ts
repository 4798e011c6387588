/**
 * Notifications in the browser: the bell in the top bar counts a referral
 * another organisation just made, live; its list links straight to the card;
 * /account/meldingen holds the list and the settings; and, with mail off,
 * the pages say where mail would have helped.
 */
import { expect, test, type Page } from "@playwright/test";
import { login, openDemoBoard, seriousViolations, serverForFile } from "./helpers";

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
