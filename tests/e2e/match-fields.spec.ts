/**
 * Group matching's inputs in the card dialog (issue 15): a member sets a
 * request's Dutch level and when the person can come, on a phone-sized
 * screen; after a reload (so from the server's document) the dialog shows
 * them again. Axe clean.
 */
import { expect, test } from "@playwright/test";
import { column, login, noSidewaysScroll, openDemoBoard, seriousViolations, serverForFile } from "./helpers";

const server = serverForFile();

test("a request's Dutch level and availability are set in its dialog and kept", async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const card = column(page, "nieuw").locator("[data-card-id]").first();
  const id = await card.getAttribute("data-card-id");
  await card.click();
  const section = page.getByTestId("match-fields");
  await expect(section).toBeVisible();
  await section.getByLabel("Nederlands dat nodig is").selectOption("B1+");
  await section.getByLabel("zaterdag ochtend").check();
  await section.getByLabel("woensdag avond").check();
  await section.getByRole("button", { name: "Opslaan" }).click();
  await expect(section.getByText("Opgeslagen.")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await noSidewaysScroll(page);

  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await page.locator(`[data-card-id="${id}"]`).first().click();
  const again = page.getByTestId("match-fields");
  await expect(again.getByLabel("Nederlands dat nodig is")).toHaveValue("B1+");
  await expect(again.getByLabel("zaterdag ochtend")).toBeChecked();
  await expect(again.getByLabel("woensdag avond")).toBeChecked();
  await expect(again.getByLabel("maandag ochtend")).not.toBeChecked();
});
