/**
 * The Content-Security-Policy in a real browser: a coordinator goes through
 * every page (login, boards, a live board with a card dialog, overzicht,
 * rapport, beheer, aanbod) and Chromium reports no violation, neither as a
 * `securitypolicyviolation` event nor as a console error; the pages still
 * work (hydrated, the board live over its sockets). A script without the
 * nonce, put into the page on purpose at the end, is blocked and counted:
 * the counting itself works.
 */
import { expect, test, type ConsoleMessage, type Page } from "@playwright/test";
import { login, openDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

interface Violation {
  directive: string;
  blocked: string;
  page: string;
  sample: string;
}

/** Every CSP violation the page reports, from any document it loads, and every console line about the CSP (or the Permissions-Policy). */
async function watchCsp(page: Page) {
  const violations: Violation[] = [];
  const consoleErrors: string[] = [];
  await page.exposeFunction("__reportCspViolation", (v: Violation) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCspViolation(v: unknown): void }).__reportCspViolation({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        page: location.pathname,
        sample: e.sample,
      });
    });
  });
  page.on("console", (m: ConsoleMessage) => {
    // Also the header's neighbour: an unknown Permissions-Policy feature is a console warning.
    if (/content[ -]security[ -]policy|permissions[ -]policy/i.test(m.text())) consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  return { violations, consoleErrors };
}

test("a coordinator's tour of every page raises no CSP violation; a script without the nonce is blocked and counted", async ({ page }) => {
  const csp = await watchCsp(page);

  const loginPage = await page.goto(`${server.url}/login`);
  const header = loginPage!.headers()["content-security-policy"];
  expect(header).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
  expect(header).not.toMatch(/script-src[^;]*unsafe-inline/);
  await login(page, server.url, "coordinator@ave.example");

  // A live board: scripts hydrated and both sockets (Yjs, socket.io) connected under connect-src.
  await openDemoBoard(page);
  const boardPath = new URL(page.url()).pathname;
  // A card dialog (inline style attributes, dnd-kit's live region).
  await page.locator("[data-card-id]").first().click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.keyboard.press("Escape");

  for (const path of [`${boardPath}/overzicht`, `${boardPath}/rapport`, "/beheer", "/aanbod", "/boards"]) {
    const res = await page.goto(server.url + path);
    expect(res!.status(), path).toBe(200);
    expect(res!.headers()["content-security-policy"], path).toContain("frame-ancestors 'none'");
    await page.waitForLoadState("networkidle");
  }
  // Client-side navigation too (Remix fetches the next page's data and modules).
  await page.getByRole("link", { name: /Hulpvragen Emmen/ }).click();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");

  expect(csp.violations, JSON.stringify(csp.violations, null, 2)).toEqual([]);
  expect(csp.consoleErrors, csp.consoleErrors.join("\n")).toEqual([]);

  // The control: an inline script without the nonce does not run, and is seen.
  const ran = await page.evaluate(async () => {
    const s = document.createElement("script");
    s.textContent = "window.__injected = true";
    document.body.appendChild(s);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => csp.violations.length).toBe(1);
  expect(csp.violations[0].directive).toBe("script-src-elem");
});
