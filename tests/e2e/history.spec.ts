/**
 * The board as it was (/boards/<id>/verleden) against the real server: two
 * stored moments with a card moved between them, after the demo's own (its
 * last meeting's start and end, the board as seeded); the slider, moved with the
 * keyboard, shows the card where it was; the changes between the moments in
 * words; no Yjs connection and no board joined over socket.io; axe clean; a coordinator stores a
 * moment from the page. At 1440×900 and 390×844, with screenshots written
 * to tests/e2e/screenshots/ (ignored by git).
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { column, login, noSidewaysScroll, openDemoBoard, seriousViolations, SIZES, openFromMoreMenu, serverForFile, SCREENSHOTS } from "./helpers";

let boardId = "";
let cardId = "";
let first = "";
let second = "";
let oldest = "";
let count = 0;

const server = serverForFile();
test.beforeAll(async ({ browser }) => {
  // Two moments through the API as the coordinator, one card moved from "nieuw" to "open" between them.
  const page = await (await browser.newContext()).newPage();
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  boardId = new URL(page.url()).pathname.split("/")[2];
  cardId = (await column(page, "nieuw").locator("[data-card-id]").first().getAttribute("data-card-id"))!;
  const post = () => page.request.post(`${server.url}/api/boards/${boardId}/snapshots`, { headers: { Origin: server.url }, data: {} });
  const a = await post();
  expect(a.status()).toBe(201);
  first = (await a.json()).id;
  const moved = await page.request.patch(`${server.url}/api/boards/${boardId}/requests/${cardId}`, { headers: { Origin: server.url }, data: { column: "open" } });
  expect(moved.status()).toBe(200);
  const b = await post();
  expect(b.status()).toBe(201);
  second = (await b.json()).id;
  // The demo's own moments come before them (its last meeting's start and end, the board as seeded).
  const list = await page.request.get(`${server.url}/api/boards/${boardId}/snapshots`);
  const moments = (await list.json()) as Array<{ id: string; reason: string }>;
  expect(moments.slice(-2).map((m) => m.id)).toEqual([first, second]);
  expect(moments[0].reason).toBe("meeting_start");
  oldest = moments[0].id;
  count = moments.length;
  await page.context().close();
});


for (const size of SIZES) {
  test.describe(size.name, () => {
    test.use({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch });

    test(`the slider, moved with the keyboard, shows the card where it was (${size.viewport.width}×${size.viewport.height})`, async ({ page }) => {
      await login(page, server.url, "vluchtelingenwerk@ave.example");
      // The top bar's notification bell has its own socket.io connection on every page; the past view adds none:
      // no Yjs socket, and nothing sent over socket.io about a board (no board:join, no board id).
      const sockets: string[] = [];
      const sent: string[] = [];
      page.on("websocket", (ws) => {
        sockets.push(ws.url());
        ws.on("framesent", (f) => sent.push(String(f.payload)));
      });
      await page.goto(`${server.url}/boards/${boardId}/verleden`);

      // The latest moment: the banner, read only, the card in "open".
      const banner = page.getByTestId("history-banner");
      await expect(banner).toContainText("Zo zag het bord eruit op");
      await expect(banner).toContainText("alleen lezen");
      await expect(banner.getByRole("link", { name: "Terug naar het live bord" })).toHaveAttribute("href", `/boards/${boardId}`);
      await expect(page.getByTestId("history-column-open").getByTestId(`history-card-${cardId}`)).toBeVisible();
      await expect(page.getByTestId("history-column-nieuw").getByTestId(`history-card-${cardId}`)).toHaveCount(0);
      await expect(page.getByTestId("history-changes")).toContainText("verplaatste");
      // A member has nothing to press: no "take a moment", no form at all in the page.
      await expect(page.getByTestId("history-take")).toHaveCount(0);
      await expect(page.locator("main form")).toHaveCount(0);
      expect(await seriousViolations(page)).toEqual([]);
      await noSidewaysScroll(page);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-history.png`), fullPage: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${size.name}-history-top.png`) });

      // The keyboard moves the slider one moment back: the URL names it, the card is where it was then.
      const slider = page.getByLabel("Kies een moment");
      await expect(slider).toHaveAttribute("type", "range");
      await slider.focus();
      await page.keyboard.press("ArrowLeft");
      await expect(page).toHaveURL(new RegExp(`[?&]moment=${first}`));
      await expect(page.getByTestId("history-column-nieuw").getByTestId(`history-card-${cardId}`)).toBeVisible();
      await expect(page.getByTestId("history-column-open").getByTestId(`history-card-${cardId}`)).toHaveCount(0);
      await expect(page.getByTestId("history-chosen")).toContainText(`Moment ${count - 1} van ${count}`);
      await expect(slider).toBeFocused();
      // Nothing happened between the demo's seeded moment and the first one taken here.
      await expect(page.getByTestId("history-changes")).toContainText("Tussen deze twee momenten is niets vastgelegd");
      // And forward again with the "next" link.
      await page.getByTestId("history-next").click();
      await expect(page).toHaveURL(new RegExp(`[?&]moment=${second}`));
      await expect(page.getByTestId("history-column-open").getByTestId(`history-card-${cardId}`)).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);

      // A shared link opens that moment.
      await page.goto(`${server.url}/boards/${boardId}/verleden?moment=${first}`);
      await expect(page.getByTestId("history-column-nieuw").getByTestId(`history-card-${cardId}`)).toBeVisible();
      // The oldest moment (the start of the demo's last meeting) has none before it.
      await page.goto(`${server.url}/boards/${boardId}/verleden?moment=${oldest}`);
      await expect(page.getByTestId("history-chosen")).toContainText(`Moment 1 van ${count}`);
      await expect(page.getByTestId("history-changes")).toContainText("Dit is het eerste vastgelegde moment");
      expect(sockets.filter((u) => u.includes("/yjs/")), "the past view opens no Yjs connection").toEqual([]);
      expect(sent.filter((f) => f.includes("board:") || f.includes(boardId)), "nor joins the board over socket.io").toEqual([]);
    });
  });
}

test("from the board's toolbar to the past, and a coordinator stores a moment there", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  await openFromMoreMenu(page, "history-link");
  await expect(page).toHaveURL(new RegExp(`/boards/${boardId}/verleden$`));
  await expect(page.getByTestId("history-chosen")).toContainText(`Moment ${count} van ${count}`);
  await page.getByTestId("history-take").click();
  await expect(page).toHaveURL(/\?moment=/);
  await expect(page.getByTestId("history-chosen")).toContainText(`Moment ${count + 1} van ${count + 1}`);
  await expect(page.getByTestId("toast").getByText("Moment vastgelegd.")).toBeVisible();
  await expect(page.getByTestId("history-changes")).toContainText("Tussen deze twee momenten is niets vastgelegd");
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByTestId("history-back").click();
  await expect(page.getByTestId("board")).toBeVisible();
});
