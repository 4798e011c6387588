import { defineConfig } from "drizzle-kit";

/**
 * PostgreSQL's migrations, made from db/schema.pg.ts (generated from
 * db/schema.ts): `npm run db:generate` writes both dialects' migrations.
 */
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.pg.ts",
  out: "./db/migrations-pg",
  dbCredentials: { url: process.env.DATABASE_URL?.startsWith("postgres") ? process.env.DATABASE_URL : "postgres://localhost/alliantiebord" },
});
