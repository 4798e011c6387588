/**
 * The demo alliance: AVE in Emmen. Organisations and requests are realistic
 * but invented; references are pseudonymous codes, never names.
 */
import type { Urgency } from "../app/board/types";
import { seededRandom as prng } from "./random";

export const DEMO_ALLIANCE = { name: "AVE Emmen", slug: "ave-emmen" };

/** Every demo account's password (README, "Demo logins"). */
export const DEMO_PASSWORD = "alliantie-demo";

export const DEMO_ORGS = [
  { key: "gemeente", name: "Gemeente Emmen", shortName: "Gemeente", kind: "gemeente", color: "#1f4e79" },
  { key: "vluchtelingenwerk", name: "VluchtelingenWerk Noord-Nederland", shortName: "VluchtelingenWerk", kind: "vluchtelingenwerk", color: "#b3261e" },
  { key: "coa", name: "COA azc Emmen", shortName: "COA", kind: "coa", color: "#5b3f8c" },
  { key: "taalhuis", name: "Taalhuis Emmen (Bibliotheek)", shortName: "Taalhuis", kind: "taalhuis", color: "#0b6e6e" },
  { key: "kerk", name: "Diaconie Protestantse Gemeente Emmen", shortName: "Diaconie", kind: "kerk", color: "#7a4a12" },
  { key: "vrijwilligerscentrum", name: "Vrijwilligerscentrum Emmen", shortName: "Vrijwilligerscentrum", kind: "vrijwilligers", color: "#2e6b30" },
  { key: "maatjes", name: "Maatjesproject Samen Verder", shortName: "Samen Verder", kind: "maatjes", color: "#a0376a" },
  { key: "voedselbank", name: "Voedselbank Emmen", shortName: "Voedselbank", kind: "voedselbank", color: "#8a4b00" },
] as const;

export type DemoOrgKey = (typeof DEMO_ORGS)[number]["key"];

/** People: role, organisation, email. Every demo password is `alliantie-demo`. */
export const DEMO_PEOPLE: Array<{ email: string; name: string; org: DemoOrgKey; role: "coordinator" | "member" | "viewer" }> = [
  { email: "coordinator@ave.example", name: "Anouk Coördinator", org: "gemeente", role: "coordinator" },
  { email: "gemeente@ave.example", name: "Pieter Mulder", org: "gemeente", role: "member" },
  { email: "viewer@ave.example", name: "Wendy Meekijker", org: "gemeente", role: "viewer" },
  { email: "vluchtelingenwerk@ave.example", name: "Samira El Amrani", org: "vluchtelingenwerk", role: "member" },
  { email: "jan.vwn@ave.example", name: "Jan de Vries", org: "vluchtelingenwerk", role: "member" },
  { email: "coa@ave.example", name: "Marloes Kuipers", org: "coa", role: "member" },
  { email: "dirk.coa@ave.example", name: "Dirk Hoekstra", org: "coa", role: "member" },
  { email: "taalhuis@ave.example", name: "Fenna Dijkstra", org: "taalhuis", role: "member" },
  { email: "ahmad.taalhuis@ave.example", name: "Ahmad Haidari", org: "taalhuis", role: "member" },
  { email: "kerk@ave.example", name: "Ds. Hendrik Boer", org: "kerk", role: "member" },
  { email: "grietje.kerk@ave.example", name: "Grietje Smit", org: "kerk", role: "member" },
  { email: "vrijwilligerscentrum@ave.example", name: "Lotte Bakker", org: "vrijwilligerscentrum", role: "member" },
  { email: "ruben.vc@ave.example", name: "Ruben Jansen", org: "vrijwilligerscentrum", role: "member" },
  { email: "maatjes@ave.example", name: "Esther Visser", org: "maatjes", role: "member" },
  { email: "yusuf.maatjes@ave.example", name: "Yusuf Demir", org: "maatjes", role: "member" },
  { email: "voedselbank@ave.example", name: "Gerrit Post", org: "voedselbank", role: "member" },
  { email: "ina.voedselbank@ave.example", name: "Ina Wolters", org: "voedselbank", role: "member" },
];

