/**
 * Columns and categories belong to coordinators: a member's client that adds
 * or renames a column through raw Yjs is closed (4403) and the board is unchanged;
 * a coordinator's change goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addColumn, listColumns, renameColumn } from "../../app/board/domain";
import { startTestServer, waitFor, type TestServer } from "./harness";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const serverColumns = () => t.services.rooms.withDoc(t.seed.boardA.id, (doc) => listColumns(doc).map((c) => `${c.id}:${c.name}`));

describe("columns are the coordinator's", () => {
  it("refuses a member's rename and new column, and keeps the board as it was", async () => {
    const before = await serverColumns();
    const rename = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA1 });
    renameColumn(rename.doc, "open", "Gekaapt");
    await waitFor(() => rename.closeCodes.includes(4403), { message: "member closed after a rename" });
    rename.destroy();
    const add = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA2 });
    addColumn(add.doc, { id: "eigen", name: "Eigen kolom" });
    await waitFor(() => add.closeCodes.includes(4403), { message: "member closed after adding a column" });
    add.destroy();
    expect(await serverColumns()).toEqual(before);
  });

  it("lets a coordinator rename a column, seen by a member", async () => {
    const member = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA1 });
    const coordinator = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.coordinatorA });
    renameColumn(coordinator.doc, "open", "Open vragen");
    await waitFor(() => listColumns(member.doc).some((c) => c.name === "Open vragen"), { message: "member sees the rename" });
    expect(coordinator.closeCodes).toEqual([]);
    expect(await serverColumns()).toContain("open:Open vragen");
    member.destroy();
    coordinator.destroy();
  });
});
