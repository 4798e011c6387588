/**
 * The demo alliance: AVE in Emmen. Organisations and requests are realistic
 * but invented; references are pseudonymous codes, never names.
 */
import type { Urgency } from "../app/board/types";
import { seededRandom as prng } from "../tests/factories/random";

export const DEMO_ALLIANCE = { name: "AVE Emmen", slug: "ave-emmen" };

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

export function demoRequests(now: number) {
  const rnd = prng(2026);
  const groupRefs = new Map<string, string>();
  return REQUESTS.map(([category, title, description, urgency, org, column, group], i) => {
    const ageDays = Math.floor(rnd() * 60) + (column === "afgerond" ? 20 : 0);
    const initials = String.fromCharCode(65 + Math.floor(rnd() * 26)) + String.fromCharCode(65 + Math.floor(rnd() * 26));
    const year = 1960 + Math.floor(rnd() * 45);
    const area = WIJKEN[Math.floor(rnd() * WIJKEN.length)];
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
      createdAt: now - ageDays * 86400_000 - Math.floor(rnd() * 86400_000),
      /** Days between entering and being taken on, for the demo's time-to-claim. */
      claimDelayDays: 1 + Math.floor(rnd() * 9),
    };
  });
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
