/**
 * Forms of /beheer and /account whose POST meets a server that went away
 * (killed the moment the POST leaves the browser, as in a restart or a
 * drain behind the proxy): the page stays as it is, with what was typed,
 * and a toast says the change may not have been saved. Remix used to take
 * the failed fetch for the route throwing and show its error page ("Er ging
 * iets mis") in place of the page. The same form sent again once the server
 * is back is saved, once.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { killServerOnPost, login, remixPost, SIZES, serverForFile, SCREENSHOTS } from "./helpers";

const server = serverForFile();

test("beheer: an organisation added while the server is gone keeps the form and says so; sent again, it is added once", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await page.goto(`${server.url}/beheer`);
  const gone = await killServerOnPost(page, server, remixPost("routes/beheer"));
  const name = `Bibliotheek Emmen ${Date.now()}`;
  const form = page.locator("form").filter({ has: page.locator('input[name="intent"][value="add-org"]') });
  await form.getByLabel("Naam", { exact: true }).fill(name);
  await form.getByLabel("Korte naam (op kaarten)").fill("Bieb");
  await form.getByRole("button", { name: "Toevoegen" }).click();
  await gone.told();
  await expect(page.getByRole("heading", { name: "Organisatie toevoegen" })).toBeVisible();
  await expect(form.getByLabel("Naam", { exact: true })).toHaveValue(name);
  await expect(form.getByLabel("Korte naam (op kaarten)")).toHaveValue("Bieb");
  await page.screenshot({ path: path.join(SCREENSHOTS, "desktop-beheer-unanswered.png") });

  await server.start();
  await form.getByRole("button", { name: "Toevoegen" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Organisatie ${name} toegevoegd.` })).toBeVisible();
  // Added once: the first POST never reached the server.
  const orgs = (await (await page.request.get(`${server.url}/api/organisations`)).json()) as Array<{ name: string }>;
  expect(orgs.filter((o) => o.name === name)).toHaveLength(1);
});

test.describe("on a phone", () => {
  const phone = SIZES.find((x) => x.name === "phone")!;
  test.use({ viewport: phone.viewport, isMobile: phone.isMobile, hasTouch: phone.hasTouch });

  test("account: a new name saved while the server is gone keeps the form and says so; sent again, it is saved", async ({ page }) => {
    await login(page, server.url, "taalhuis@ave.example");
    await page.goto(`${server.url}/account`);
    const nameField = page.getByLabel("Naam", { exact: true });
    const save = nameField.locator("xpath=ancestor::form").getByRole("button", { name: "Opslaan" });
    // One answered save first: the form is then keyed on that answer, and an unanswered one must not remount it.
    await nameField.fill("Fenna van het Taalhuis");
    await save.click();
    await expect(page.getByTestId("toast").filter({ hasText: "Opgeslagen." })).toBeVisible();

    const gone = await killServerOnPost(page, server, remixPost("routes/account._index"));
    await nameField.fill("Tamara van het Taalhuis");
    await save.click();
    await gone.told();
    await expect(nameField).toHaveValue("Tamara van het Taalhuis");
    await page.screenshot({ path: path.join(SCREENSHOTS, "phone-account-unanswered.png") });

    await server.start();
    // Wait for this save's own answer: the first save's "Opgeslagen." stays
    // six seconds, longer than the restart takes, so the toast alone could be
    // the old one and the reload below would overtake this POST.
    const saved = page.waitForResponse(
      (r) => r.request().method() === "POST" && remixPost("routes/account._index")(new URL(r.url())),
    );
    await save.click();
    expect((await saved).status()).toBe(200);
    await expect(page.getByTestId("toast").filter({ hasText: "Opgeslagen." })).not.toHaveCount(0);
    await page.reload();
    await expect(page.getByLabel("Naam", { exact: true })).toHaveValue("Tamara van het Taalhuis");
  });
});
