/**
 * Benchmark: the daily digest for 100 organisations.
 *
 *   npm run bench -- --only digest
 *
 * Builds a temporary SQLite file: one alliance of 100 organisations with 3
 * people each (2 members and a coordinator: all of them hear of it) and 1 to
 * 3 of the 4 default categories offered per organisation; two boards with
 * 4,000 requests over the past half year and 600 new ones created
 * "yesterday", of which a third were claimed since (held requests are left
 * out). Then runs sendDigests (app/services/notifications.server.ts) in the
 * real server's services (server/app.ts, in this process) with mail on: the
 * mails are queued in SQLite (the worker is not started, so the SMTP side is
 * not measured). Prints the time of the first run (the boards' documents are
 * loaded then), of a second run the same day (nothing new: keys), and what
 * was queued. No assertions.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { asyncOf, openDatabase } from "../../db/client";
import { mailCounts } from "../../db/mail";
import { replaceOffers } from "../../db/offers";
import { claimRequestNow } from "../../db/ownership";
import { DEFAULT_CATEGORIES } from "../../app/board/domain";
import { parseEnv } from "../../app/services/env.server";
import { createMailQueue } from "../../app/services/mail-queue.server";
import { sendDigests, utcDate } from "../../app/services/notifications.server";
import { createAppServer } from "../../server/app";
import { makeAlliance, makeBoard, makeOrganisation, makeUser, type SeedCard } from "../factories";
import { seededRandom } from "../factories/random";

const DAY = 86_400_000;
const ORGS = 100;
const PEOPLE_PER_ORG = 3;
const OLD_REQUESTS = 4_000;
const NEW_REQUESTS = 600;

export async function benchDigest(): Promise<{ organisations: number; people: number; newRequests: number; firstMs: number; secondMs: number; mailsQueued: number; peopleTold: number; longestPauseMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-bench-digest-"));
  const url = `file:${path.join(dir, "bench.sqlite")}`;
  const database = openDatabase(url, { migrate: true });
  const db = database.db;
  database.sqlite.pragma("synchronous = OFF");
  const rnd = seededRandom(20261202);
  const categories = DEFAULT_CATEGORIES.map((c) => c.id);
  // "Today" 09:00 UTC; yesterday's requests are what the digest is about.
  const today = Date.parse(`${utcDate(Date.now())}T09:00:00Z`);
  const yesterday = today - DAY;

  const built = performance.now();
  const alliance = await makeAlliance(db, { name: "Bench Digest" });
  const orgs: Awaited<ReturnType<typeof makeOrganisation>>[] = [];
  for (let i = 0; i < ORGS; i++) orgs.push(await makeOrganisation(db, { allianceId: alliance.id, name: `Organisatie ${i + 1}`, shortName: `Org ${i + 1}` }));
  for (const [i, o] of orgs.entries()) {
    for (let p = 0; p < PEOPLE_PER_ORG; p++) {
      await makeUser(db, { organisationId: o.id, email: `p${p}.org${i}@bench.test`, name: `Persoon ${p} ${i}`, role: p === 0 ? "coordinator" : "member" });
    }
    const offered = categories.filter(() => rnd() < 0.5);
    const list = (offered.length ? offered : [categories[i % categories.length]]).map((category, k) => ({ id: `${o.id}-${k}`, category, label: `Aanbod ${category}`, capacity: 1 + Math.floor(rnd() * 10), area: "" }));
    await replaceOffers(asyncOf(db), o.id, list, today);
  }
  const card = (createdAt: number): SeedCard => ({
    title: `Hulpvraag ${Math.floor(rnd() * 1e6)}`,
    category: categories[Math.floor(rnd() * categories.length)],
    description: "",
    area: "",
    urgency: "normaal",
    createdByOrg: orgs[Math.floor(rnd() * orgs.length)].id,
    column: rnd() < 0.5 ? "nieuw" : "open",
    createdAt,
  });
  const boards = [];
  for (const b of [0, 1]) {
    boards.push(
      await makeBoard(db, {
      allianceId: alliance.id,
      name: `Bord ${b + 1}`,
      cards: [
        ...Array.from({ length: OLD_REQUESTS / 2 }, () => card(today - 2 * DAY - Math.floor(rnd() * 180 * DAY))),
        ...Array.from({ length: NEW_REQUESTS / 2 }, () => card(yesterday + Math.floor(rnd() * (DAY - 1)))),
      ],
    }),
    );
  }
  // A third of yesterday's requests were claimed since: not in the digest.
  for (const b of boards) {
    for (const id of b.cardIds.slice(OLD_REQUESTS / 2)) {
      if (rnd() < 1 / 3) claimRequestNow(db, id, orgs[0].id, today, { boardId: b.id, requestId: id, userId: null, orgId: orgs[0].id });
    }
  }
  const buildSeconds = (performance.now() - built) / 1000;
  database.sqlite.pragma("synchronous = FULL");

  const env = parseEnv({ LOG_LEVEL: "silent", DATABASE_URL: url, HOST: "127.0.0.1", NODE_ENV: "production", PUBLIC_URL: "https://bord.example.org" });
  const server = createAppServer({ env, database });
  // Mail on, without a worker: what is measured is deciding and queueing.
  server.services.mail = createMailQueue({ h: asyncOf(db), env: { SMTP_URL: "smtp://127.0.0.1:9", MAIL_FROM: "bord@example.org" }, now: server.services.now });
  try {
    let t = performance.now();
    // The longest the event loop was held at once while it ran.
    let longest = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const at = performance.now();
      longest = Math.max(longest, at - last);
      last = at;
    }, 1);
    const first = await sendDigests(server.services, today);
    clearInterval(probe);
    const firstMs = performance.now() - t;
    t = performance.now();
    const second = await sendDigests(server.services, today + 3600_000);
    const secondMs = performance.now() - t;
    const queued = (await mailCounts(asyncOf(db))).pending;
    const out = {
      organisations: ORGS,
      people: ORGS * PEOPLE_PER_ORG,
      newRequests: NEW_REQUESTS,
      firstMs: Math.round(firstMs),
      secondMs: Math.round(secondMs),
      mailsQueued: queued,
      peopleTold: first.people,
      longestPauseMs: Math.round(longest),
    };
    console.log(`fixture built in ${buildSeconds.toFixed(1)} s: ${ORGS} organisations, ${ORGS * PEOPLE_PER_ORG} people, ${OLD_REQUESTS + NEW_REQUESTS} requests (${NEW_REQUESTS} yesterday)`);
    console.log(`first digest run:  ${out.firstMs} ms, ${first.people} people told, ${first.mails} mails queued (${(firstMs / Math.max(1, first.mails)).toFixed(2)} ms per mail); the event loop held at most ${Math.round(longest)} ms at once`);
    console.log(`second run, same day: ${out.secondMs} ms, ${second.people} told, ${second.mails} queued (each key once)`);
    console.log(`mail_outbox pending: ${queued}`);
    return out;
  } finally {
    await server.close();
    database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchDigest();
  process.exit(0);
}
