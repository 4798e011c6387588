/**
 * Measures the near-duplicate rule on a generated set with planted duplicates
 * (the same need written again by another organisation: reordered, with typos,
 * a synonym, an extra sentence) and near-misses (same category and wijk, a
 * different need). Prints precision and recall per threshold; the chosen
 * threshold (NEAR.similarity) must keep both high.
 */
import { describe, expect, it } from "vitest";
import { NEAR, contentWords, jaccard, nearDuplicatePairs, normaliseReference, textSimilarity, type NearCandidate } from "~/board/similarity";
import { seededRandom as rng } from "../factories/random";


const NEEDS: Array<[string, string, string]> = [
  ["taal", "Taalmaatje voor moeder met jonge kinderen", "Overdag beschikbaar, A1-niveau, wil oefenen met gesprekken bij school."],
  ["taal", "Oefenen voor inburgeringsexamen spreken", "Examen over zes weken; zoekt iemand om wekelijks mee te oefenen."],
  ["taal", "Huiswerkbegeleiding twee kinderen", "Groep 6 en 8; moeite met begrijpend lezen."],
  ["taal", "Digitale vaardigheden DigiD en e-mail", "Heeft DigiD nodig voor toeslagen; weinig ervaring met computer."],
  ["taal", "Alfabetiseringscursus vanaf nul", "Heeft nooit leren lezen en schrijven; zoekt passende cursus."],
  ["taal", "Tolk bij oudergesprek op school", "Gesprek op basisschool volgende week in het Dari."],
  ["wonen", "Gezin van vijf zoekt eengezinswoning", "Statushouders; huidige woning te klein na gezinshereniging."],
  ["wonen", "Inrichting eerste woning", "Woning opgeleverd zonder vloer en gordijnen; meubels nodig."],
  ["wonen", "Hulp bij aanvraag huurtoeslag", "Brief van de Belastingdienst niet begrepen."],
  ["wonen", "Fietsen voor gezin", "Drie kinderfietsen en een damesfiets gezocht."],
  ["wonen", "Uitleg energiecontract en meterstanden", "Hoge voorschotnota; wil besparen op energie."],
  ["wonen", "Verhuizing van azc naar woning", "Verhuisdatum over twee weken; vervoer en handjes nodig."],
  ["werk", "Stage in de zorg", "Verpleegkundige; diploma gewaardeerd, zoekt meeloopstage in ziekenhuis."],
  ["werk", "Cv maken en sollicitatiebrief schrijven", "Eerste baan in Nederland; hulp met cv gevraagd."],
  ["werk", "Vrijwilligerswerk in het groen", "Wil buiten werken, ervaring als tuinder."],
  ["werk", "Werkervaringsplek techniek", "Elektricien; zoekt plek bij installatiebedrijf."],
  ["werk", "Kinderopvang regelen om te kunnen werken", "Parttime baan; opvang voor peuter nodig."],
  ["werk", "Diplomawaardering aanvragen", "Bachelor bouwkunde; weet niet hoe waardering werkt."],
  ["maatje", "Maatje voor jonge vader", "Wil Emmen leren kennen en voetballen."],
  ["maatje", "Eenzame oudere man zoekt gezelschap", "Houdt van schaken en wandelen."],
  ["maatje", "Vrouwengroep koken en ontmoeten", "Drie vrouwen willen samen koken met buurtvrouwen."],
  ["maatje", "Sportclub voor twee tieners", "Jongens van 13 en 15 willen voetballen bij een club."],
  ["maatje", "Wegwijs in de stad: huisarts en apotheek", "Net verhuisd; kent de weg nog niet."],
  ["maatje", "Luisterend oor na slecht nieuws", "Behoefte aan contact en een gesprek."],
];
/** Different needs that share words with a need above (index): near-misses that must not be reported. */
const NEAR_MISSES: Array<[number, string, string]> = [
  [0, "Taalmaatje voor vader met oudere kinderen", "Avonden beschikbaar, B1-niveau, wil oefenen voor zijn werk."],
  [1, "Oefenen voor inburgeringsexamen lezen", "Examen over drie maanden; zoekt leesmateriaal."],
  [2, "Huiswerkbegeleiding wiskunde brugklas", "Vmbo, moeite met breuken."],
  [6, "Gezin van drie zoekt kleinere woning", "Huur te hoog na vertrek van de oudste zoon."],
  [7, "Inrichting tweede slaapkamer", "Bed en kast voor de kinderkamer nodig."],
  [9, "Fietsles voor moeder", "Kan nog niet fietsen; wil naar haar werk kunnen fietsen."],
  [12, "Stage in de techniek", "Monteur; zoekt meeloopstage bij een garage."],
  [13, "Cv vertalen naar het Nederlands", "Heeft een cv in het Engels."],
  [18, "Maatje voor jonge moeder", "Wil wandelen en de stad leren kennen."],
  [21, "Sportclub voor meisje van tien", "Wil graag turnen bij een vereniging."],
];
const AREAS = ["Angelslo", "Emmerhout", "Bargeres", "Emmermeer", "Rietlanden", "Centrum"];
const SYNONYMS: Record<string, string> = {
  maatje: "buddy",
  oefenen: "trainen",
  woning: "huis",
  kinderen: "kids",
  gezocht: "nodig",
  zoekt: "wil graag",
  hulp: "ondersteuning",
  school: "basisschool",
};