export const DEMO_BOARD_NAME = "Hulpvragen Emmen";

/** The demo's local team (Aan de Slag, issue 15): COA, the volunteer centre and the municipality across organisations. */
export const DEMO_TEAM: { name: string; area: string; orgs: DemoOrgKey[] } = {
  name: "Aan de Slag Emmen",
  area: "Emmen",
  orgs: ["coa", "vrijwilligerscentrum", "gemeente"],
};

const WIJKEN = [
  "Angelslo", "Emmerhout", "Bargeres", "Emmermeer", "Rietlanden", "Centrum", "Noordbarge",
  "Klazienaveen", "Nieuw-Amsterdam", "Erica", "Schoonebeek", "Delftlanden",
];

/**
 * [category, title, description, urgency, org, column, same-person group?]
 * Requests with the same group letter share a reference: the demo shows a
 * duplicate (A: the same language need at Taalhuis and the Diaconie) and one
 * household's parallel trajectories (A and B across categories).
 */
const REQUESTS: Array<[string, string, string, Urgency, DemoOrgKey, string, string?]> = [
  ["wonen", "Gezin van vijf zoekt eengezinswoning", "Statushouders, koppeling aan Emmen. Huidige woning te klein na gezinshereniging.", "hoog", "gemeente", "open", "A"],
  ["wonen", "Hulp bij aanvraag huurtoeslag", "Brief van de Belastingdienst niet begrepen; hulp bij invullen gevraagd.", "normaal", "vluchtelingenwerk", "opgepakt"],
  ["wonen", "Inrichting eerste woning", "Woning opgeleverd zonder vloer en gordijnen. Zoekt meubels en hulp bij inrichten.", "hoog", "coa", "nieuw"],
  ["wonen", "Uitleg energiecontract en meterstanden", "Hoge voorschotnota; wil begrijpen hoe energie werkt en besparen.", "normaal", "kerk", "nieuw"],
  ["wonen", "Alleenstaande jongere zoekt kamer", "18 jaar, net uit de opvang, zoekt kamer dichtbij het ROC.", "spoed", "vluchtelingenwerk", "open"],
  ["wonen", "Verhuizing van azc naar woning", "Verhuisdatum over twee weken; vervoer en handjes nodig.", "hoog", "coa", "in-uitvoering"],
  ["wonen", "Geschil met verhuurder over borg", "Borg niet terugbetaald na verhuizing binnen Emmen.", "normaal", "vluchtelingenwerk", "afgerond"],
  ["wonen", "Hulp bij afvalscheiding en buurtregels", "Nieuwe buren klagen; uitleg over afval en geluid gewenst.", "laag", "gemeente", "open"],
  ["wonen", "Fietsen voor gezin", "Drie kinderfietsen en een damesfiets gezocht.", "laag", "kerk", "opgepakt"],
  ["wonen", "Wachtlijst sociale huur: inschrijving controleren", "Twijfel of inschrijving bij de corporatie nog loopt.", "normaal", "gemeente", "nieuw"],
  ["taal", "Taalmaatje voor moeder met jonge kinderen", "Overdag beschikbaar, A1-niveau, wil oefenen met gesprekken bij school.", "normaal", "taalhuis", "open", "A"],
  ["taal", "Oefenen voor inburgeringsexamen spreken", "Examen over zes weken; zoekt iemand om wekelijks mee te oefenen.", "hoog", "taalhuis", "opgepakt"],
  ["taal", "Digitale vaardigheden: DigiD en e-mail", "Heeft DigiD nodig voor toeslagen; weinig ervaring met computer.", "normaal", "taalhuis", "in-uitvoering"],
  ["taal", "Leesclub voor Arabisch- en Tigrinyasprekenden", "Groep van vier wil samen makkelijke boeken lezen.", "laag", "taalhuis", "nieuw"],
  ["taal", "Tolk nodig bij oudergesprek school", "Gesprek op basisschool volgende week; Dari.", "spoed", "coa", "open"],
  ["taal", "Nederlands op de werkvloer (B1)", "Werkt in productie, wil vaktaal en veiligheidsinstructies leren.", "normaal", "vrijwilligerscentrum", "nieuw"],
  ["taal", "Huiswerkbegeleiding twee kinderen", "Groep 6 en 8; moeite met begrijpend lezen.", "normaal", "kerk", "open"],
  ["taal", "Taalcafé: vaste deelnemer zoekt vervoer", "Woont buiten Emmen, geen OV-verbinding in de avond.", "laag", "taalhuis", "afgerond"],
  ["taal", "Uitleg brieven van de gemeente", "Stapel post over participatiewet; wil uitleg in eenvoudig Nederlands.", "normaal", "gemeente", "opgepakt"],
  ["taal", "Alfabetiseringscursus vanaf nul", "Heeft nooit leren lezen en schrijven; zoekt passende cursus.", "hoog", "taalhuis", "nieuw"],
  ["werk", "Vrijwilligerswerk in het groen", "Wil buiten werken, ervaring als tuinder in land van herkomst.", "normaal", "vrijwilligerscentrum", "open"],
  ["werk", "Stage in de zorg gezocht", "Verpleegkundige in Syrië; diploma wordt gewaardeerd, zoekt meeloopstage.", "hoog", "vluchtelingenwerk", "opgepakt"],
  ["werk", "CV maken en sollicitatiebrief", "Eerste baan in Nederland; heeft hulp nodig met cv.", "normaal", "vrijwilligerscentrum", "in-uitvoering"],
  ["werk", "Aan de Slag: vrijwilligersplek vanuit azc", "Bewoner azc wil zich nuttig maken, beschikbaar drie ochtenden.", "normaal", "coa", "nieuw"],
  ["werk", "Rijbewijs: theorie in eigen taal oefenen", "Werk als bezorger mogelijk zodra rijbewijs gehaald is.", "laag", "vrijwilligerscentrum", "open"],
  ["werk", "Diplomawaardering aanvragen", "Bachelor bouwkunde; weet niet hoe IDW werkt.", "normaal", "vluchtelingenwerk", "nieuw"],
  ["werk", "Vrijwilliger bij de Voedselbank", "Wil graag helpen met sorteren op vrijdag.", "laag", "voedselbank", "afgerond"],
  ["werk", "Ondernemersplan kapsalon", "Was kapper; wil verkennen of eigen zaak haalbaar is.", "laag", "gemeente", "open"],
  ["werk", "Werkervaringsplek techniek", "Elektricien; zoekt plek bij installatiebedrijf in de regio.", "normaal", "gemeente", "nieuw"],
  ["werk", "Kinderopvang regelen om te kunnen werken", "Aangenomen voor parttime baan; opvang voor peuter nodig.", "hoog", "gemeente", "open"],
  ["maatje", "Maatje voor jonge vader", "Wil Emmen leren kennen en voetballen; 24 jaar.", "normaal", "maatjes", "open"],
  ["maatje", "Eenzame oudere man zoekt gezelschap", "Weinig contact sinds aankomst; houdt van schaken en wandelen.", "hoog", "maatjes", "nieuw"],
  ["maatje", "Gezin zoekt contact met buurtgenoten", "Wil de buurt leren kennen; kinderen 4 en 7.", "laag", "kerk", "opgepakt"],
  ["maatje", "Vrouwengroep: koken en ontmoeten", "Drie vrouwen willen samen koken met buurtvrouwen.", "laag", "kerk", "in-uitvoering"],
  ["maatje", "Maatje voor alleenstaande minderjarige (17)", "Begeleiding door voogd; zoekt vast maatje voor weekend.", "hoog", "maatjes", "open"],
  ["maatje", "Wegwijs in Emmen: huisarts, apotheek, markt", "Net verhuisd vanuit azc; kent de weg nog niet.", "normaal", "coa", "nieuw"],
  ["maatje", "Sportclub voor twee tieners", "Jongens 13 en 15 willen bij een voetbalclub; contributie en vervoer.", "normaal", "maatjes", "afgerond"],
  ["maatje", "Luisterend oor na slecht nieuws over familie", "Behoefte aan contact; doorverwijzing naar professionele hulp overwegen.", "spoed", "vluchtelingenwerk", "nieuw"],
  ["maatje", "Samen naar de bibliotheek en het taalcafé", "Wil drempel over; eerste keer samen gaan.", "laag", "taalhuis", "open"],
  ["maatje", "Voedselpakket en kennismaking", "Tijdelijk geen inkomen; voedselpakket en iemand om mee te praten.", "hoog", "voedselbank", "opgepakt"],
  ["werk", "Vrijwilligersvacature kringloopwinkel", "Bewoner azc wil ervaring opdoen in winkel; Engels goed.", "laag", "vrijwilligerscentrum", "nieuw"],
  ["taal", "Voorleesmoment kinderen azc", "Bibliotheek zoekt vrijwilliger; kinderen 3 tot 6 jaar.", "laag", "taalhuis", "open"],
  ["taal", "Taalmaatje gezocht voor moeder van twee jonge kinderen", "Wil Nederlands oefenen, vooral gesprekken op school. Overdag.", "normaal", "kerk", "nieuw", "A"],
  ["werk", "Vrijwilligerswerk in de kringloop voor vader", "Wil aan de slag terwijl het gezin op een grotere woning wacht.", "laag", "vrijwilligerscentrum", "nieuw", "B"],
  ["maatje", "Maatje voor vader, net verhuisd", "Zoekt contact in de wijk en iemand om mee te wandelen.", "normaal", "maatjes", "open", "B"],
];

