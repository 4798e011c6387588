/**
 * Cards that arrived by someone else's move behave like any other card.
 *
 * A move from another browser re-renders only the cards that changed: the
 * columns' drag-and-drop item lists are brought up to date when a drag
 * starts, not at every remote move. These tests move cards in one browser and
 * then drag exactly those cards, with the keyboard, in the other.
 */
import { expect, test, type Locator } from "@playwright/test";
import { cardIn, column, keyboardMove, keyboardMoveRight, twoOnDemoBoard, firstCardOf, serverForFile } from "./helpers";

const server = serverForFile();

function ids(col: Locator): Promise<string[]> {
  return col.locator("[data-card-id]").evaluateAll((els) => els.map((el) => el.getAttribute("data-card-id")!));
}

test("a card moved by someone else can be picked up and moved down its new column, then to the next column", async ({
  browser,
}) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "taalhuis@ave.example");

  // A moves a card from Nieuw to Open; B sees it arrive. One Taalhuis entered: members move only their own requests.
  const card = firstCardOf(a, "nieuw", "Taalhuis");
  const id = (await card.getAttribute("data-card-id"))!;
  await keyboardMoveRight(a, card);
  await expect(cardIn(a, "open", id)).toBeVisible();
  await expect(cardIn(b, "open", id)).toBeVisible();
  await expect(cardIn(b, "nieuw", id)).toHaveCount(0);

  // B takes that card one place down within Open.
  const before = await ids(column(b, "open"));
  const at = before.indexOf(id);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(at).toBeLessThan(before.length - 1);
  await keyboardMove(b, cardIn(b, "open", id), "ArrowDown");
  const expected = [...before];
  [expected[at], expected[at + 1]] = [expected[at + 1], expected[at]];
  await expect.poll(() => ids(column(b, "open"))).toEqual(expected);
  await expect.poll(() => ids(column(a, "open"))).toEqual(expected);

  // And on to the next column, in both browsers.
  await keyboardMoveRight(b, cardIn(b, "open", id));
  await expect(cardIn(b, "opgepakt", id)).toBeVisible();
  await expect(cardIn(a, "opgepakt", id)).toBeVisible();
  await expect(cardIn(a, "open", id)).toHaveCount(0);

  await a.context().close();
  await b.context().close();
});

test("after several moves by someone else, a mouse drag of one of those cards lands where it is dropped", async ({ browser }) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "vrijwilligerscentrum@ave.example");

  // A moves three cards from Nieuw to Open, one after the other: ones B's organisation entered (members move only their own).
  const moved: string[] = [];
  for (let i = 0; i < 3; i++) {
    const card = firstCardOf(a, "nieuw", "Vrijwilligerscentrum");
    const id = (await card.getAttribute("data-card-id"))!;
    await keyboardMoveRight(a, card);
    await expect(cardIn(b, "open", id)).toBeVisible();
    moved.push(id);
  }
  await expect.poll(async () => (await ids(column(b, "open"))).join()).toBe((await ids(column(a, "open"))).join());

  // B drags one of them, one that is not first, with the mouse onto the card above it. The dragged card is
  // scrolled to the middle of the window first: both cards in view (a card below the window's edge took no
  // press at all, and the drag never began: CI, 2026-12-06), and far from the edges (no auto-scroll while dragging).
  const open = await ids(column(b, "open"));
  const dragged = moved.find((id) => open.indexOf(id) > 0)!;
  const from = open.indexOf(dragged);
  expect(from).toBeGreaterThan(0);
  await cardIn(b, "open", dragged).evaluate((el) => el.scrollIntoView({ block: "center" }));
  const start = (await cardIn(b, "open", dragged).boundingBox())!;
  const onto = (await cardIn(b, "open", open[from - 1]).boundingBox())!;
  const height = b.viewportSize()!.height;
  for (const box of [start, onto]) {
    expect(box.y).toBeGreaterThan(0);
    expect(box.y + box.height).toBeLessThan(height);
  }
  await b.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
  await b.mouse.down();
  await b.mouse.move(start.x + start.width / 2 + 4, start.y + start.height / 2 - 12, { steps: 4 });
  await b.mouse.move(onto.x + onto.width / 2, onto.y + onto.height / 2, { steps: 20 });
  await b.waitForTimeout(150);
  await b.mouse.up();
  const expected = [...open];
  [expected[from - 1], expected[from]] = [expected[from], expected[from - 1]];
  await expect.poll(() => ids(column(b, "open"))).toEqual(expected);
  await expect.poll(() => ids(column(a, "open"))).toEqual(expected);

  await a.context().close();
  await b.context().close();
});