/** The same need as written by another organisation. */
function paraphrase(text: string, r: () => number): string {
  let words = text.split(" ");
  words = words.map((w) => (SYNONYMS[w.toLowerCase()] && r() < 0.5 ? SYNONYMS[w.toLowerCase()] : w));
  if (r() < 0.5 && words.length > 3) {
    const i = Math.floor(r() * (words.length - 1));
    [words[i], words[i + 1]] = [words[i + 1], words[i]];
  }
  if (r() < 0.6) {
    // a typo in a longer word
    const i = words.findIndex((w) => w.length > 6);
    if (i >= 0) words[i] = words[i].slice(0, 3) + words[i].slice(4);
  }
  return words.join(" ");
}

function generate(seed: number) {
  const r = rng(seed);
  const items: NearCandidate[] = [];
  const planted = new Set<string>();
  const day = 86400_000;
  let n = 0;
  for (let round = 0; round < 4; round++) {
    for (const [category, title, description] of NEEDS) {
      // Few wijken and a short period per round: many near-misses (same category,
      // same wijk, close in time, a different need). Rounds are a season apart,
      // so the same need in another round is a new request, not a duplicate.
      const area = AREAS[Math.floor(r() * 3)];
      const createdAt = Date.UTC(2026, 0, 1) + round * 120 * day + Math.floor(r() * 30) * day;
      const id = `r${n++}`;
      items.push({ id, category, title, description, area, createdAt });
      const miss = NEAR_MISSES.find(([i]) => NEEDS[i][1] === title);
      if (miss && r() < 0.7) {
        // a different need in the same category and wijk, a few days later
        items.push({ id: `r${n++}`, category, title: miss[1], description: miss[2], area, createdAt: createdAt + Math.floor(r() * 10) * day });
      }
      if (r() < 0.4) {
        // planted duplicate, entered by another organisation within two weeks
        const dup = `r${n++}`;
        items.push({
          id: dup,
          category,
          title: paraphrase(title, r),
          description: r() < 0.3 ? `${paraphrase(description, r)} Aangemeld via het azc.` : paraphrase(description, r),
          area: r() < 0.2 ? "" : area,
          createdAt: createdAt + Math.floor(r() * 14) * day,
        });
        planted.add(id < dup ? `${id}|${dup}` : `${dup}|${id}`);
      }
    }
  }
  return { items, planted };
}

function score(pairs: Array<{ a: string; b: string }>, planted: Set<string>) {
  const found = new Set(pairs.map((p) => `${p.a}|${p.b}`));
  let tp = 0;
  for (const f of found) if (planted.has(f)) tp++;
  return { precision: found.size ? tp / found.size : 1, recall: planted.size ? tp / planted.size : 1, found: found.size, tp };
}

describe("near-duplicate detection", () => {
  it("keeps precision and recall high at the chosen threshold (measured over 5 generated sets)", () => {
    const rows: string[] = [];
    let chosen = { precision: 0, recall: 0 };
    for (const threshold of [0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]) {
      let tp = 0;
      let found = 0;
      let planted = 0;
      for (let seed = 1; seed <= 5; seed++) {
        const g = generate(seed);
        const s = score(nearDuplicatePairs(g.items, { similarity: threshold }), g.planted);
        tp += s.tp;
        found += s.found;
        planted += g.planted.size;
      }
      const precision = found ? tp / found : 1;
      const recall = tp / planted;
      rows.push(`threshold ${threshold.toFixed(2)}: precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} (${tp}/${planted} planted, ${found} reported)`);
      if (threshold === NEAR.similarity) chosen = { precision, recall };
    }
    console.log(`near-duplicates on 5 generated sets:\n${rows.join("\n")}`);
    expect(chosen.precision).toBeGreaterThanOrEqual(0.9);
    expect(chosen.recall).toBeGreaterThanOrEqual(0.9);
  });

  it("never pairs different categories, far-apart dates or different wijken", () => {
    const base = { title: "Taalmaatje voor moeder", description: "Wil oefenen", area: "Angelslo", createdAt: 0 };
    expect(nearDuplicatePairs([{ id: "a", category: "taal", ...base }, { id: "b", category: "werk", ...base }])).toEqual([]);
    expect(
      nearDuplicatePairs([
        { id: "a", category: "taal", ...base },
        { id: "b", category: "taal", ...base, createdAt: 60 * 86400_000 },
      ]),
    ).toEqual([]);
    expect(
      nearDuplicatePairs([
        { id: "a", category: "taal", ...base },
        { id: "b", category: "taal", ...base, area: "Bargeres" },
      ]),
    ).toEqual([]);
    expect(nearDuplicatePairs([{ id: "b", category: "taal", ...base }, { id: "a", category: "taal", ...base }])).toEqual([
      { a: "a", b: "b", score: 1 },
    ]);
  });

  it("normalises references so spelling of the same code matches", () => {
    expect(normaliseReference(" ab-1987 emmen oost ")).toBe(normaliseReference("AB1987-EMMEN-OOST"));
    expect(normaliseReference("Éa 12")).toBe("EA12");
    expect(normaliseReference("AB-1987")).not.toBe(normaliseReference("AB-1988"));
  });

  it("measures text similarity on content words", () => {
    expect(contentWords("De hulp bij een Woning")).toEqual(["woning"]);
    expect(jaccard(new Set([1, 2]), new Set([2, 3]))).toBeCloseTo(1 / 3);
    expect(textSimilarity({ title: "Fietsen voor gezin", description: "" }, { title: "Fietsen voor gezin", description: "" })).toBe(1);
    expect(textSimilarity({ title: "Fietsen voor gezin", description: "" }, { title: "Stage in de zorg", description: "" })).toBeLessThan(0.2);
  });
});
