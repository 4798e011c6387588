/**
 * A coordinator removes a column and a category as the rules allow: the
 * requests they hold move first (chosen in the dialog), in one change that a
 * member sees live; the last one can never go.
 */
import { expect, test } from "@playwright/test";
import { column, twoOnDemoBoard } from "./helpers";
import { startServer, type TestServer } from "./server";

let server: TestServer;

test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.cleanup();
});

test("removing a column that holds requests moves them first, seen live by a member", async ({ browser }) => {
  const [coordinator, member] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "taalhuis@ave.example");
  const held = await column(coordinator, "in-uitvoering").locator("[data-card-id]").count();
  expect(held).toBeGreaterThan(0);
  const inOpen = await column(coordinator, "open").locator("[data-card-id]").count();

  await coordinator.getByRole("button", { name: "Kolom In uitvoering hernoemen" }).click();
  const dialog = coordinator.getByTestId("dialog-column");
  await dialog.getByRole("button", { name: "Verwijderen…" }).click();
  await expect(dialog.getByTestId("remove-column")).toContainText(`Aanvragen in deze kolom: ${held}.`);
  await dialog.getByLabel("Verplaatsen naar").selectOption({ label: "Open" });
  await dialog.getByRole("button", { name: /Aanvragen verplaatsen/ }).click();
  await expect(dialog).toBeHidden();

  for (const page of [coordinator, member]) {
    await expect(column(page, "in-uitvoering")).toHaveCount(0);
    await expect(column(page, "open").locator("[data-card-id]")).toHaveCount(inOpen + held);
  }
  await expect(coordinator.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(member.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
});

test("a category in use gets a replacement first; a member has no removal at all", async ({ browser }) => {
  const [coordinator, member] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "taalhuis@ave.example");
  await coordinator.getByRole("button", { name: "Categorieën" }).click();
  const dialog = coordinator.getByTestId("dialog-categories");
  await dialog.getByRole("button", { name: "Werk verwijderen" }).click();
  await dialog.getByRole("button", { name: "Verwijderen…" }).click();
  await expect(dialog.getByTestId("remove-category")).toContainText("Aanvragen met deze categorie:");
  await dialog.getByLabel("Verplaatsen naar").selectOption({ label: "Taal" });
  await dialog.getByRole("button", { name: /Aanvragen verplaatsen/ }).click();
  await expect(dialog.locator('[data-category-id="werk"]')).toHaveCount(0);

  await member.getByRole("button", { name: "Categorieën" }).click();
  const memberDialog = member.getByTestId("dialog-categories");
  await expect(memberDialog.locator('[data-category-id="werk"]')).toHaveCount(0);
  await expect(memberDialog.getByRole("button", { name: /verwijderen/ })).toHaveCount(0);
  await expect(member.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
});