const DAY = 86400_000;

/** One step in a request's history: a move between columns or a claim, by a person of `org`. */
export type DemoStep =
  | { kind: "move"; at: number; from: string; to: string; org: DemoOrgKey }
  | { kind: "claim"; at: number; org: DemoOrgKey };

export interface DemoRequest {
  category: string;
  title: string;
  description: string;
  urgency: Urgency;
  org: DemoOrgKey;
  column: string;
  area: string;
  reference: string;
  createdAt: number;
  /** The organisation that holds it at the end (it claimed it), or null. */
  holder: DemoOrgKey | null;
  /** When it was archived (finished a while ago), or null. */
  archivedAt: number | null;
  /** Its history after being entered, oldest first: the audit the report reads. */
  steps: DemoStep[];
}

/** The way through the default columns to `column`, after the one it was entered in. */
const PATH: Record<string, string[]> = {
  nieuw: [],
  open: ["open"],
  opgepakt: ["open", "opgepakt"],
  "in-uitvoering": ["open", "opgepakt", "in-uitvoering"],
  afgerond: ["open", "opgepakt", "in-uitvoering", "afgerond"],
};

/**
 * The steps that bring a request from "Nieuw" to `column`: triage to Open
 * within a day or two, a claim that moves it to Opgepakt (days later, more
 * for a wijk far out), work starting and, for finished ones, the move to
 * Afgerond weeks later. Squeezed to fit before `end` when the request is young.
 */
