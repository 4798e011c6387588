/**
 * "Account wissen" on /beheer: offered only once a person's access is
 * removed, asks first (naming the person and what stays), and then the
 * person is gone from the list, with a toast. On a desktop and on a phone,
 * each with a person of its own from the demo (this file's own server).
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { hydrated, login, noSidewaysScroll, SCREENSHOTS, seriousViolations, serverForFile, SIZES } from "./helpers";

const server = serverForFile();

const PEOPLE = { desktop: "grietje.kerk@ave.example", phone: "kerk@ave.example" } as const;

for (const size of SIZES) {
  test(`a coordinator erases a removed person's account (${size.name})`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const page = await context.newPage();
    const email = PEOPLE[size.name];
    await login(page, server.url, "coordinator@ave.example");
    await page.goto(`${server.url}/beheer`);
    await hydrated(page);
    const row = page.getByTestId(`person-${email}`);
    // Not while the person has access: first "Toegang intrekken".
    await expect(row.getByRole("button", { name: "Account wissen" })).toHaveCount(0);
    await row.getByRole("button", { name: "Toegang intrekken" }).click();
    const confirm = page.getByTestId("confirm-dialog");
    await confirm.getByTestId("confirm-yes").click();
    await expect(row).toContainText("Toegang ingetrokken");

    await row.getByRole("button", { name: "Account wissen" }).click();
    await expect(confirm).toBeVisible();
    await expect(confirm.getByRole("heading")).toContainText("wissen?");
    await expect(confirm).toContainText(email);
    await expect(confirm).toContainText("blijft staan, zonder naam");
    await expect(confirm).toContainText("niet ongedaan");
    await noSidewaysScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `admin-erase-confirm-${size.name}.png`) });
    // Cancel does nothing.
    await confirm.getByRole("button", { name: "Annuleren" }).click();
    await expect(confirm).toBeHidden();
    await expect(row).toBeVisible();

    await row.getByRole("button", { name: "Account wissen" }).click();
    await confirm.getByTestId("confirm-yes").click();
    await expect(page.getByTestId("toast").filter({ hasText: "is gewist" })).toHaveAttribute("data-kind", "success");
    await expect(page.getByTestId(`person-${email}`)).toHaveCount(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, `admin-erased-${size.name}.png`) });
    await page.reload();
    await expect(page.getByTestId(`person-${email}`)).toHaveCount(0);
    await context.close();
  });
}
