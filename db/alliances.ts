/**
 * Alliances as a whole: the list the command line prints, the demo alliance,
 * and erasing one alliance with everything of it. On the asynchronous layer
 * (SQLite and PostgreSQL, docs/decisions/001-async-database-layer.md), but
 * for `eraseAlliance`: SQLite's own (it reads SQLite's catalog and runs in
 * the demo command, which holds the database file exclusively).
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { asyncOf, type AsyncDb, type DB } from "./client";
import { count, first } from "./dialect";

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

type Sqlite = DB["$client"];

function tableNames(sqlite: Sqlite): string[] {
  return (
    sqlite.prepare("select name from sqlite_schema where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as Array<{
      name: string;
    }>
  ).map((r) => r.name);
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Erase an alliance and everything of it, in one transaction: every row of
 * every table that points at one of its alliance, organisations, people,
 * boards or requests through a foreign key (whatever that key's ON DELETE
 * says, so tables added later are covered too), the rows of those five
 * tables themselves, and rows of any table whose text still names one of
 * its ids or people's addresses (a queued mail, say). Returns the rows
 * deleted per table. SQLite only: the demo command runs it with the file to
 * itself (an exclusive lock), so the ids read first stay the alliance's.
 */
export async function eraseAlliance(db: DB, allianceId: string): Promise<Record<string, number>> {
  const sqlite = db.$client;
  const ids = await allianceIds(asyncOf(db), allianceId);
  const deleted: Record<string, number> = {};
  const rows = () => new Map(tableNames(sqlite).map((t) => [t, (sqlite.prepare(`select count(*) as n from ${quote(t)}`).get() as { n: number }).n]));
  sqlite.transaction(() => {
    const before = rows();
    const owned: Record<string, string[]> = {
      alliances: ids.alliances,
      organisations: ids.organisations,
      users: ids.users,
      boards: ids.boards,
      requests: ids.requests,
    };
    sqlite.exec("create temp table if not exists erase_ids (kind text not null, id text not null)");
    sqlite.exec("delete from temp.erase_ids");
    const put = sqlite.prepare("insert into temp.erase_ids (kind, id) values (?, ?)");
    for (const [kind, list] of Object.entries(owned)) for (const id of list) put.run(kind, id);
    for (const e of ids.emails) put.run("email", e);
    // The order of deletes does not matter inside the transaction.
    sqlite.pragma("defer_foreign_keys = ON");
    const tables = tableNames(sqlite);
    for (const table of tables) {
      const fks = sqlite.prepare(`pragma foreign_key_list(${quote(table)})`).all() as Array<{ table: string; from: string }>;
      for (const fk of fks) {
        if (!(fk.table in owned)) continue;
        sqlite.prepare(`delete from ${quote(table)} where ${quote(fk.from)} in (select id from temp.erase_ids where kind = ?)`).run(fk.table);
      }
    }
    for (const table of Object.keys(owned)) {
      sqlite.prepare(`delete from ${quote(table)} where id in (select id from temp.erase_ids where kind = ?)`).run(table);
    }
    // Text that names the alliance's ids or addresses without a foreign key.
    for (const table of tables) {
      const cols = (sqlite.prepare(`pragma table_info(${quote(table)})`).all() as Array<{ name: string; type: string }>).filter((c) =>
        /^text$/i.test(c.type),
      );
      for (const c of cols) {
        sqlite
          .prepare(
            `delete from ${quote(table)} where exists (select 1 from temp.erase_ids e where
               (e.kind = 'email' and lower(${quote(table)}.${quote(c.name)}) = e.id) or
               (e.kind <> 'email' and instr(${quote(table)}.${quote(c.name)}, e.id) > 0))`,
          )
          .run();
      }
    }
    sqlite.exec("delete from temp.erase_ids");
    // Cascades are not in `changes`: what left each table, counted.
    for (const [table, n] of rows()) if (before.get(table)! > n) deleted[table] = before.get(table)! - n;
  })();
  return deleted;
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
