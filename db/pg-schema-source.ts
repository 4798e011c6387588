/**
 * Writes db/schema.pg.ts (the PostgreSQL tables) from db/schema.ts (the one
 * definition, SQLite's): `renderPgSchema()` reads the SQLite tables through
 * Drizzle's own table config and renders the same tables, columns, defaults,
 * foreign keys and indexes for PostgreSQL. Run by `npm run db:generate`;
 * tests/unit/pg-schema-source.test.ts fails when the committed file is not
 * what this renders, so the two cannot drift.
 *
 * Why generated, not a shared column-kit factory: Drizzle's column builders
 * carry their exact types per dialect (SQLiteText vs PgText, enum values,
 * $type, defaults), and a factory generic over the dialect loses them (a
 * `text()` of "some kit" has no exact builder type without higher-kinded
 * types). A generated file is plain Drizzle on both sides, so both keep
 * their exact types, and SQLite's file is the one you edit.
 *
 * The mapping (the one place it is written):
 * - text → text (with its enum); text json → jsonb, same `$type`;
 * - integer → bigint (mode number): SQLite's INTEGER is 64-bit, every
 *   ms timestamp needs it, and no count can overflow on one side only;
 * - integer boolean → boolean; blob → bytea (db/pg-types.ts);
 * - integer autoincrement primary key → bigint identity (by default, so a
 *   copy from SQLite keeps its ids);
 * - the ms "now" default → the same moment from clock_timestamp();
 * - unique columns, indexes (unique, partial: same WHERE) and foreign keys
 *   (same ON DELETE) as they are.
 */
import { getTableColumns, is, SQL, StringChunk, type Column } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";

/** SQLite's default for "now in ms" (db/schema.ts `now`) and its PostgreSQL twin. */
const SQLITE_NOW = "(cast(unixepoch('subsec') * 1000 as integer))";
const PG_NOW = "(floor(extract(epoch from clock_timestamp()) * 1000))::bigint";

function sqlText(value: unknown): string {
  if (!is(value, SQL)) throw new Error(`not an SQL fragment: ${String(value)}`);
  return value.queryChunks
    .map((chunk) => {
      if (is(chunk, StringChunk)) return chunk.value.join("");
      throw new Error("only plain SQL text can be carried to PostgreSQL (no parameters or columns in a default or WHERE)");
    })
    .join("");
}

const literal = (v: unknown) => JSON.stringify(v);