function stepsTo(
  column: string,
  createdAt: number,
  end: number,
  holder: DemoOrgKey | null,
  triage: DemoOrgKey,
  rnd: () => number,
  claimDelayDays: number,
): DemoStep[] {
  const path = PATH[column] ?? [];
  if (path.length === 0) return [];
  const gaps = [0.1 + rnd() * 1.4, claimDelayDays, 1 + rnd() * 4, 4 + rnd() * 30].slice(0, path.length);
  const total = gaps.reduce((a, b) => a + b, 0) * DAY;
  const scale = createdAt + total > end ? Math.max(0, end - createdAt) / total : 1;
  const steps: DemoStep[] = [];
  let at = createdAt;
  let from = "nieuw";
  path.forEach((to, k) => {
    at += Math.floor(gaps[k] * DAY * scale);
    const by = k === 0 ? triage : holder ?? triage;
    if (to === "opgepakt" && holder) steps.push({ kind: "claim", at, org: holder });
    steps.push({ kind: "move", at, from, to, org: by });
    from = to;
  });
  return steps;
}

/** The requests on the board now: where they stand, and how they got there. */
export function demoRequests(now: number): DemoRequest[] {
  const rnd = prng(2026);
  // Its own sequence for the history, so the requests themselves come out as they always did.
  const rndSteps = prng(2027);
  const groupRefs = new Map<string, string>();
  return REQUESTS.map(([category, title, description, urgency, org, column, group], i) => {
    const ageDays = Math.floor(rnd() * 60) + (column === "afgerond" ? 20 : 0);
    const initials = String.fromCharCode(65 + Math.floor(rnd() * 26)) + String.fromCharCode(65 + Math.floor(rnd() * 26));
    const year = 1960 + Math.floor(rnd() * 45);
    const area = WIJKEN[Math.floor(rnd() * WIJKEN.length)];
    const createdAt = now - ageDays * DAY - Math.floor(rnd() * DAY);
    const claimDelayDays = 1 + Math.floor(rnd() * 9);
    // Requests past "Open" are held by the organisation that entered them.
    const holder = PATH[column].includes("opgepakt") ? org : null;
    return {
      category,
      title,
      description,
      urgency,
      org,
      column,
      area,
      reference: group
        ? groupRefs.get(group) ?? (groupRefs.set(group, `${initials}-${year}-${area.toUpperCase().slice(0, 8)}`), groupRefs.get(group)!)
        : i % 3 === 0
          ? `${org.slice(0, 3).toUpperCase()}-2026-${String(100 + i * 7).padStart(4, "0")}`
          : `${initials}-${year}-${area.toUpperCase().slice(0, 8)}`,
      createdAt,
      holder,
      archivedAt: null,
      steps: stepsTo(column, createdAt, now - 2 * 3600_000, holder, "gemeente", rndSteps, claimDelayDays),
    };
  });
}

