/**
 * The public front door (issue 15) in Chromium against the real server: a
 * newcomer fills the Arabic form on a phone-sized screen (lang=ar, dir=rtl,
 * axe clean; the page loads no script at all, so it is the same without
 * JavaScript — axe itself needs it on), gets a receipt code, and a
 * coordinator who has the board open sees the new card arrive live in Nieuw,
 * marked as coming from the front door in Arabic. The status page shows the
 * stage in Arabic and nothing of the request.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { column, login, noSidewaysScroll, openDemoBoard, seriousViolations, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();

test("a newcomer asks for help in Arabic on a phone (a page without scripts); staff see it live in Nieuw", async ({ browser }) => {
  const staff = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await login(staff, server.url, "coordinator@ave.example");
  await openDemoBoard(staff);
  const nieuw = column(staff, "nieuw");
  const before = await nieuw.getByTestId("front-door-badge").count();

  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ar" });
  const phone = await ctx.newPage();
  await phone.goto(`${server.url}/hulp/ave-emmen`);
  await expect(phone.locator("html")).toHaveAttribute("lang", "ar");
  await expect(phone.locator("html")).toHaveAttribute("dir", "rtl");
  expect(await phone.locator("script[src]").count()).toBe(0);
  expect(await seriousViolations(phone)).toEqual([]);
  await noSidewaysScroll(phone);

  await phone.getByLabel("أبحث عن مساعدة، لنفسي أو لشخص أساعده").check();
  const category = phone.locator("#fd-category");
  const first = await category.locator("option").nth(1).getAttribute("value");
  await category.selectOption(first!);
  const text = "أبحث عن دروس اللغة الهولندية في المساء";
  await phone.locator("#fd-text").fill(text);
  // The form's minimum fill time is a few seconds: a person takes longer than that anyway.
  await phone.waitForTimeout(3500);
  await phone.getByRole("button", { name: "إرسال" }).click();
  await expect(phone.getByText("شكرًا لك. وصلتنا رسالتك.")).toBeVisible();
  await expect(phone.locator("html")).toHaveAttribute("dir", "rtl");
  expect(await seriousViolations(phone)).toEqual([]);
  await phone.screenshot({ path: path.join(SCREENSHOTS, "phone-front-door-ar-receipt.png"), fullPage: true });

  // Staff: the card is there without a reload, in Nieuw, marked and with the original text.
  await expect(nieuw.getByTestId("front-door-badge")).toHaveCount(before + 1, { timeout: 15_000 });
  await expect(nieuw.getByTestId("front-door-badge").filter({ hasText: "Arabisch" }).first()).toBeVisible();

  // Staff read the original and enter a translation for colleagues; a phone number in it is refused.
  await nieuw.locator("[data-card-id]", { has: staff.getByTestId("front-door-badge") }).first().click();
  const section = staff.getByTestId("front-door-translation");
  await expect(section.getByText(text)).toBeVisible();
  await expect(section.locator("p[lang=ar]")).toHaveAttribute("dir", "auto");
  const box = section.getByLabel("Vertaling (Nederlands of Engels)");
  await box.fill("Zoekt Nederlandse les in de avond, bel 06 12345678");
  await section.getByRole("button", { name: "Vertaling opslaan" }).click();
  await expect(section.getByText(/lijkt op persoonsgegevens|op persoonsgegevens lijkt/)).toBeVisible();
  await box.fill("Zoekt Nederlandse les in de avond");
  await section.getByRole("button", { name: "Vertaling opslaan" }).click();
  await expect(section.getByText("Vertaling opgeslagen.")).toBeVisible();
  expect(await seriousViolations(staff)).toEqual([]);
  await staff.keyboard.press("Escape");

  // The status page: only the stage, in Arabic.
  await phone.getByRole("link", { name: "انظر ما حال رسالتك" }).click();
  await expect(phone.locator("html")).toHaveAttribute("lang", "ar");
  const body = await phone.locator("main").innerText();
  expect(body).not.toContain(text);
  expect(body).toContain("وصلت");
  expect(await seriousViolations(phone)).toEqual([]);
  await phone.screenshot({ path: path.join(SCREENSHOTS, "phone-front-door-ar-status.png"), fullPage: true });
  await ctx.close();
});

test("the front door is axe clean and mirrored right in every language, at both sizes", async ({ browser }) => {
  // Two browsers and several full-page scans: 20–48 s on a quiet 2-core machine beside the other worker, past 60 s under more load.
  test.slow();
  for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    for (const [lang, dir] of [["nl", "ltr"], ["en", "ltr"], ["ar", "rtl"], ["ti", "ltr"], ["uk", "ltr"]] as const) {
      await page.goto(`${server.url}/hulp/ave-emmen?taal=${lang}`);
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expect(page.locator("html")).toHaveAttribute("dir", dir);
      expect(await seriousViolations(page), `${lang} ${viewport.width}`).toEqual([]);
      await noSidewaysScroll(page);
    }
    await ctx.close();
  }
});
