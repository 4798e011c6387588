/**
 * db/schema.pg.ts is generated from db/schema.ts (db/pg-schema-source.ts):
 * the committed file must be what the generator renders now, and every
 * PostgreSQL table must read and write exactly the row types of its SQLite
 * twin (checked by the type checker: `npx tsc` fails on a difference).
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { renderPgSchema } from "../../db/pg-schema-source";
import * as P from "../../db/schema.pg";
import * as S from "../../db/schema";

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type TableNames = { [K in keyof typeof P]: (typeof P)[K] extends { $inferSelect: unknown } ? K : never }[keyof typeof P];
type RowsAlike = {
  [K in TableNames]: K extends keyof typeof S
    ? (typeof S)[K] extends { $inferSelect: infer SS; $inferInsert: infer SI }
      ? Same<SS, (typeof P)[K]["$inferSelect"]> extends true
        ? Same<SI, (typeof P)[K]["$inferInsert"]>
        : false
      : false
    : false;
};
// Fails to compile when any table's select or insert row differs between the dialects.
const rowsAlike: { [K in TableNames]: true } = null as unknown as RowsAlike;
void rowsAlike;

describe("PostgreSQL schema generated from the SQLite one", () => {
  it("is committed as the generator renders it (run `npm run db:generate`)", () => {
    const committed = fs.readFileSync(new URL("../../db/schema.pg.ts", import.meta.url), "utf8");
    expect(committed).toBe(renderPgSchema());
  });

  it("has every SQLite table, under the same SQL name", () => {
    const names = (mod: object) =>
      Object.entries(mod)
        .filter(([, v]) => v && typeof v === "object" && "$inferSelect" in (v as object))
        .map(([k]) => k)
        .sort();
    expect(names(P)).toEqual(names(S));
  });
});
