/**
 * A real alliance from nothing, as its first coordinator meets it: an
 * installation without the demo (SEED_DEMO=false), `npm run alliance --
 * create` run against it while the server runs, the printed link opened in
 * a browser. The new board tells the coordinator what the alliance still
 * needs ("Aan de slag"), each step follows what is there, and the list goes
 * away once the board is in use and people are invited. Screenshots of the
 * new board at 1440×900 and 390×844 go to tests/e2e/screenshots/.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { serverForFile, SCREENSHOTS } from "./helpers";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const PASSWORD = "laarne-kalken-2026";

// One story in steps: the second test uses the invitation link the first one made. Serial, so a retry runs the steps again from the first
// (on a fresh server), instead of one step alone without what came before.
test.describe.configure({ mode: "serial" });

const server = serverForFile({ env: () => ({ SEED_DEMO: "false" }) });
/** The invitation the first test makes, accepted in the second. */
let pieterLink = "";

function createAlliance(): string {
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "server/cli/alliance.ts", "create", "--name", "Laarne-Kalken", "--coordinator-email", "els@laarne.example", "--coordinator-name", "Els Verstraete"],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: server.databaseUrl, PUBLIC_URL: server.url, LOG_LEVEL: "error" }, encoding: "utf8" },
  );
  expect(run.status, run.stderr).toBe(0);
  const link = /https?:\/\/\S+\/uitnodiging\/[A-Za-z0-9_-]+/.exec(run.stdout)?.[0];
  expect(link, run.stdout).toBeTruthy();
  return link!;
}

async function steps(page: Page) {
  const panel = page.getByTestId("getting-started");
  await expect(panel).toBeVisible();
  return Object.fromEntries(
    await panel.locator("li[data-step]").evaluateAll((lis) => lis.map((li) => [li.getAttribute("data-step"), li.getAttribute("data-done") === "true"])),
  ) as Record<string, boolean>;
}

test("a new alliance's coordinator is told what the alliance still needs, until the board is in use", async ({ browser }) => {
  const link = createAlliance();
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(link);
  await page.getByLabel("Kies een wachtwoord").fill(PASSWORD);
  await page.getByLabel("Herhaal het wachtwoord").fill(PASSWORD);
  await page.getByRole("button", { name: "Account aanmaken" }).click();
  await page.waitForURL(/\/boards\/[0-9a-f-]{36}$/);
  const boardUrl = page.url();
  const boardId = boardUrl.split("/").pop()!;

  // Nothing but the coordinator and one organisation yet, mail off.
  expect(await steps(page)).toEqual({ organisations: false, people: false, requests: false, offers: false, mail: false });
  await expect(page.getByTestId("getting-started")).toContainText("SMTP_URL");
  await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-getting-started.png") });
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await ctx.storageState() });
  const phonePage = await phone.newPage();
  await phonePage.goto(boardUrl);
  await expect(phonePage.getByTestId("getting-started")).toBeVisible();
  expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await phonePage.screenshot({ path: path.join(SCREENSHOTS, "phone-getting-started.png") });
  await phone.close();

  // Each step leads to where it is done: the organisations on /beheer.
  await page.getByRole("link", { name: "Organisaties toevoegen" }).click();
  await expect(page).toHaveURL(/\/beheer#orgs-h$/);
  const orgForm = page.locator("section[aria-labelledby=orgs-h]");
  await orgForm.getByLabel("Naam", { exact: true }).fill("OCMW Laarne");
  await orgForm.getByRole("button", { name: "Toevoegen" }).click();
  await expect(orgForm).toContainText("OCMW Laarne");

  // An invitation counts as people on the way.
  const invitations = page.getByTestId("invitations");
  await invitations.locator("#inv-name").fill("Pieter");
  await invitations.locator("#inv-email").fill("pieter@ocmw.example");
  await invitations.locator("#inv-org").selectOption({ label: "OCMW Laarne" });
  await invitations.getByRole("button", { name: "Uitnodigen" }).click();
  const shown = page.getByTestId("invitation-link");
  await expect(shown).toBeVisible();
  pieterLink = (await shown.locator("input").inputValue()).replace(/^https?:\/\/[^/]+/, server.url);

  await page.goto(boardUrl);
  expect(await steps(page)).toEqual({ organisations: true, people: true, requests: false, offers: false, mail: false });

  // The first request: the board is in use, the list has done its work.
  const created = await page.request.post(`${server.url}/api/boards/${boardId}/requests`, {
    headers: { Origin: server.url },
    data: { title: "Taalcoach gezocht", category: "taal", description: "", reference: "", area: "Kalken", urgency: "normaal" },
  });
  expect(created.status()).toBe(201);
  await page.reload();
  await expect(page.getByText("Taalcoach gezocht")).toBeVisible();
  await expect(page.getByTestId("getting-started")).toHaveCount(0);
  await ctx.close();
});

test("a member never sees the coordinator's list", async ({ browser }) => {
  expect(pieterLink).toMatch(/\/uitnodiging\//);
  const coordinator = await browser.newContext();
  const page = await coordinator.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByLabel("E-mailadres").fill("els@laarne.example");
  await page.getByLabel("Wachtwoord").fill(PASSWORD);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await page.waitForURL(/\/boards/);
  // A second, empty board: the coordinator is told again what it needs.
  const made = await page.request.post(`${server.url}/api/boards`, { headers: { Origin: server.url }, data: { name: "Vrijwilligersklussen" } });
  expect(made.status()).toBe(201);
  const { id } = (await made.json()) as { id: string };
  await page.goto(`${server.url}/boards/${id}`);
  await expect(page.getByTestId("getting-started")).toBeVisible();

  // Pieter accepts his invitation as a member: the same empty board has no list for him.
  const member = await browser.newContext();
  const pieter = await member.newPage();
  await pieter.goto(pieterLink);
  await pieter.getByLabel("Kies een wachtwoord").fill("pieter-ocmw-2026");
  await pieter.getByLabel("Herhaal het wachtwoord").fill("pieter-ocmw-2026");
  await pieter.getByRole("button", { name: "Account aanmaken" }).click();
  await pieter.waitForURL(/\/boards\/[0-9a-f-]{36}$/);
  await pieter.goto(`${server.url}/boards/${id}`);
  await expect(pieter.getByTestId("connection-status")).toBeVisible();
  await expect(pieter.getByTestId("getting-started")).toHaveCount(0);
  await member.close();
  await coordinator.close();
});
