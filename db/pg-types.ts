/** PostgreSQL column types Drizzle's pg-core (0.45) lacks; used by the generated db/schema.pg.ts. */
import { customType } from "drizzle-orm/pg-core";

/** bytea as a Buffer, as SQLite's `blob({ mode: "buffer" })` reads and writes (node-postgres returns Buffers for bytea). */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});
