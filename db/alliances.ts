/**
 * Alliances as a whole: the list the command line prints, the demo alliance,
 * and erasing one alliance with everything of it. On the asynchronous layer
 * (SQLite and PostgreSQL, docs/decisions/001-async-database-layer.md).
 */
import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import type { AsyncDb } from "./client";
import { count, first, rawRows, rawRun, textContains } from "./dialect";
import { appTables } from "./migrate-to-postgres";

export interface AllianceSummary {
  id: string;
  name: string;
  slug: string;
  demo: boolean;
  organisations: number;
  people: number;
  boards: number;
  createdAt: number;
}

/** Every alliance with its counts (people: accounts that are not disabled), oldest first. */
export async function listAllianceSummaries(h: AsyncDb): Promise<AllianceSummary[]> {
  const { alliances } = h.t;
  return h.q
    .select({
      id: alliances.id,
      name: alliances.name,
      slug: alliances.slug,
      demo: alliances.demo,
      organisations: sql<number>`(select count(*) from organisations o where o.alliance_id = "alliances"."id")`.mapWith(Number),
      people: sql<number>`(select count(*) from users u join organisations o on o.id = u.organisation_id where o.alliance_id = "alliances"."id" and u.disabled_at is null)`.mapWith(
        Number,
      ),
      boards: sql<number>`(select count(*) from boards b where b.alliance_id = "alliances"."id")`.mapWith(Number),
      createdAt: alliances.createdAt,
    })
    .from(alliances)
    .orderBy(asc(alliances.createdAt), asc(alliances.name));
}

/** An alliance whose name (case-insensitive) or slug is taken already, or null. */
export async function findAllianceByNameOrSlug(h: AsyncDb, name: string, slug: string): Promise<{ id: string; name: string; slug: string } | null> {
  const { alliances } = h.t;
  return (
    (await first(
      h.q
        .select({ id: alliances.id, name: alliances.name, slug: alliances.slug })
        .from(alliances)
        .where(sql`lower(${alliances.name}) = lower(${name}) or ${alliances.slug} = ${slug}`),
    )) ?? null
  );
}

export async function demoAlliance(h: AsyncDb): Promise<{ id: string; name: string; slug: string } | null> {
  const { alliances } = h.t;
  return (await first(h.q.select({ id: alliances.id, name: alliances.name, slug: alliances.slug }).from(alliances).where(eq(alliances.demo, true)))) ?? null;
}

/** The ids that belong to an alliance: itself, its organisations, people, boards and requests. */
export async function allianceIds(h: AsyncDb, allianceId: string) {
  const { organisations, users, boards, requests } = h.t;
  const orgIds = (await h.q.select({ id: organisations.id }).from(organisations).where(eq(organisations.allianceId, allianceId))).map((r) => r.id);
  const people = await h.q
    .select({ id: users.id, email: users.email })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(eq(organisations.allianceId, allianceId));
  const boardIds = (await h.q.select({ id: boards.id }).from(boards).where(eq(boards.allianceId, allianceId))).map((r) => r.id);
  const requestIds = (
    await h.q
      .select({ id: requests.id })
      .from(requests)
      .innerJoin(boards, and(eq(boards.id, requests.boardId), eq(boards.allianceId, allianceId)))
  ).map((r) => r.id);
  return {
    alliances: [allianceId],
    organisations: orgIds,
    users: people.map((p) => p.id),
    emails: people.map((p) => p.email),
    boards: boardIds,
    requests: requestIds,
  };
}

/** The owned ids in the transaction's temporary table, this many rows per INSERT. */
const ID_ROWS_PER_INSERT = 400;

/**
 * Erase an alliance and everything of it, in one transaction, on both
 * engines: every row of every table that points at one of its alliance,
 * organisations, people, boards or requests through a foreign key (whatever
 * that key's ON DELETE says, so tables added later are covered too), the
 * rows of those five tables themselves, and rows of any table whose text
 * (on PostgreSQL: text and jsonb) still names one of its ids or people's
 * addresses (a queued mail, say). What refers to a deleted row in turn goes
 * by its own foreign key's ON DELETE (cascade, set null). Returns the rows
 * that left each table (cascades included: counted before and after).
 *
 * The tables and their foreign keys are read from db/schema.ts (the same on
 * both engines: schema.pg.ts is generated from it), and deleted children
 * first (PostgreSQL checks each reference at once). On PostgreSQL the
 * transaction is `serializable`: the ids read first stay the alliance's
 * (a row added meanwhile that refers to them makes it retry); on SQLite it
 * holds the only write lock (and the demo command the file to itself).
 */
