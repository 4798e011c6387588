/**
 * The person's own page and "Wachtwoord vergeten?" in Chromium, against the
 * real server with mail on (a real SMTP server on loopback in this process):
 * name and language changed on /account (the stored language then wins over
 * a browser's cookie), "Overal uitloggen" from a second browser closing the
 * first one's board, the whole reset flow from the login page to the board,
 * and screenshots of both pages at 1440×900 and 390×844.
 */
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { createSmtpInbox, type SmtpInbox } from "../integration/smtp-inbox";
import { freePort } from "./server";
import { hydrated, login, openDemoBoard, seriousViolations, serverForFile, SCREENSHOTS } from "./helpers";

let inbox: SmtpInbox;

// The inbox starts before the server (which is given its address) and stops after it: hooks run in the order they are declared.
test.beforeAll(async () => {
  inbox = createSmtpInbox(await freePort());
  await inbox.start();
});
const server = serverForFile({
  env: (port) => ({ SMTP_URL: inbox.url, MAIL_FROM: "Alliantiebord <bord@alliantie.test>", PUBLIC_URL: `http://127.0.0.1:${port}` }),
});
test.afterAll(async () => {
  await inbox?.stop();
});

async function noSidewaysScroll(page: Page) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect.soft(scrollWidth, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

test("name and language change on /account; the stored language follows the person to another browser", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await login(page, server.url, "gemeente@ave.example");
  await page.getByRole("link", { name: "Mijn account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Mijn account" })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByLabel("Naam", { exact: true }).fill("Gemma van de Gemeente");
  await page.getByRole("button", { name: "Opslaan" }).first().click();
  await expect(page.getByText("Opgeslagen.").first()).toBeVisible();
  await expect(page.locator(".topbar-who")).toContainText("Gemma van de Gemeente");

  await page.getByRole("radio", { name: "English" }).check();
  await page.getByRole("region", { name: "Taal" }).getByRole("button", { name: "Opslaan" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My account" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByTestId("locale-saved")).toHaveText("Language saved.");

  // Another browser that last showed Dutch: after login the person's own language wins.
  const other = await browser.newContext();
  await other.addCookies([{ name: "ab_lang", value: "nl", url: server.url }]);
  const second = await other.newPage();
  await login(second, server.url, "gemeente@ave.example");
  await expect(second.locator("html")).toHaveAttribute("lang", "en");
  await expect(second.getByRole("link", { name: "My account" })).toBeVisible();
});

test("what is typed while the page loads again after a save stays in the form", async ({ page }) => {
  // Remix shows a save's answer ("Opgeslagen.") before the page's data has loaded again after it. The
  // form started again from the stored values when that data came, and dropped what was typed meanwhile
  // (CI, 2026-12-06: a slow machine typed the next name in that window). Here the reload is held until
  // after the typing.
  await login(page, server.url, "coa@ave.example");
  await page.goto(`${server.url}/account`);
  await hydrated(page);
  const nameField = page.getByLabel("Naam", { exact: true });
  const save = nameField.locator("xpath=ancestor::form").getByRole("button", { name: "Opslaan" });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const reloads = (url: URL) => url.searchParams.has("_data");
  await page.route(
    reloads,
    async (route) => {
      if (route.request().method() !== "GET") return route.continue();
      held++;
      await released;
      await route.continue();
    },
  );
  await nameField.fill("Marloes van het COA");
  await save.click();
  await expect(page.getByTestId("toast").filter({ hasText: "Opgeslagen." })).toBeVisible();
  // The saved name, not the one the page had before.
  await expect(nameField).toHaveValue("Marloes van het COA");
  await nameField.fill("Marleen van het COA");
  expect(held).toBeGreaterThan(0);
  release();
  await expect(page.locator(".topbar-who")).toContainText("Marloes van het COA");
  await expect(nameField).toHaveValue("Marleen van het COA");
  await page.unroute(reloads);

  await save.click();
  await expect(page.locator(".topbar-who")).toContainText("Marleen van het COA");
  await page.reload();
  await expect(nameField).toHaveValue("Marleen van het COA");
});

test("'Overal uitloggen' in a second browser closes the first one's board and keeps this one", async ({ browser }) => {
  const first = await (await browser.newContext()).newPage();
  await login(first, server.url, "vluchtelingenwerk@ave.example");
  await openDemoBoard(first);

  const second = await (await browser.newContext()).newPage();
  await login(second, server.url, "vluchtelingenwerk@ave.example");
  await openDemoBoard(second);
  await second.goto(`${server.url}/account`);
  const sessions = second.getByTestId("sessions");
  await expect(sessions.getByRole("listitem")).toHaveCount(2);
  await expect(second.getByTestId("session-current")).toContainText("Deze sessie");
  await expect(second.getByTestId("session-current")).toContainText(/Chrome op Linux|Chromium/);
  await second.getByRole("button", { name: "Overal uitloggen" }).click();
  // Said in a toast (and, for screen readers, in the polite live region too: the toast's is the one to see).
  await expect(second.getByTestId("toast").getByText("Op 1 andere sessie uitgelogd.")).toBeVisible();
  await expect(sessions.getByRole("listitem")).toHaveCount(1);
  await expect(second.getByTestId("no-other-sessions")).toBeVisible();

  // The first browser's board lost its connection, and its session is gone.
  await expect(first.getByTestId("connection-status")).not.toHaveAttribute("data-state", "connected");
  await first.goto(`${server.url}/boards`);
  await expect(first).toHaveURL(/\/login/);

  // This browser still works, board included.
  await second.goto(`${server.url}/boards`);
  await openDemoBoard(second);
});

test("'Wachtwoord vergeten?': a link by mail, a new password, logged in on the board", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/login`);
  await page.getByRole("link", { name: "Wachtwoord vergeten?" }).click();
  await expect(page.getByRole("heading", { name: "Wachtwoord vergeten" })).toBeVisible();
  const before = inbox.mails.length;
  await page.getByLabel("E-mailadres").fill("taalhuis@ave.example");
  await page.getByRole("button", { name: "Stuur mij een link" }).click();
  await expect(page.getByTestId("reset-sent")).toContainText("Als dit adres bij ons bekend is");
  await expect.poll(() => inbox.mails.slice(before).filter((m) => m.envelopeTo.includes("taalhuis@ave.example")).length).toBe(1);
  const mail = inbox.mails.slice(before).find((m) => m.envelopeTo.includes("taalhuis@ave.example"))!;
  const link = /http:\/\/127\.0\.0\.1:\d+\/wachtwoord-herstellen\/[A-Za-z0-9_-]+/.exec(mail.text)![0];

  await page.goto(link);
  await page.screenshot({ path: path.join(SCREENSHOTS, "reset-choose-desktop.png"), fullPage: true });
  await page.getByLabel("Nieuw wachtwoord", { exact: true }).fill("een-nieuw-wachtwoord");
  await page.getByLabel("Herhaal het nieuwe wachtwoord").fill("een-nieuw-wachtwoord");
  await page.getByRole("button", { name: "Wachtwoord opslaan" }).click();
  await expect(page).toHaveURL(/\/boards$/);
  await openDemoBoard(page);

  // The link was used: a second visit says so.
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Deze link is al gebruikt" })).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, "reset-used-desktop.png"), fullPage: true });
});

const SIZES = [
  { name: "desktop", viewport: { width: 1440, height: 900 }, isMobile: false, hasTouch: false, email: "kerk@ave.example" },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, email: "maatjes@ave.example" },
] as const;

for (const size of SIZES) {
  test(`screenshots of /account and the forgotten-password page (${size.name})`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });
    const page = await context.newPage();
    // A second session, so the list shows another device.
    const elsewhere = await (await browser.newContext({ userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1" })).newPage();
    await login(elsewhere, server.url, size.email);
    await login(page, server.url, size.email);
    await page.goto(`${server.url}/account`);
    await expect(page.getByTestId("session-other")).toContainText("Safari op iOS");
    await noSidewaysScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `account-${size.name}.png`), fullPage: true });

    const anonymous = await (await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch })).newPage();
    await anonymous.goto(`${server.url}/login`);
    await anonymous.screenshot({ path: path.join(SCREENSHOTS, `login-${size.name}.png`), fullPage: true });
    await anonymous.getByRole("link", { name: "Wachtwoord vergeten?" }).click();
    await expect(anonymous).toHaveURL(/\/wachtwoord-vergeten$/);
    await noSidewaysScroll(anonymous);
    expect(await seriousViolations(anonymous)).toEqual([]);
    await anonymous.screenshot({ path: path.join(SCREENSHOTS, `forgot-password-${size.name}.png`), fullPage: true });
    await anonymous.getByLabel("E-mailadres").fill("niemand@ave.example");
    await anonymous.getByRole("button", { name: "Stuur mij een link" }).click();
    await expect(anonymous.getByTestId("reset-sent")).toBeVisible();
    await anonymous.screenshot({ path: path.join(SCREENSHOTS, `forgot-password-sent-${size.name}.png`), fullPage: true });
    await context.close();
  });
}
