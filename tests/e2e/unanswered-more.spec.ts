/**
 * More forms whose POST meets a server that went away (killed as the POST
 * leaves the page, as in a restart or a drain behind the proxy): "Vergeet
 * deze persoon" (the gravest: the coordinator must know whether it was
 * done), planning a meeting, asking for a password reset, accepting an
 * invitation, turning on two-factor login, and storing a moment of the
 * board's past. Each page
 * stays with what was typed, a toast says it may not have been done, no
 * error page; sent again once the server is back, it is done once.
 * (unanswered-forms.spec.ts and unanswered-pages.spec.ts have the others.)
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { generateSync } from "otplib";
import { newDataKey } from "../../app/services/seal.server";
import { killServerOnPost, login, openDemoBoard, openFromMoreMenu, remixPost, SCREENSHOTS, serverForFile } from "./helpers";

// Mail on (its server away: nothing is sent), so that the password page has its form; a DATA_KEY to seal two-factor secrets.
const server = serverForFile({ env: () => ({ SMTP_URL: "smtp://127.0.0.1:9", MAIL_FROM: "Alliantiebord <bord@alliantie.test>", DATA_KEY: newDataKey() }) });

test("forget: the erasure sent while the server is gone keeps the page, the reference and the tick, and says so; sent again, the person is forgotten once", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const boardId = new URL(page.url()).pathname.split("/")[2];
  const created = await page.request.post(`${server.url}/api/boards/${boardId}/requests`, {
    headers: { origin: server.url },
    data: { title: "Taalles voor gezin Onbeantwoord", category: "taal", area: "Bargeres", reference: "E2E ONBEANTWOORD 3", urgency: "normaal" },
  });
  expect(created.status()).toBe(201);

  await page.goto(`${server.url}/boards/${boardId}/vergeten`);
  const reference = page.getByLabel("Referentie van de persoon");
  await reference.fill("e2e onbeantwoord 3");
  await page.getByTestId("forget-preview").click();
  await expect(page.getByTestId("forget-counts").locator('[data-count="requests"]')).toHaveText("1");
  await page.getByTestId("forget-confirm").check();

  const gone = await killServerOnPost(page, server, remixPost("routes/boards.$boardId_.vergeten"));
  await page.getByTestId("forget-submit").click();
  await gone.told(/De server gaf geen antwoord/);
  await expect(page.getByTestId("forget-page")).toBeVisible();
  await expect(reference).toHaveValue("e2e onbeantwoord 3");
  await expect(page.getByTestId("forget-confirm")).toBeChecked();
  await expect(page.getByTestId("forget-done")).toHaveCount(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-forget-unanswered.png") });

  await server.start();
  await page.getByTestId("forget-submit").click();
  await expect(page.getByTestId("forget-done")).toContainText("Gewist: 1");
  // Once: nothing of that reference is left to find.
  const again = await page.request.post(`${server.url}/api/boards/${boardId}/forget`, { headers: { origin: server.url }, data: { reference: "E2E ONBEANTWOORD 3", dryRun: true } });
  expect(again.status()).toBe(200);
  expect((await again.json()).removed.requests).toBe(0);
});

test("meetings: a meeting planned while the server is gone keeps the form and says so; sent again, it is planned once", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const boardId = new URL(page.url()).pathname.split("/")[2];
  await page.goto(`${server.url}/boards/${boardId}/vergaderingen`);
  const plan = page.getByTestId("plan-form");
  const title = `Overleg zonder antwoord ${Date.now()}`;
  await plan.getByLabel("Titel").fill(title);
  await plan.getByLabel("Datum").fill("2026-12-21");
  await plan.getByLabel("Tijd").fill("10:00");

  const gone = await killServerOnPost(page, server, remixPost("routes/boards.$boardId_.vergaderingen._index"));
  await plan.getByRole("button", { name: "Vergadering plannen" }).click();
  await gone.told(/De server gaf geen antwoord/);
  await expect(plan.getByLabel("Titel")).toHaveValue(title);
  await expect(plan.getByLabel("Datum")).toHaveValue("2026-12-21");
  await expect(plan.getByLabel("Tijd")).toHaveValue("10:00");

  await server.start();
  await plan.getByRole("button", { name: "Vergadering plannen" }).click();
  await expect(page).toHaveURL(new RegExp(`/boards/${boardId}/vergaderingen/[^/]+$`));
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  const meetings = (await (await page.request.get(`${server.url}/api/boards/${boardId}/meetings`)).json()) as Array<{ title: string }>;
  expect(meetings.filter((m) => m.title === title)).toHaveLength(1);
});

test("password reset: asked while the server is gone keeps the address and says so; asked again, the page confirms", async ({ page }) => {
  await page.goto(`${server.url}/wachtwoord-vergeten`);
  const email = page.getByLabel("E-mailadres");
  await email.fill("taalhuis@ave.example");
  const gone = await killServerOnPost(page, server, remixPost("routes/wachtwoord-vergeten"));
  await page.getByRole("button", { name: "Stuur mij een link" }).click();
  await gone.told(/De server gaf geen antwoord/);
  await expect(email).toHaveValue("taalhuis@ave.example");

  await server.start();
  await page.getByRole("button", { name: "Stuur mij een link" }).click();
  await expect(page.getByTestId("reset-sent")).toBeVisible();
});

test("invitation: the account made while the server is gone keeps the page and says so; sent again, the invitee lands on the board", async ({ browser }) => {
  const coordinator = await (await browser.newContext()).newPage();
  await login(coordinator, server.url, "coordinator@ave.example");
  const orgs = (await (await coordinator.request.get(`${server.url}/api/organisations`)).json()) as Array<{ id: string; name: string }>;
  const taalhuis = orgs.find((o) => o.name.startsWith("Taalhuis"))!;
  const invited = await coordinator.request.post(`${server.url}/api/invitations`, {
    headers: { origin: server.url },
    data: { email: "onbeantwoord@ave.example", name: "Noor Onbeantwoord", organisationId: taalhuis.id, role: "member" },
  });
  expect(invited.status()).toBe(201);
  const link = ((await invited.json()) as { link: string }).link.replace(/^https?:\/\/[^/]+/, server.url);

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: "Welkom bij AVE Emmen" })).toBeVisible();
  await invitee.getByLabel("Kies een wachtwoord").fill("noor-haar-wachtwoord");
  await invitee.getByLabel("Herhaal het wachtwoord").fill("noor-haar-wachtwoord");
  const gone = await killServerOnPost(invitee, server, remixPost("routes/uitnodiging.$token"));
  await invitee.getByRole("button", { name: "Account aanmaken" }).click();
  await gone.told(/De server gaf geen antwoord/);
  await expect(invitee.getByRole("heading", { name: "Welkom bij AVE Emmen" })).toBeVisible();

  await server.start();
  // The link still works: the first press never reached the server.
  await invitee.getByLabel("Kies een wachtwoord").fill("noor-haar-wachtwoord");
  await invitee.getByLabel("Herhaal het wachtwoord").fill("noor-haar-wachtwoord");
  await invitee.getByRole("button", { name: "Account aanmaken" }).click();
  await expect(invitee).toHaveURL(/\/boards\/[0-9a-f-]{36}$/);
  await expect(invitee.getByTestId("board")).toBeVisible();
});

test("two-factor: turned on while the server is gone keeps the QR page and the code, and says so; sent again, it is on, with its recovery codes", async ({ page }) => {
  await login(page, server.url, "kerk@ave.example");
  await page.goto(`${server.url}/account`);
  await page.getByTestId("two-factor-enable").click();
  await expect(page.getByRole("heading", { level: 1, name: "Tweestapsverificatie aanzetten" })).toBeVisible();
  const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").replace(/\s/g, "");
  const code = page.getByLabel("Code uit de app");
  await code.fill(generateSync({ secret, epoch: Math.floor(Date.now() / 1000) }));

  const gone = await killServerOnPost(page, server, remixPost("routes/account.tweestapsverificatie"));
  await page.getByRole("button", { name: "Aanzetten" }).click();
  await gone.told(/De server gaf geen antwoord/);
  await expect(page.getByRole("heading", { level: 1, name: "Tweestapsverificatie aanzetten" })).toBeVisible();
  await expect(page.getByTestId("totp-secret")).toBeVisible();
  expect(await code.inputValue()).toMatch(/^\d{6}$/);
  await expect(page.getByTestId("recovery-codes")).toHaveCount(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-two-factor-unanswered.png") });

  await server.start();
  // The same secret (the first press never reached the server); the app's code of now.
  await code.fill(generateSync({ secret, epoch: Math.floor(Date.now() / 1000) }));
  await page.getByRole("button", { name: "Aanzetten" }).click();
  await expect(page.getByTestId("recovery-codes").getByRole("listitem")).toHaveCount(10);
  await page.goto(`${server.url}/account`);
  await expect(page.getByTestId("two-factor-state")).toContainText("Aan sinds");
});

test("history: a moment stored while the server is gone keeps the page and says so; stored again, there is one more moment, not two", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const boardId = new URL(page.url()).pathname.split("/")[2];
  const moments = async () => ((await (await page.request.get(`${server.url}/api/boards/${boardId}/snapshots`)).json()) as unknown[]).length;
  const before = await moments();
  await openFromMoreMenu(page, "history-link");
  await expect(page.getByTestId("history-chosen")).toContainText(`Moment ${before} van ${before}`);

  const gone = await killServerOnPost(page, server, remixPost("routes/boards.$boardId_.verleden"));
  await page.getByTestId("history-take").click();
  await gone.told(/De server gaf geen antwoord/);
  await expect(page.getByTestId("history-chosen")).toContainText(`Moment ${before} van ${before}`);
  await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-history-unanswered.png") });

  await server.start();
  await page.getByTestId("history-take").click();
  await expect(page.getByTestId("toast").getByText("Moment vastgelegd.")).toBeVisible();
  await expect(page.getByTestId("history-chosen")).toContainText(`Moment ${before + 1} van ${before + 1}`);
  expect(await moments()).toBe(before + 1);
});