export async function eraseAlliance(h: AsyncDb, allianceId: string): Promise<Record<string, number>> {
  const tables = appTables();
  return h.transaction(
    async (tx) => {
      const ids = await allianceIds(tx, allianceId);
      const owned: Record<string, string[]> = {
        alliances: ids.alliances,
        organisations: ids.organisations,
        users: ids.users,
        boards: ids.boards,
        requests: ids.requests,
      };
      const rows = async () => {
        const n = new Map<string, number>();
        for (const t of tables) n.set(t.name, Number((await rawRows(tx, sql`select count(*) as n from ${sql.identifier(t.name)}`))[0].n));
        return n;
      };
      const before = await rows();
      // PostgreSQL: dropped at commit (and with a rollback before a retry); SQLite: emptied before and after.
      await rawRun(
        tx,
        tx.dialect === "postgres"
          ? sql`create temp table if not exists erase_ids (kind text not null, id text not null) on commit drop`
          : sql`create temp table if not exists erase_ids (kind text not null, id text not null)`,
      );
      await rawRun(tx, sql`delete from erase_ids`);
      const put = [...Object.entries(owned).flatMap(([kind, list]) => list.map((id) => [kind, id])), ...ids.emails.map((e) => ["email", e])];
      for (let i = 0; i < put.length; i += ID_ROWS_PER_INSERT) {
        const chunk = put.slice(i, i + ID_ROWS_PER_INSERT).map(([kind, id]) => sql`(${kind}, ${id})`);
        await rawRun(tx, sql`insert into erase_ids (kind, id) values ${sql.join(chunk, sql`, `)}`);
      }
      const table = (name: string) => sql.identifier(name);
      // Children before their parents.
      for (const t of [...tables].reverse()) {
        for (const fk of getTableConfig(t.sqlite).foreignKeys) {
          const ref = fk.reference();
          const target = getTableConfig(ref.foreignTable).name;
          if (!(target in owned)) continue;
          for (const column of ref.columns) {
            await rawRun(tx, sql`delete from ${table(t.name)} where ${sql.identifier(column.name)} in (select id from erase_ids where kind = ${target})`);
          }
        }
        if (t.name in owned) await rawRun(tx, sql`delete from ${table(t.name)} where id in (select id from erase_ids where kind = ${t.name})`);
      }
      // Text that names the alliance's ids or addresses without a foreign key.
      for (const t of tables) {
        for (const c of Object.values(getTableColumns(t.sqlite))) {
          if (c.getSQLType() !== "text") continue;
          const col = sql`${table(t.name)}.${sql.identifier(c.name)}`;
          const asText = tx.dialect === "postgres" ? sql`${col}::text` : col;
          await rawRun(
            tx,
            sql`delete from ${table(t.name)} where exists (select 1 from erase_ids e where
              (e.kind = 'email' and lower(${asText}) = e.id) or (e.kind <> 'email' and ${textContains(tx, col, sql`e.id`)}))`,
          );
        }
      }
      await rawRun(tx, sql`delete from erase_ids`);
      const deleted: Record<string, number> = {};
      for (const [name, n] of await rows()) if (before.get(name)! > n) deleted[name] = before.get(name)! - n;
      return deleted;
    },
    { isolation: "serializable" },
  );
}

// ------------------------------------------------------------- facts about the installation

export async function installationFact(h: AsyncDb, key: string): Promise<string | null> {
  const { installation } = h.t;
  return (await first(h.q.select({ value: installation.value }).from(installation).where(eq(installation.key, key))))?.value ?? null;
}

export async function setInstallationFact(h: AsyncDb, key: string, value: string): Promise<void> {
  const { installation } = h.t;
  await h.q.insert(installation).values({ key, value }).onConflictDoUpdate({ target: installation.key, set: { value } });
}

export async function countAlliances(h: AsyncDb): Promise<number> {
  return (await first(h.q.select({ n: count() }).from(h.t.alliances)))?.n ?? 0;
}