/** [title, description] of requests that came and were finished in the months before, per category. */
const PAST: Record<string, Array<[string, string]>> = {
  wonen: [
    ["Hulp bij aanvraag huurtoeslag", "Formulier samen ingevuld; toeslag toegekend."],
    ["Inrichting woning na verhuizing", "Meubels via de kringloop en helpers van de kerk."],
    ["Uitleg energierekening", "Voorschot verlaagd na uitleg over meterstanden."],
    ["Verhuizing vanuit het azc", "Busje en vier helpers geregeld."],
    ["Tweedehands wasmachine gezocht", "Gevonden via de Diaconie."],
    ["Inschrijving woningcorporatie nagelopen", "Inschrijving liep nog; wachttijd uitgelegd."],
    ["Brief van verhuurder uitleggen", "Huurverhoging uitgelegd in eenvoudig Nederlands."],
    ["Gordijnen en vloer voor nieuwe woning", "Vloer gelegd door vrijwilligers."],
  ],
  taal: [
    ["Taalmaatje voor gesprekken", "Wekelijks uur oefenen in de bibliotheek."],
    ["Oefenen voor het examen spreken", "Examen spreken gehaald."],
    ["Hulp bij DigiD aanvragen", "DigiD aangevraagd en geactiveerd."],
    ["Huiswerkbegeleiding groep 5", "Tien weken begeleiding afgerond."],
    ["Tolk bij oudergesprek", "Telefonische tolk geregeld voor het gesprek."],
    ["Uitleg brief van de gemeente", "Brief over participatiewet besproken."],
    ["Eerste keer naar het taalcafé", "Gaat nu zelfstandig elke week."],
    ["Lezen en schrijven vanaf nul", "Geplaatst in alfabetiseringsgroep."],
  ],
  werk: [
    ["Cv en sollicitatiebrief maken", "Cv klaar; twee keer gesolliciteerd."],
    ["Vrijwilligerswerk in de zorg", "Plek gevonden in verzorgingshuis."],
    ["Diploma laten waarderen", "Aanvraag bij IDW ingediend."],
    ["Werkervaringsplek in de bouw", "Plek bij aannemer in de regio."],
    ["Theorie rijbewijs oefenen", "Theorie-examen gehaald."],
    ["Stage in de horeca", "Meeloopstage bij lunchroom."],
    ["Vrijwilligerswerk bij de kringloop", "Twee ochtenden per week aan de slag."],
    ["Kinderopvang regelen voor werk", "Opvang en toeslag geregeld."],
  ],
  maatje: [
    ["Maatje om Emmen te leren kennen", "Vast maatje gevonden; ze wandelen wekelijks."],
    ["Wandelmaatje voor oudere vrouw", "Gekoppeld aan buurvrouw uit de wijk."],
    ["Sportclub voor kind", "Lid van voetbalclub, contributie via Jeugdfonds."],
    ["Koffieochtend voor nieuwe buren", "Sluit aan bij koffieochtend in het buurthuis."],
    ["Maatje voor jonge statushouder", "Maatje gevonden via Samen Verder."],
    ["Samen naar huisarts en markt", "Drie keer samen gegaan; gaat nu zelf."],
    ["Fietsles voor moeder", "Fietsles afgerond; heeft nu een fiets."],
    ["Contact met vrouwen uit de buurt", "Doet mee met de kookgroep."],
  ],
};

