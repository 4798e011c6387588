/**
 * The order db/migrate-to-postgres.ts copies tables in, read from the
 * schema: every table of db/schema.ts exactly once, each after every table
 * its foreign keys refer to (PostgreSQL checks each row as it arrives), and
 * the key columns its checksum reads.
 */
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { appTables } from "../../db/migrate-to-postgres";
import * as schema from "../../db/schema";

describe("appTables", () => {
  const tables = appTables();
  const sqliteTables = (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable => is(v, SQLiteTable));

  it("covers every table of db/schema.ts once", () => {
    expect(tables.map((t) => t.name).sort()).toEqual(sqliteTables.map((t) => getTableConfig(t).name).sort());
    expect(new Set(tables.map((t) => t.name)).size).toBe(tables.length);
  });

  it("puts every table after the tables it refers to", () => {
    const position = new Map(tables.map((t, i) => [t.name, i]));
    let references = 0;
    for (const t of tables) {
      for (const fk of getTableConfig(t.sqlite).foreignKeys) {
        const parent = getTableConfig(fk.reference().foreignTable as SQLiteTable).name;
        expect(position.get(parent)!, `${t.name} → ${parent}`).toBeLessThan(position.get(t.name)!);
        references++;
      }
    }
    expect(references).toBeGreaterThan(50);
  });

  it("identifies rows by the primary key, else a unique index", () => {
    const byName = new Map(tables.map((t) => [t.name, t]));
    expect(byName.get("audit_events")).toMatchObject({ keyColumns: ["id"], identity: "id" });
    expect(byName.get("team_organisations")).toMatchObject({ keyColumns: ["teamId", "organisationId"], identity: null });
    expect(byName.get("login_devices")?.keyColumns).toEqual(["tokenHash", "userId"]);
    expect(tables.filter((t) => t.identity).map((t) => t.name).sort()).toEqual(
      ["audit_events", "board_updates", "contact_views", "idempotency_keys", "job_places", "mail_outbox", "reference_checks"],
    );
  });
});
