/**
 * A coordinator removes a column and a category as the rules allow: the
 * requests they hold move first (chosen in the dialog, only to columns of a
 * stage they fit), in one change that a member sees live; the last one (of
 * its stage, for a column) can never go. Adding a column with a stage places
 * it before Afgerond; the only done column cannot change its stage.
 */
import { expect, test } from "@playwright/test";
import { column, openFromMoreMenu, twoOnDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

test("removing a column that holds requests moves them first, seen live by a member", async ({ browser }) => {
  const [coordinator, member] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "taalhuis@ave.example");
  const held = await column(coordinator, "in-uitvoering").locator("[data-card-id]").count();
  expect(held).toBeGreaterThan(0);
  const inPicked = await column(coordinator, "opgepakt").locator("[data-card-id]").count();

  await coordinator.getByRole("button", { name: "Kolom In uitvoering hernoemen" }).click();
  const dialog = coordinator.getByTestId("dialog-column");
  await dialog.getByRole("button", { name: "Verwijderen…" }).click();
  await expect(dialog.getByTestId("remove-column")).toContainText(`Aanvragen in deze kolom: ${held}.`);
  // Held requests only go where they stay held (or to done): not to Nieuw or Open.
  const targets = await dialog.getByLabel("Verplaatsen naar").locator("option").allTextContents();
  expect(targets).toEqual(["Opgepakt", "Afgerond"]);
  await expect(dialog.getByTestId("remove-column")).toContainText("Alleen kolommen waar deze aanvragen passen");
  await dialog.getByLabel("Verplaatsen naar").selectOption({ label: "Opgepakt" });
  await dialog.getByRole("button", { name: /Aanvragen verplaatsen/ }).click();
  await expect(dialog).toBeHidden();

  for (const page of [coordinator, member]) {
    await expect(column(page, "in-uitvoering")).toHaveCount(0);
    await expect(column(page, "opgepakt").locator("[data-card-id]")).toHaveCount(inPicked + held);
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

test("a column added with a stage goes before Afgerond; the only done column keeps its stage and cannot go", async ({ browser }) => {
  const [coordinator, member] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "taalhuis@ave.example");
  await openFromMoreMenu(coordinator, "add-column");
  const dialog = coordinator.getByTestId("dialog-column");
  await dialog.getByLabel("Naam van de kolom").fill("Wacht op gemeente");
  const stage = dialog.getByLabel("Fase", { exact: true });
  expect(await stage.locator("option").allTextContents()).toEqual(["Nieuw binnen", "Wacht op organisatie", "In behandeling", "Afgerond"]);
  await stage.selectOption({ label: "Wacht op organisatie" });
  await expect(dialog.getByTestId("column-stage-help")).toHaveText("Bekeken en klaar om op te pakken. Wacht op een organisatie.");
  // Placed before the first done column unless chosen otherwise.
  // (The first test removed In uitvoering.)
  await expect(dialog.getByLabel("Plaats")).toHaveValue("3");
  await expect(dialog.getByLabel("Plaats").locator("option:checked")).toHaveText("Vóór Afgerond");
  await dialog.getByRole("button", { name: "Toevoegen" }).click();
  await expect(dialog).toBeHidden();

  for (const page of [coordinator, member]) {
    // The member's page shows the column once the update arrived: read until it has (not once, at once).
    await expect
      .poll(() => page.locator("section[data-column-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-column-id"))))
      .toEqual(["nieuw", "open", "opgepakt", "wacht-op-gemeente", "afgerond"]);
    await expect(column(page, "wacht-op-gemeente").getByTestId("column-stage-label")).toHaveText("Fase: Wacht op organisatie");
  }
  await expect(column(coordinator, "opgepakt").getByTestId("column-stage-label")).toHaveAttribute("title", /opgepakt en werkt eraan/);

  // The only done column: every other stage is refused, with the reason; it cannot be removed either.
  await coordinator.getByRole("button", { name: "Kolom Afgerond hernoemen" }).click();
  await expect(dialog.getByRole("heading", { name: "Kolom Afgerond bewerken" })).toBeVisible();
  await expect(stage).toHaveValue("done");
  for (const label of ["Nieuw binnen", "Wacht op organisatie", "In behandeling"]) {
    await expect(stage.locator("option", { hasText: label })).toBeDisabled();
  }
  await expect(dialog.getByTestId("column-stage-note")).toHaveText(
    "De fase kan niet veranderen: dit is de enige kolom met de fase Afgerond, en elk bord houdt minstens één kolom van elke fase.",
  );
  await expect(stage).toHaveAttribute("aria-describedby", /.+/);
  await expect(dialog.getByTestId("remove-blocked")).toHaveText("Dit is de enige kolom met de fase Afgerond: de laatste kolom van een fase blijft.");
  await expect(dialog.getByRole("button", { name: "Verwijderen…" })).toHaveCount(0);
  await dialog.getByRole("button", { name: "Annuleren" }).click();

  // The new empty column may become held; then Opgepakt (holding requests) may only stay held or become done.
  await coordinator.getByRole("button", { name: "Kolom Wacht op gemeente hernoemen" }).click();
  await stage.selectOption("held");
  await dialog.getByRole("button", { name: "Opslaan" }).click();
  await expect(dialog).toBeHidden();
  await expect(column(member, "wacht-op-gemeente").getByTestId("column-stage-label")).toHaveText("Fase: In behandeling");
  await coordinator.getByRole("button", { name: "Kolom Opgepakt hernoemen" }).click();
  await expect(stage.locator("option", { hasText: "Nieuw binnen" })).toBeDisabled();
  await expect(stage.locator("option", { hasText: "Wacht op organisatie" })).toBeDisabled();
  await expect(stage.locator("option", { hasText: "Afgerond" })).toBeEnabled();
  await expect(dialog.getByTestId("column-stage-note")).toHaveText(
    "Er staan aanvragen in deze kolom. Daarom kan de fase alleen worden: In behandeling, Afgerond. Bij een andere fase zou veranderen wie ze heeft opgepakt; verplaats ze eerst.",
  );
  await expect(member.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
});
