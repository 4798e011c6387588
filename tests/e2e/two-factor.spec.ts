/**
 * Two-factor login in Chromium against the real server (with a DATA_KEY to
 * seal the secret): turned on from /account on the QR code page (axe clean,
 * the code computed here from the key the page shows, as an authenticator
 * app would), the recovery codes shown once, then logging out and in again
 * with the password and a code. At 1440×900 and the second step also at
 * 390×844.
 */
import { expect, test, type Page } from "@playwright/test";
import { generateSync } from "otplib";
import { newDataKey } from "../../app/services/seal.server";
import { PASSWORD, login, noSidewaysScroll, seriousViolations, serverForFile } from "./helpers";

const server = serverForFile({ env: () => ({ DATA_KEY: newDataKey() }) });

/** The code an app shows `offsetSeconds` from now. */
const codeAt = (secret: string, offsetSeconds = 0) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

async function passwordStep(page: Page, email: string) {
  await page.goto(`${server.url}/login`);
  await page.getByLabel("E-mailadres").fill(email);
  await page.getByLabel("Wachtwoord").fill(PASSWORD);
  await page.getByRole("button", { name: "Inloggen" }).click();
}

test("turn on two-factor login on /account with the QR code, log out, log in with a code", async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await login(page, server.url, "kerk@ave.example");
  await page.goto(`${server.url}/account`);
  await expect(page.getByTestId("two-factor-state")).toContainText("Uit.");
  await page.getByTestId("two-factor-enable").click();

  await expect(page.getByRole("heading", { level: 1, name: "Tweestapsverificatie aanzetten" })).toBeVisible();
  const qr = page.getByRole("img", { name: "QR-code om te scannen met uw authenticator-app" });
  await expect(qr).toBeVisible();
  await expect(qr.locator("svg path")).toHaveCount(2);
  expect((await qr.boundingBox())!.width).toBeGreaterThan(150);
  const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").replace(/\s/g, "");
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  expect(await seriousViolations(page)).toEqual([]);

  // A wrong code says so and keeps the page.
  await page.getByLabel("Code uit de app").fill(codeAt(secret, 600));
  await page.getByRole("button", { name: "Aanzetten" }).click();
  await expect(page.locator("#setup-code-error")).toContainText("Die code klopt niet");
  await expect(page.getByLabel("Code uit de app")).toBeFocused();

  await page.getByLabel("Code uit de app").fill(codeAt(secret));
  await page.getByRole("button", { name: "Aanzetten" }).click();
  const codes = page.getByTestId("recovery-codes").getByRole("listitem");
  await expect(codes).toHaveCount(10);
  await expect(page.getByRole("heading", { name: "Uw herstelcodes" })).toBeFocused();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByTestId("recovery-done").click();
  await expect(page).toHaveURL(/\/boards$/);

  await page.goto(`${server.url}/account`);
  await expect(page.getByTestId("two-factor-state")).toContainText("Aan sinds");
  await expect(page.getByTestId("two-factor-section")).toContainText("U hebt nog 10 ongebruikte herstelcodes.");

  await page.getByRole("button", { name: "Uitloggen" }).first().click();
  await expect(page).toHaveURL(/\/login\?uitgelogd=1$/);

  await passwordStep(page, "kerk@ave.example");
  await expect(page).toHaveURL(/\/login\?stap=code$/);
  await expect(page.getByRole("heading", { name: "Tweede stap" })).toBeVisible();
  await expect(page.getByLabel("Code uit de app, of een herstelcode")).toBeFocused();
  expect(await seriousViolations(page)).toEqual([]);
  // Still no session: the boards send back to the login.
  const probe = await page.request.get(`${server.url}/api/me`);
  expect(probe.status()).toBe(401);

  await page.getByLabel("Code uit de app, of een herstelcode").fill("000000");
  await page.getByRole("button", { name: "Bevestigen" }).click();
  await expect(page.locator("#code-error")).toContainText("Die code klopt niet of is al gebruikt. Nog 4 pogingen");
  // The code of the next step (the confirming one's step is used; an app shows it within 30 s, and one step ahead is accepted).
  await page.getByLabel("Code uit de app, of een herstelcode").fill(codeAt(secret, 30));
  await page.getByRole("button", { name: "Bevestigen" }).click();
  await expect(page).toHaveURL(/\/boards$/);
  await expect(page.getByRole("link", { name: /Hulpvragen Emmen/ })).toBeVisible();
});

test("the second step at 390×844: no sideways scroll, a recovery code logs in", async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  await login(page, server.url, "maatjes@ave.example");
  await page.goto(`${server.url}/account/tweestapsverificatie`);
  const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").replace(/\s/g, "");
  await noSidewaysScroll(page);
  await page.getByLabel("Code uit de app").fill(codeAt(secret));
  await page.getByRole("button", { name: "Aanzetten" }).click();
  const first = (await page.getByTestId("recovery-codes").getByRole("listitem").first().textContent())!;
  await noSidewaysScroll(page);
  await page.context().clearCookies();

  await passwordStep(page, "maatjes@ave.example");
  await expect(page.getByRole("heading", { name: "Tweede stap" })).toBeVisible();
  await noSidewaysScroll(page);
  await page.getByLabel("Code uit de app, of een herstelcode").fill(first);
  await page.getByRole("button", { name: "Bevestigen" }).click();
  await expect(page).toHaveURL(/\/boards$/);
});
