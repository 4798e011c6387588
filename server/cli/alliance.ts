/**
 * `npm run alliance -- create --name "Laarne-Kalken" --coordinator-email a@b.nl --coordinator-name "Anna"`
 *   [--organisation "Vluchtelingenwerk Laarne-Kalken"] [--locale nl|en]
 * `npm run alliance -- list [--json]`
 *
 * Exit codes: 0 done, 1 refused (a name or slug that is taken) or failed
 * (the database unreachable: one line, no stack), 2 wrong or missing
 * arguments.
 */
import { parseArgs } from "node:util";
import { checkInvitation, issueInvitation, INVITATION_DAYS } from "../../app/services/invitations.server";
import { parseEnv } from "../../app/services/env.server";
import { createAlliance, createBoard, createOrganisation, FIRST_BOARD_NAME, SetupError } from "../../app/services/setup.server";
import { listAllianceSummaries } from "../../db/alliances";
import { openAppDatabase } from "../../db/client";
import { cliServices, fail, failUnexpectedly } from "./services";

failUnexpectedly(() => process.env.DATABASE_URL);

const USAGE = `Gebruik / usage:
  npm run alliance -- create --name "<alliantie>" --coordinator-email <e-mail> --coordinator-name "<naam>" [--organisation "<eerste organisatie>"] [--locale nl|en]
  npm run alliance -- list [--json]`;

function usage(message: string): never {
  fail(`${message}\n\n${USAGE}`, 2);
}

const [command, ...rest] = process.argv.slice(2);
if (!command || command === "--help" || command === "-h" || command === "help") {
  process.stdout.write(`${USAGE}\n`);
  process.exit(command ? 0 : 2);
}

let env;
try {
  env = parseEnv(process.env);
} catch (e) {
  fail((e as Error).message, 2);
}

if (command === "create") {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        name: { type: "string" },
        "coordinator-email": { type: "string" },
        "coordinator-name": { type: "string" },
        organisation: { type: "string" },
        locale: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (e) {
    usage((e as Error).message);
  }
  const missing = ["name", "coordinator-email", "coordinator-name"].filter((k) => !values[k]?.trim());
  if (missing.length) usage(`Ontbreekt / missing: ${missing.map((m) => `--${m}`).join(", ")}`);
  const locale = values.locale ?? "nl";
  if (locale !== "nl" && locale !== "en") usage(`--locale moet nl of en zijn / must be nl or en (kreeg / got "${locale}")`);

  const database = await openAppDatabase(env.DATABASE_URL, { migrate: true });
  const svc = cliServices(database, env);
  type Made = { alliance: { name: string; slug: string }; organisation: string; board: string; link: string; mailed: boolean; email: string; coordinator: string };
  let made: Made;
  try {
    // All or nothing: one transaction of the asynchronous layer; the mail queue writes through tx.
    made = await database.async.transaction(async (tx) => {
      const inTx = { ...svc, async: tx };
      const alliance = await createAlliance(tx, { name: values.name! });
      const org = await createOrganisation(tx, { allianceId: alliance.id, name: values.organisation?.trim() || alliance.name });
      const board = await createBoard(tx, { allianceId: alliance.id, name: FIRST_BOARD_NAME });
      const checked = await checkInvitation(
        inTx,
        alliance.id,
        { email: values["coordinator-email"], name: values["coordinator-name"], organisationId: org.id, role: "coordinator" },
        locale,
      );
      if (!checked.ok) {
        const [field, code] = Object.entries(checked.errors)[0] ?? ["", ""];
        throw new SetupError(field === "email" ? "coordinator-email" : field === "name" ? "coordinator-name" : field, code as SetupError["code"], "");
      }
      const inv = await issueInvitation(inTx, alliance.id, checked.value, null);
      return { alliance, organisation: org.name, board: board.name, link: inv.link, mailed: inv.mailed, email: checked.value.email, coordinator: checked.value.name };
    });
  } catch (e) {
    await database.close();
    if (!(e instanceof SetupError)) throw e;
    const opt = e.field === "name" || e.field === "slug" ? "--name" : e.field === "organisation" ? "--organisation" : `--${e.field}`;
    const said: Record<string, string> = {
      required: "is leeg / is empty",
      tooShort: "is te kort (minstens 2 tekens) / is too short (at least 2 characters)",
      tooLong: "is te lang (hoogstens 80 tekens) / is too long (at most 80 characters)",
      pattern: "is geen geldig e-mailadres / is no valid e-mail address",
      exists:
        e.field === "name" || e.field === "slug"
          ? `is al in gebruik / is taken: ${e.message}`
          : "heeft al een account of een openstaande uitnodiging / has an account or a pending invitation already",
      pending: "heeft al een openstaande uitnodiging / has a pending invitation already",
    };
    const code = e.code === "exists" || e.code === "pending" ? 1 : 2;
    fail(`Niet aangemaakt / not created: ${opt} ${said[e.code] ?? e.code}`, code);
  }
  await database.close();
  const lines = [
    `Alliantie "${made.alliance.name}" aangemaakt (slug ${made.alliance.slug}).`,
    `  organisatie: ${made.organisation}`,
    `  bord:        ${made.board} (standaardkolommen en -categorieën)`,
    `  coördinator: ${made.coordinator} <${made.email}> (uitgenodigd, ${INVITATION_DAYS} dagen geldig)`,
    "",
    `Eenmalige link om een wachtwoord te kiezen (alleen voor ${made.coordinator}; wordt niet opnieuw getoond):`,
    `  ${made.link}`,
    "",
    made.mailed
      ? `De uitnodiging staat ook klaar als e-mail aan ${made.email}. Deze opdracht verstuurt zelf geen mail: de server verstuurt haar zodra hij draait (npm start of npm run serve).`
      : "E-mail staat uit (SMTP_URL en MAIL_FROM zijn niet gezet): geef de link zelf door.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} else if (command === "list") {
  let json = false;
  try {
    json = !!parseArgs({ args: rest, options: { json: { type: "boolean" } }, strict: true }).values.json;
  } catch (e) {
    usage((e as Error).message);
  }
  const database = await openAppDatabase(env.DATABASE_URL, { migrate: true });
  const list = await listAllianceSummaries(database.async);
  await database.close();
  if (json) {
    process.stdout.write(`${JSON.stringify(list.map((a) => ({ ...a, createdAt: new Date(a.createdAt).toISOString() })), null, 2)}\n`);
  } else if (!list.length) {
    process.stdout.write("Geen allianties. Maak er een aan met: npm run alliance -- create --name \"…\" --coordinator-email … --coordinator-name \"…\"\n");
  } else {
    const rows = [
      ["naam", "slug", "organisaties", "mensen", "borden", "aangemaakt"],
      ...list.map((a) => [
        a.demo ? `${a.name} (demo)` : a.name,
        a.slug,
        String(a.organisations),
        String(a.people),
        String(a.boards),
        new Date(a.createdAt).toISOString().slice(0, 16).replace("T", " "),
      ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    process.stdout.write(`${rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n")}\n`);
  }
} else {
  usage(`Onbekende opdracht / unknown command: ${command}`);
}
