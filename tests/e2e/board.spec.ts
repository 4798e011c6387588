import { expect, test } from "@playwright/test";
import { cardIn, column, keyboardMoveRight, login, openDemoBoard, seriousViolations, twoOnDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

test("the login page and the board have no serious accessibility violations", async ({ page }) => {
  await page.goto(`${server.url}/login`);
  expect(await seriousViolations(page)).toEqual([]);
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  expect(await seriousViolations(page)).toEqual([]);
});

test("a wrong password is explained in Dutch and keeps the email", async ({ page }) => {
  await page.goto(`${server.url}/login`);
  await page.getByLabel("E-mailadres").fill("coordinator@ave.example");
  await page.getByLabel("Wachtwoord").fill("fout");
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page.getByRole("alert")).toContainText("horen niet bij elkaar");
  await expect(page.getByLabel("E-mailadres")).toHaveValue("coordinator@ave.example");
});

test("a drag in one browser shows in the other at once, and a keyboard move works", async ({ browser }) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "taalhuis@ave.example");

  // Mouse drag from Nieuw to Opgepakt in browser A.
  const card = column(a, "nieuw").locator("[data-card-id]").first();
  const id = (await card.getAttribute("data-card-id"))!;
  const from = (await card.boundingBox())!;
  const to = (await column(a, "opgepakt").boundingBox())!;
  await a.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await a.mouse.down();
  await a.mouse.move(from.x + from.width / 2 + 12, from.y + from.height / 2 + 4, { steps: 4 });
  await a.mouse.move(to.x + to.width / 2, to.y + Math.min(to.height - 30, 400), { steps: 25 });
  await a.mouse.up();
  // A coordinator dropping a request nobody holds into a held column chooses who takes it on.
  const choice = a.getByTestId("dialog-holder-choice");
  await expect(choice).toBeVisible();
  await choice.getByRole("button", { name: "Taalhuis Emmen (Bibliotheek)" }).click();
  await expect(choice).toBeHidden();
  await expect(cardIn(a, "opgepakt", id)).toBeVisible();
  await expect(cardIn(b, "opgepakt", id)).toBeVisible();
  await expect(cardIn(b, "nieuw", id)).toHaveCount(0);
  await expect(cardIn(b, "opgepakt", id).getByTestId("owner-badge")).toContainText("Taalhuis");

  // Keyboard: pick up with Space, one column to the right, drop with Space (in browser B).
  const kcard = column(b, "open").locator("[data-card-id]").first();
  const kid = (await kcard.getAttribute("data-card-id"))!;
  await keyboardMoveRight(b, kcard);
  await expect(cardIn(b, "opgepakt", kid)).toBeVisible();
  await expect(cardIn(a, "opgepakt", kid)).toBeVisible();

  await a.context().close();
  await b.context().close();
});

test("a created request survives a server restart", async ({ page }) => {
  await login(page, server.url, "taalhuis@ave.example");
  await openDemoBoard(page);
  const title = `Taalmaatje gezocht ${Date.now()}`;
  await page.getByTestId("new-request").click();
  const dialog = page.getByRole("dialog");
  await dialog.locator('[name="title"]').fill(title);
  await dialog.locator('[name="category"]').selectOption("taal");
  await dialog.locator('[name="description"]').fill("Wil twee keer per week oefenen.");
  await dialog.locator('[name="reference"]').fill("TH-2026-0999");
  await dialog.locator('[name="area"]').fill("Bargeres");
  await dialog.locator('[name="urgency"]').selectOption("hoog");
  await dialog.locator('button[type="submit"]').click();
  await expect(page.getByTestId("board").getByText(title)).toBeVisible();

  await server.stop("SIGKILL");
  await expect(page.getByTestId("connection-status")).not.toHaveAttribute("data-state", "connected");
  await server.start();
  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  await expect(page.getByTestId("board").getByText(title)).toBeVisible();
});

test("a new request whose POST meets a dead server says so and keeps the board and the form; sent again later, it is saved", async ({ page }) => {
  await login(page, server.url, "taalhuis@ave.example");
  await openDemoBoard(page);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  // The server is killed the moment the form's background POST leaves the
  // browser, which then meets a closed port (as when a server goes away
  // while a request is on its way). Remix used to take that for the route
  // throwing and show the error page in place of the board.
  let killed = false;
  await page.route(
    (url) => url.searchParams.get("_data") === "routes/boards.$boardId",
    async (route) => {
      if (route.request().method() !== "POST" || killed) return route.fallback();
      killed = true;
      await server.stop("SIGKILL");
      await route.fallback();
    },
  );
  const title = `Fietsmaatje gezocht ${Date.now()}`;
  await page.getByTestId("new-request").click();
  const dialog = page.getByRole("dialog");
  await dialog.locator('[name="title"]').fill(title);
  await dialog.locator('[name="category"]').selectOption("maatje");
  await dialog.locator('[name="area"]').fill("Angelslo");
  await dialog.locator('button[type="submit"]').click();
  await expect(dialog.getByRole("alert")).toContainText("De server gaf geen antwoord");
  expect(killed).toBe(true);
  // The board is still there, with the form as it was typed.
  await expect(page.getByText("Er ging iets mis")).toHaveCount(0);
  await expect(page.getByTestId("board")).toBeVisible();
  await expect(page.getByTestId("connection-status")).not.toHaveAttribute("data-state", "connected");
  await expect(dialog.locator('[name="title"]')).toHaveValue(title);
  await expect(dialog.locator('[name="area"]')).toHaveValue("Angelslo");

  // Back online, the same form sent again is saved and shows on the board.
  await server.start();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected", { timeout: 20_000 });
  await dialog.locator('button[type="submit"]').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("board").getByText(title)).toHaveCount(1);
});