/** Who picks up a request of a category (weighted by repetition). */
const TAKERS: Record<string, DemoOrgKey[]> = {
  wonen: ["vluchtelingenwerk", "vluchtelingenwerk", "kerk", "gemeente"],
  taal: ["taalhuis", "taalhuis", "taalhuis", "kerk"],
  werk: ["vrijwilligerscentrum", "vrijwilligerscentrum", "gemeente", "vluchtelingenwerk"],
  maatje: ["maatjes", "maatjes", "kerk", "voedselbank"],
};
const ENTERERS: DemoOrgKey[] = ["gemeente", "vluchtelingenwerk", "vluchtelingenwerk", "coa", "coa", "taalhuis", "kerk", "vrijwilligerscentrum", "maatjes"];

/**
 * Requests of the half year before, all finished: they give the report its
 * history (weekly new and finished, time to claim and to done). Finished
 * more than a week ago means archived; a few were closed without
 * anyone picking them up (no longer needed).
 */
export function demoPastRequests(now: number): DemoRequest[] {
  const rnd = prng(1871);
  const out: DemoRequest[] = [];
  const categories = Object.keys(PAST);
  const weeks = 26;
  for (let w = weeks; w >= 4; w--) {
    // Three to five requests a week, busier after the summer.
    const count = 3 + Math.floor(rnd() * 2) + (w < 14 ? 1 : 0);
    for (let k = 0; k < count; k++) {
      const i = out.length;
      const category = categories[Math.floor(rnd() * categories.length)];
      const [title, description] = PAST[category][Math.floor(rnd() * PAST[category].length)];
      const org = ENTERERS[Math.floor(rnd() * ENTERERS.length)];
      const area = WIJKEN[Math.floor(rnd() * WIJKEN.length)];
      const createdAt = now - w * 7 * DAY + Math.floor(rnd() * 7 * DAY);
      const closedUnclaimed = rnd() < 0.08;
      const holder = closedUnclaimed ? null : TAKERS[category][Math.floor(rnd() * TAKERS[category].length)];
      const end = now - 3 * DAY;
      const steps = closedUnclaimed
        ? [
            { kind: "move" as const, at: createdAt + Math.floor((0.2 + rnd()) * DAY), from: "nieuw", to: "open", org: "gemeente" as const },
            { kind: "move" as const, at: createdAt + Math.floor((6 + rnd() * 10) * DAY), from: "open", to: "afgerond", org: "gemeente" as const },
          ]
        : stepsTo("afgerond", createdAt, end, holder, "gemeente", rnd, 1 + Math.floor(rnd() * 8));
      const doneAt = steps[steps.length - 1].at;
      out.push({
        category,
        title,
        description,
        urgency: (["laag", "normaal", "normaal", "hoog"] as const)[Math.floor(rnd() * 4)],
        org,
        column: "afgerond",
        area,
        reference: `${org.slice(0, 3).toUpperCase()}-2026-${String(2000 + i * 13).padStart(4, "0")}`,
        createdAt,
        holder,
        archivedAt: doneAt < now - 8 * DAY ? doneAt + Math.floor((2 + rnd() * 5) * DAY) : null,
        steps,
      });
    }
  }
  return out;
}