export function renderPgSchema(): string {
  // Sorted: module namespaces list their exports in different orders under tsx and vitest.
  const exported: Array<[string, unknown]> = Object.entries(schema).sort(([a], [b]) => (a < b ? -1 : 1));
  const tables = exported.filter((e): e is [string, SQLiteTable] => is(e[1], SQLiteTable));
  const tableVar = new Map(tables.map(([name, t]) => [t as object, name]));
  // Enum lists exported by schema.ts are referred to by name, so both files share them.
  const enumName = (values: readonly string[]) =>
    exported.find(([, v]) => Array.isArray(v) && v.length === values.length && v.every((x, i) => x === values[i]))?.[0];

  const pgImports = new Set<string>(["pgTable"]);
  let usesSql = false;
  let usesBytea = false;
  const out: string[] = [];

  for (const [name, table] of tables) {
    const config = getTableConfig(table);
    const keyOf = new Map<Column, string>(Object.entries(getTableColumns(table)).map(([k, c]) => [c, k]));
    const fkOf = new Map(
      config.foreignKeys.map((fk) => {
        const ref = fk.reference();
        if (ref.columns.length !== 1) throw new Error(`${config.name}: only single-column foreign keys are carried over`);
        return [ref.columns[0], { ref, onDelete: fk.onDelete }] as const;
      }),
    );

    const lines: string[] = [];
    for (const column of config.columns) {
      const key = keyOf.get(column)!;
      let def: string;
      switch (column.columnType) {
        case "SQLiteText": {
          const values = column.enumValues;
          const enumArg = values?.length ? `, { enum: ${enumName(values) ? `S.${enumName(values)}` : literal(values)} }` : "";
          def = `text(${literal(column.name)}${enumArg})`;
          pgImports.add("text");
          break;
        }
        case "SQLiteTextJson":
          def = `jsonb(${literal(column.name)}).$type<NonNullable<(typeof S.${name}.$inferSelect)[${literal(key)}]>>()`;
          pgImports.add("jsonb");
          break;
        case "SQLiteInteger":
          def = `bigint(${literal(column.name)}, { mode: "number" })`;
          pgImports.add("bigint");
          break;
        case "SQLiteBoolean":
          def = `boolean(${literal(column.name)})`;
          pgImports.add("boolean");
          break;
        case "SQLiteBlobBuffer":
          def = `bytea(${literal(column.name)})`;
          usesBytea = true;
          break;
        default:
          throw new Error(`${config.name}.${column.name}: no PostgreSQL mapping for ${column.columnType}`);
      }
      if (column.primary) {
        def += ".primaryKey()";
        if ((column as unknown as { autoIncrement?: boolean }).autoIncrement) def += ".generatedByDefaultAsIdentity()";
      }
      if (column.notNull && !column.primary) def += ".notNull()";
      if (column.hasDefault && column.default !== undefined) {
        if (is(column.default, SQL)) {
          const text = sqlText(column.default);
          if (text !== SQLITE_NOW) throw new Error(`${config.name}.${column.name}: unknown SQL default ${text}`);
          def += `.default(sql\`${PG_NOW}\`)`;
          usesSql = true;
        } else {
          def += `.default(${literal(column.default)})`;
        }
      }
      if (column.isUnique) def += ".unique()";
      const fk = fkOf.get(column);
      if (fk) {
        const target = tableVar.get(fk.ref.foreignTable);
        const targetKey = Object.entries(getTableColumns(fk.ref.foreignTable)).find(([, c]) => c === fk.ref.foreignColumns[0])?.[0];
        if (!target || !targetKey) throw new Error(`${config.name}.${column.name}: foreign key to a table outside schema.ts`);
        const opts = fk.onDelete && fk.onDelete !== "no action" ? `, { onDelete: ${literal(fk.onDelete)} }` : "";
        def += `.references(() => ${target}.${targetKey}${opts})`;
      }
      lines.push(`  ${key}: ${def},`);
    }
    if (config.primaryKeys.length || config.uniqueConstraints.length || config.checks.length) {
      throw new Error(`${config.name}: table-level primary keys, unique constraints and checks are not carried over yet`);
    }

    const indexes = config.indexes.map(({ config: ix }) => {
      const cols = ix.columns.map((c) => `t.${keyOf.get(c as Column)}`).join(", ");
      pgImports.add(ix.unique ? "uniqueIndex" : "index");
      let s = `${ix.unique ? "uniqueIndex" : "index"}(${literal(ix.name)}).on(${cols})`;
      if (ix.where) {
        s += `.where(sql\`${sqlText(ix.where)}\`)`;
        usesSql = true;
      }
      return `    ${s},`;
    });
    const extra = indexes.length ? `,\n  (t) => [\n${indexes.join("\n")}\n  ]` : "";
    out.push(`export const ${name} = pgTable(\n  ${literal(config.name)},\n  {\n${lines.map((l) => "  " + l).join("\n")}\n  }${extra},\n);\n`);
  }

  const header = [
    "/**",
    " * GENERATED from db/schema.ts by db/pg-schema-source.ts (`npm run db:generate`): do not edit.",
    " * The PostgreSQL tables, the same as SQLite's with PostgreSQL's types (see the mapping there).",
    " */",
    ...(usesSql ? ['import { sql } from "drizzle-orm";'] : []),
    `import { ${[...pgImports].sort().join(", ")} } from "drizzle-orm/pg-core";`,
    ...(usesBytea ? ['import { bytea } from "./pg-types";'] : []),
    'import type * as S from "./schema";',
    "",
  ];
  // Enum lists are values: import them as values when used.
  const body = out.join("\n");
  if (/\bS\.[A-Z_]+\b/.test(body)) header[header.length - 2] = 'import * as S from "./schema";';
  return header.join("\n") + "\n" + body;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const fs = await import("node:fs");
  const target = new URL("./schema.pg.ts", import.meta.url);
  fs.writeFileSync(target, renderPgSchema());
  console.log(`wrote ${target.pathname}`);
}