test("a new request saved but its answer lost (the connection cut after the commit): sent again, it is on the board once", async ({ page }) => {
  await login(page, server.url, "coa@ave.example");
  await openDemoBoard(page);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
  // The first POST reaches the server and is stored; its answer never reaches the page (a server killed
  // after its commit, a failover, a phone's network dropping), which sees a failed fetch.
  const keys: string[] = [];
  let cut = false;
  await page.route(
    (url) => url.searchParams.get("_data") === "routes/boards.$boardId",
    async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      keys.push(new URLSearchParams(route.request().postData() ?? "").get("idempotencyKey") ?? "");
      if (cut) return route.fallback();
      cut = true;
      const answered = await route.fetch();
      expect(answered.status()).toBe(200);
      await route.abort("connectionreset");
    },
  );
  const title = `Hulp bij inburgeringsexamen ${Date.now()}`;
  await page.getByTestId("new-request").click();
  const dialog = page.getByRole("dialog");
  await dialog.locator('[name="title"]').fill(title);
  await dialog.locator('[name="category"]').selectOption("taal");
  await dialog.locator('button[type="submit"]').click();
  await expect(dialog.getByRole("alert")).toContainText("De server gaf geen antwoord");
  await expect(dialog.getByRole("alert")).toContainText("geen tweede keer");
  // It was stored: the board shows it live, while the form still says it may not have been.
  await expect(page.getByTestId("board").getByText(title)).toHaveCount(1);
  // Changed, then sent: the form says the earlier text was saved, and nothing more is made; its toast replaces the first.
  await dialog.locator('[name="title"]').fill(`${title} (aangepast)`);
  await dialog.locator('button[type="submit"]').click();
  await expect(dialog.getByRole("alert")).toContainText("bij de eerdere poging al opgeslagen");
  await expect(page.getByTestId("toast")).toHaveCount(1);
  await expect(page.getByTestId("board").getByText(`${title} (aangepast)`)).toHaveCount(0);
  // As first typed, sent again: the request that was made, and the dialog closes.
  await dialog.locator('[name="title"]').fill(title);
  await dialog.locator('button[type="submit"]').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("board").getByText(title, { exact: true })).toHaveCount(1);
  // Every send carried the form's one key; after a reload the board still has the request once.
  expect(keys).toHaveLength(3);
  expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
  expect(new Set(keys).size).toBe(1);
  await page.reload();
  await expect(page.getByTestId("board").getByText(title, { exact: true })).toHaveCount(1);
  // A next request gets a key of its own.
  await page.getByTestId("new-request").click();
  const next = page.getByRole("dialog");
  expect(await next.locator('[name="idempotencyKey"]').inputValue()).not.toBe(keys[0]);
});

test("behind a proxy, a new request answered by the proxy's 502 (the server restarting) says so and keeps the board", async ({ page }) => {
  await login(page, server.url, "maatjes@ave.example");
  await openDemoBoard(page);
  // What nginx or Caddy answers while no app server is up: an error page without any of Remix's headers.
  await page.route(
    (url) => url.searchParams.get("_data") === "routes/boards.$boardId",
    (route) => (route.request().method() === "POST" ? route.fulfill({ status: 502, contentType: "text/html", body: "<html><body>502 Bad Gateway</body></html>" }) : route.fallback()),
  );
  await page.getByTestId("new-request").click();
  const dialog = page.getByRole("dialog");
  await dialog.locator('[name="title"]').fill("Huiswerkbegeleiding gezocht");
  await dialog.locator('[name="category"]').selectOption("taal");
  await dialog.locator('button[type="submit"]').click();
  await expect(dialog.getByRole("alert")).toContainText("De server gaf geen antwoord");
  await expect(page.getByText("Er ging iets mis")).toHaveCount(0);
  await expect(page.getByTestId("board")).toBeVisible();
  await expect(dialog.locator('[name="title"]')).toHaveValue("Huiswerkbegeleiding gezocht");
});

test("a form with a too short title explains what is wrong and keeps the input", async ({ page }) => {
  await login(page, server.url, "vluchtelingenwerk@ave.example");
  await openDemoBoard(page);
  await page.getByTestId("new-request").click();
  const dialog = page.getByRole("dialog");
  await dialog.locator('[name="title"]').fill("Ja");
  await dialog.locator('[name="area"]').fill("Angelslo");
  await dialog.locator('button[type="submit"]').click();
  await expect(dialog.locator('[name="title"]')).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByText("Dit is te kort.")).toBeVisible();
  await expect(dialog.locator('[name="area"]')).toHaveValue("Angelslo");
});

test("a move made while the server is down is kept and reaches the other browser after reconnecting", async ({
  browser,
}) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "coa@ave.example", "maatjes@ave.example");

  await server.stop("SIGKILL");
  await expect(a.getByTestId("connection-status")).not.toHaveAttribute("data-state", "connected");

  // A request COA entered: a member moves only what their organisation entered or holds.
  const kcard = column(a, "nieuw").locator("[data-card-id]", { has: a.locator(".card-org", { hasText: "COA" }) }).first();
  const id = (await kcard.getAttribute("data-card-id"))!;
  await keyboardMoveRight(a, kcard);
  await expect(cardIn(a, "open", id)).toBeVisible();
  // Reloading while offline still shows the move: it is kept in the browser (IndexedDB).
  await server.start();
  await expect(a.getByTestId("connection-status")).toHaveAttribute("data-state", "connected", { timeout: 20_000 });
  await expect(cardIn(b, "open", id)).toBeVisible({ timeout: 20_000 });

  await a.context().close();
  await b.context().close();
});