/** What the demo organisations declare they can offer ("5 taalmaatjes vrij"). */
export const DEMO_OFFERS: Array<{ org: DemoOrgKey; category: string; label: string; capacity: number; area?: string }> = [
  { org: "taalhuis", category: "taal", label: "taalmaatjes vrij", capacity: 5 },
  { org: "taalhuis", category: "taal", label: "plaatsen in het taalcafé", capacity: 8, area: "Centrum" },
  { org: "maatjes", category: "maatje", label: "maatjes beschikbaar", capacity: 4 },
  { org: "vrijwilligerscentrum", category: "werk", label: "vrijwilligersplekken", capacity: 6 },
  { org: "vrijwilligerscentrum", category: "werk", label: "stageplekken", capacity: 2 },
  { org: "kerk", category: "wonen", label: "helpers bij verhuizen en inrichten", capacity: 3, area: "Angelslo" },
  { org: "voedselbank", category: "maatje", label: "kennismakingsgesprekken per week", capacity: 2 },
  { org: "vluchtelingenwerk", category: "wonen", label: "woonbegeleiders", capacity: 2 },
];

/** A demo request as a card of the board, standing in `column` (the seed's board now, or the board as it was at a meeting). */
export function demoCard(id: string, r: DemoRequest, createdByOrg: string, column: string) {
  return { id, title: r.title, category: r.category, description: r.description, area: r.area, urgency: r.urgency, createdAt: r.createdAt, createdByOrg, column };
}

/**
 * The demo's volunteer jobs (Aan de Slag, issue 15): in the "open" column,
 * `fill` of the board's open requests about work or meeting people take
 * places in each. `weekday` 1–7 (Monday–Sunday) and `time` on Amsterdam's
 * wall clock: the next such day after the seed.
 */
export const DEMO_JOBS: Array<{
  title: string;
  category: "werk" | "maatje";
  places: number;
  fill: number;
  weekday: number;
  time: string;
  durationMinutes: number;
  recurrence: "once" | "weekly";
  area: string;
  description: string;
  languageLevel: "none" | "A1" | "A2" | "B1+";
  physical: boolean;
  asks: string;
  org: DemoOrgKey;
  team: boolean;
}> = [
  {
    title: "Onderhoud wijktuin Angelslo",
    category: "werk",
    places: 6,
    fill: 4,
    weekday: 6,
    time: "10:00",
    durationMinutes: 180,
    recurrence: "once",
    area: "Angelslo",
    description: "Snoeien, harken en de moestuinbakken klaarmaken voor de winter. Koffie en soep staan klaar.",
    languageLevel: "none",
    physical: true,
    asks: "Stevige schoenen; werkhandschoenen zijn er",
    org: "gemeente",
    team: true,
  },
  {
    title: "Koffie-ochtend in buurthuis De Kaap",
    category: "maatje",
    places: 8,
    fill: 2,
    weekday: 3,
    time: "10:00",
    durationMinutes: 120,
    recurrence: "weekly",
    area: "Emmerhout",
    description: "Elke woensdag: koffie, een spelletje en kennismaken met buurtbewoners.",
    languageLevel: "none",
    physical: false,
    asks: "",
    org: "vrijwilligerscentrum",
    team: true,
  },
  {
    title: "Helpen bij de uitgifte van de voedselbank",
    category: "werk",
    places: 4,
    fill: 0,
    weekday: 5,
    time: "13:00",
    durationMinutes: 240,
    recurrence: "weekly",
    area: "Centrum",
    description: "Pakketten inpakken en uitdelen, samen met vaste vrijwilligers.",
    languageLevel: "A1",
    physical: true,
    asks: "Een fiets helpt",
    org: "voedselbank",
    team: false,
  },
];
