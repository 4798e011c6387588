/**
 * A board with more cards in a column than the server renders: the server's
 * HTML carries the first cards of each column and says how many follow; in
 * the browser every card is there right after hydration.
 */
import { expect, test } from "@playwright/test";
import { column, login, openDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

const FIRST_PAINT_CARDS = 60; // app/components/board/Column.tsx

test("a column of 70+ cards: the server renders 60 and says how many follow; the browser shows them all", async ({ page }) => {
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  const boardId = new URL(page.url()).pathname.split("/")[2];
  for (let i = 0; i < 70; i++) {
    const res = await page.request.post(`${server.url}/api/boards/${boardId}/requests`, {
      headers: { Origin: server.url },
      data: { title: `Grote kolom ${i + 1}`, category: "werk", description: "", area: "Centrum", urgency: "normaal" },
    });
    expect(res.status()).toBe(201);
  }
  const nieuw = column(page, "nieuw");
  await expect(nieuw.locator("[data-card-id]", { hasText: "Grote kolom 70" })).toBeVisible();
  const total = await nieuw.locator("[data-card-id]").count();
  expect(total).toBeGreaterThanOrEqual(70);
  await expect(nieuw.locator(".column-count [aria-hidden]")).toHaveText(String(total));

  const html = await (await page.request.get(`${server.url}/boards/${boardId}`)).text();
  expect(html).toContain(`Nog ${total - FIRST_PAINT_CARDS} aanvragen worden geladen`);

  await page.reload();
  await expect(page.getByTestId("board")).toBeVisible();
  await expect(nieuw.locator("[data-card-id]")).toHaveCount(total);
  await expect(nieuw.locator(".card-more")).toHaveCount(0);
});
