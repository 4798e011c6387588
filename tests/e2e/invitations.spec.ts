/**
 * A coordinator invites a person on /beheer; the person opens the link in a
 * browser of their own, chooses a password and lands on the board, logged
 * in. Screenshots of /beheer's invitations and of the invitation page on a
 * desktop (1440×900) and a phone (390×844) go to tests/e2e/screenshots/.
 */
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { login, seriousViolations, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();

const SIZES = [
  { name: "desktop", viewport: { width: 1440, height: 900 }, isMobile: false, hasTouch: false },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
] as const;

async function shoot(page: Page, size: string, name: string) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect.soft(scrollWidth, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(page.viewportSize()!.width);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${size}-${name}.png`) });
}

/** Invite on /beheer; returns the link the page shows once. */
async function invite(page: Page, name: string, email: string, organisation: string) {
  await page.goto(`${server.url}/beheer`);
  const section = page.getByTestId("invitations");
  await section.locator("#inv-name").fill(name);
  await section.locator("#inv-email").fill(email);
  await section.locator("#inv-org").selectOption({ label: organisation });
  await section.locator("#inv-role").selectOption("member");
  await section.getByRole("button", { name: "Uitnodigen" }).click();
  const shown = page.getByTestId("invitation-link");
  await expect(shown).toBeVisible();
  await expect(shown).toContainText("E-mail staat uit");
  const link = await shown.locator("input").inputValue();
  expect(link).toMatch(/\/uitnodiging\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId(`invitation-${email}`)).toBeVisible();
  return link.replace(/^https?:\/\/[^/]+/, server.url);
}

test("a coordinator invites; the invitee chooses a password in another browser and lands on the board", async ({ browser }) => {
  const coordinator = await (await browser.newContext()).newPage();
  await login(coordinator, server.url, "coordinator@ave.example");
  const link = await invite(coordinator, "Sanne Bakker", "sanne@ave.example", "Taalhuis Emmen (Bibliotheek)");
  // The form is empty again for the next invitation; the page has no serious accessibility problem.
  await expect(coordinator.locator("#inv-email")).toHaveValue("");
  expect(await seriousViolations(coordinator)).toEqual([]);

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: "Welkom bij AVE Emmen" })).toBeVisible();
  await expect(invitee.getByText("Taalhuis Emmen (Bibliotheek)")).toBeVisible();
  expect(await seriousViolations(invitee)).toEqual([]);
  await invitee.getByLabel("Kies een wachtwoord").fill("sanne-haar-wachtwoord");
  await invitee.getByLabel("Herhaal het wachtwoord").fill("iets-anders");
  await invitee.getByRole("button", { name: "Account aanmaken" }).click();
  await expect(invitee.getByText("De twee wachtwoorden zijn niet gelijk.")).toBeVisible();
  await invitee.getByLabel("Kies een wachtwoord").fill("sanne-haar-wachtwoord");
  await invitee.getByLabel("Herhaal het wachtwoord").fill("sanne-haar-wachtwoord");
  await invitee.getByRole("button", { name: "Account aanmaken" }).click();
  await expect(invitee).toHaveURL(/\/boards\/[0-9a-f-]{36}$/);
  await expect(invitee.getByTestId("board")).toBeVisible();
  await expect(invitee.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");

  // The coordinator's list no longer holds it; the person is among the people.
  await coordinator.goto(`${server.url}/beheer`);
  await expect(coordinator.getByTestId("invitation-sanne@ave.example")).toHaveCount(0);
  await expect(coordinator.getByTestId("person-sanne@ave.example")).toBeVisible();

  // The link is spent: a third browser gets the clear refusal.
  const late = await (await browser.newContext()).newPage();
  await late.goto(link);
  await expect(late.getByTestId("invitation-gone")).toHaveAttribute("data-state", "used");
  await expect(late.getByText("Taalhuis Emmen")).toHaveCount(0);
});

for (const size of SIZES) {
  test(`screenshots of the invitations (${size.name})`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const page = await context.newPage();
    await login(page, server.url, "coordinator@ave.example");
    const link = await invite(page, `Gast ${size.name}`, `gast-${size.name}@ave.example`, "Voedselbank Emmen");
    await shoot(page, size.name, "beheer");
    await page.getByTestId("invitations").screenshot({ path: path.join(SCREENSHOTS, `${size.name}-beheer-invitations.png`) });
    const other = await (await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch })).newPage();
    await other.goto(link);
    await expect(other.getByTestId("invitation")).toBeVisible();
    await shoot(other, size.name, "invitation");
    await other.goto(`${server.url}/uitnodiging/${"x".repeat(43)}`);
    await expect(other.getByTestId("invitation-gone")).toBeVisible();
    await shoot(other, size.name, "invitation-unknown");
  });
}
