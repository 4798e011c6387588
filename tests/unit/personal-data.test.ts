/**
 * Personal data in free text (app/board/personal-data.ts): focused cases per
 * kind, and a generated corpus of request-like Dutch and Flemish sentences
 * with planted items (valid numbers made with their check digits) and
 * near-misses, whose precision and recall per kind are printed and held to
 * floors.
 */
import { describe, expect, it } from "vitest";
import {
  PERSONAL_DATA_KINDS,
  checkFields,
  findPersonalData,
  isValidBsn,
  isValidIban,
  isValidRrn,
  removePersonalData,
  type PersonalDataKind,
} from "~/board/personal-data";
import { seededRandom } from "../../db/random";

const YEAR = 2026;
const find = (text: string) => findPersonalData(text, { year: YEAR });
const kinds = (text: string) => find(text).map((f) => `${f.kind}:${text.slice(f.start, f.end)}`);

// ------------------------------------------------------------------ generators (seeded)

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T,>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const digits = (r: Rand, n: number) => Array.from({ length: n }, () => String(int(r, 0, 9))).join("");
const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function bsn(r: Rand, valid = true): string {
  for (;;) {
    const d = String(int(r, 1, 9)) + digits(r, 7);
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(d[i]) * (9 - i);
    const last = sum % 11;
    if (valid) {
      if (last === 10) continue;
      return d + String(last);
    }
    const wrong = (last + int(r, 1, 9)) % 11;
    if (wrong === 10 || wrong === last) continue;
    const s = d + String(wrong);
    if (!isValidBsn(s)) return s;
  }
}

function formatBsn(r: Rand, s: string) {
  return pick(r, [s, `${s.slice(0, 3)}.${s.slice(3, 6)}.${s.slice(6)}`, `${s.slice(0, 4)}.${s.slice(4, 6)}.${s.slice(6)}`, `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}`]);
}

function rrn(r: Rand, valid = true): string {
  const year = int(r, 1940, 2020);
  const base = `${pad(year % 100)}${pad(int(r, 1, 12))}${pad(int(r, 1, 28))}${pad(int(r, 1, 997), 3)}`;
  const n = Number(base) + (year >= 2000 ? 2_000_000_000 : 0);
  let check = 97 - (n % 97);
  if (!valid) {
    do check = int(r, 1, 97);
    while (isValidRrn(base + pad(check)));
  }
  const s = base + pad(check);
  return pick(r, [
    `${s.slice(0, 2)}.${s.slice(2, 4)}.${s.slice(4, 6)}-${s.slice(6, 9)}.${s.slice(9)}`,
    `${s.slice(0, 2)}.${s.slice(2, 4)}.${s.slice(4, 6)}-${s.slice(6, 9)}.${s.slice(9)}`,
    s,
    `${s.slice(0, 6)}-${s.slice(6, 9)}-${s.slice(9)}`,
    `${s.slice(0, 6)} ${s.slice(6, 9)} ${s.slice(9)}`,
  ]);
}

function mod97(s: string) {
  let rest = 0;
  for (const ch of s) rest = (rest * 10 + Number(ch)) % 97;
  return rest;
}
const letterDigits = (s: string) => [...s].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join("");

function iban(r: Rand, valid = true): string {
  const [country, bban] = pick(r, [
    ["NL", () => pick(r, ["ABNA", "INGB", "RABO", "TRIO", "SNSB", "ASNB", "KNAB", "BUNQ"]) + digits(r, 10)],
    ["NL", () => pick(r, ["ABNA", "INGB", "RABO"]) + digits(r, 10)],
    ["BE", () => digits(r, 12)],
    ["DE", () => digits(r, 18)],
    ["FR", () => digits(r, 10) + "ABCDEFGHJK"[int(r, 0, 9)] + digits(r, 10) + digits(r, 2)],
  ] as const);
  const b = bban();
  let check = 98 - mod97(letterDigits(b + country) + "00");
  if (!valid) {
    do check = int(r, 2, 98);
    while (isValidIban(`${country}${pad(check)}${b}`));
  }
  const compact = `${country}${pad(check)}${b}`;
  return r() < 0.5 ? compact : compact.replace(/(.{4})/g, "$1 ").trim();
}

function phone(r: Rand): string {
  const nlMobile = () => {
    const n = "6" + digits(r, 8);
    return pick(r, [
      `0${n.slice(0, 1)}-${n.slice(1)}`,
      `0${n}`,
      `0${n.slice(0, 1)} ${n.slice(1, 5)} ${n.slice(5)}`,
      `0${n.slice(0, 1)} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`,
      `0${n.slice(0, 1)}.${n.slice(1, 3)}.${n.slice(3, 5)}.${n.slice(5, 7)}.${n.slice(7)}`,
      `+31 ${n.slice(0, 1)} ${n.slice(1)}`,
      `+31${n}`,
      `+31 (0)${n.slice(0, 1)}-${n.slice(1)}`,
      `0031 ${n.slice(0, 1)} ${n.slice(1, 5)} ${n.slice(5)}`,
      `0${n.slice(0, 1)} - ${n.slice(1)}`,
    ]);
  };
  const nlLand = () => {
    const area = pick(r, ["20", "10", "30", "50", "591", "594", "599", "524", "70", "40", "13"]);
    const rest = digits(r, 9 - area.length).replace(/^0/, "4");
    return pick(r, [`0${area}-${rest}`, `(0${area}) ${rest}`, `0${area} ${rest}`, `+31 ${area} ${rest}`, `0${area}${rest}`, `0${area}-${rest.slice(0, 3)} ${rest.slice(3)}`]);
  };
  const beMobile = () => {
    const n = pick(r, ["470", "471", "472", "475", "476", "477", "478", "479", "484", "485", "486", "487", "488", "489", "491", "492", "493", "494", "495", "496", "497", "498", "499"]) + digits(r, 6);
    return pick(r, [`0${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`, `0${n.slice(0, 3)}/${n.slice(3, 5)}.${n.slice(5, 7)}.${n.slice(7)}`, `+32 ${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`, `0032 ${n}`, `0${n}`]);
  };
  const beLand = () => {
    const area = pick(r, ["2", "3", "9", "50", "11", "16", "56"]);
    const rest = String(int(r, 1, 9)) + digits(r, 7 - area.length);
    const grouped = area.length === 1 ? `${rest.slice(0, 3)} ${rest.slice(3, 5)} ${rest.slice(5)}` : `${rest.slice(0, 2)} ${rest.slice(2, 4)} ${rest.slice(4)}`;
    return pick(r, [`0${area} ${grouped}`, `0${area}/${rest}`, `+32 ${area} ${grouped}`, `(0${area}) ${grouped}`]);
  };
  return pick(r, [nlMobile, nlMobile, nlLand, beMobile, beLand])();
}

const FIRST = ["anna", "mohammed", "fatima", "yusuf", "sara", "ahmad", "jan", "lotte", "samir", "noor", "tesfay", "olena", "dmytro"];
const LAST = ["jansen", "de-vries", "haddad", "alsayed", "bakker", "tesfaye", "kovalenko", "peeters", "maes", "el-amrani"];
const DOMAINS = ["gmail.com", "hotmail.com", "outlook.be", "ziggo.nl", "telenet.be", "example.org", "vluchtelingenwerk.nl", "kpnmail.nl", "icloud.com"];

function email(r: Rand) {
  const user = pick(r, [
    () => `${pick(r, FIRST)}.${pick(r, LAST)}`,
    () => `${pick(r, FIRST)}${int(r, 1, 99)}`,
    () => `${pick(r, FIRST)}_${pick(r, LAST)}`,
    () => `${pick(r, FIRST)}+board`,
    () => `${pick(r, FIRST)[0]}.${pick(r, LAST)}`,
  ])();
  return pick(r, [`${user}@${pick(r, DOMAINS)}`, `${user.charAt(0).toUpperCase()}${user.slice(1)}@${pick(r, DOMAINS)}`]);
}

const MONTH_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"];
const MONTH_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** A birth date with the words before it that make it one; `word` is the part of the plant that is not the finding. */
function birthdate(r: Rand): { lead: string; value: string } {
  const y = int(r, 1940, 2023);
  const m = int(r, 1, 12);
  const d = int(r, 1, 28);
  const numeric = () => pick(r, [`${pad(d)}-${pad(m)}-${y}`, `${d}-${m}-${y}`, `${d}/${m}/${y}`, `${pad(d)}.${pad(m)}.${y}`, `${y}-${pad(m)}-${pad(d)}`]);
  const lead = pick(r, ["geboren op ", "geboren ", "geb. ", "geboortedatum: ", "Geboortedatum ", "° ", "born ", "DOB ", "date of birth: ", "(geb. "]);
  if (y <= YEAR - 14 && r() < 0.25) return { lead: "", value: numeric() };
  const value = pick(r, [numeric, numeric, () => `${d} ${MONTH_NL[m - 1]} ${y}`, () => `${d} ${MONTH_EN[m - 1]} ${y}`, () => `${pad(d)}-${pad(m)}-${pad(y % 100)}`])();
  return { lead, value };
}

const STREETS = ["Hoofd", "Kerk", "Molen", "School", "Stations", "Dorps", "Julianas", "Wilhelmina", "Beatrix", "Oranje", "Noorder", "Parkzicht", "Sint-Pieters", "Rozen", "Tulpen", "Linden", "Berken", "Eiken", "Marktplein"];
const SUFFIXES = ["straat", "straat", "laan", "weg", "plein", "dreef", "steenweg", "kade", "gracht", "singel", "dijk", "pad", "hof"];

function address(r: Rand): string {
  const base = pick(r, STREETS);
  const street = base === "Marktplein" ? base : base + pick(r, SUFFIXES);
  const name = pick(r, [street, street, `Burgemeester van ${base}${pick(r, SUFFIXES)}`, `Oude ${street}`, `Van Speijk${pick(r, SUFFIXES)}`]);
  const number = String(int(r, 1, 250)) + pick(r, ["", "", "", "a", "b", "-hs", " bis", "-2", " bus 3", "A"]);
  const postcode = `${int(r, 1000, 9999)} ${pick(r, ["AB", "CD", "KL", "BT", "XZ", "PM"])}`;
  return pick(r, [`${name} ${number}`, `${name} ${number}`, postcode, `${name} ${number}`]);
}

/** Text that looks like personal data and is not. */
function nearMiss(r: Rand): string {
  return pick(r, [
    () => `dossiernummer ${bsn(r, false)}`,
    () => `klantnummer ${formatBsn(r, bsn(r, false))}`,
    () => `rekening ${iban(r, false)}`,
    () => `nummer ${rrn(r, false).replace(/\d{2}\.\d{2}\.\d{2}-/, (x) => x)}`,
    () => `in ${int(r, 1990, 2026)}`,
    () => `sinds ${int(r, 2015, 2025)} in Nederland`,
    () => `€ ${int(r, 1, 9)}.${digits(r, 3)},${digits(r, 2)}`,
    () => `€ ${int(r, 20, 900)} per maand`,
    () => `om ${int(r, 8, 17)}:${pick(r, ["00", "15", "30", "45"])}`,
    () => `van ${int(r, 8, 12)}.${pick(r, ["00", "30"])} tot ${int(r, 13, 17)}.${pick(r, ["00", "30"])} uur`,
    () => `aanvraag #${int(r, 2019, 2026)}${digits(r, 4)}`,
    () => `zaak AV-${int(r, 2019, 2026)}-${digits(r, 4)}`,
    () => `Taal niveau ${pick(r, ["A1", "A2", "B1", "B2"])}`,
    () => `${pick(r, ["A2", "B1"])}-niveau`,
    () => `woont aan de ${pick(r, STREETS)}${pick(r, SUFFIXES)}`,
    () => `vlak bij de ${pick(r, STREETS)}${pick(r, SUFFIXES)}, ${int(r, 2, 5)} kinderen`,
    () => `afspraak op ${pad(int(r, 1, 28))}-${pad(int(r, 1, 12))}-${int(r, 2024, 2026)}`,
    () => `vanaf ${int(r, 1, 28)} ${pick(r, MONTH_NL)}`,
    () => `week ${int(r, 1, 52)}`,
    () => `kamer ${int(r, 1, 300)}`,
    () => `${int(r, 10, 100)}%`,
    () => `${int(r, 1, 4)} x per week`,
    () => `0,${int(r, 1, 9)} fte`,
    () => `kinderen van ${int(r, 1, 9)}, ${int(r, 4, 12)} en ${int(r, 10, 17)} jaar`,
    () => `loopbaan van ${int(r, 2, 30)} jaar`,
    () => `bus ${int(r, 1, 99)} naar het centrum`,
    () => `postcodegebied ${int(r, 7811, 7891)}`,
    () => `tel. ${"0" + digits(r, 6)}`,
    () => `groep ${int(r, 1, 8)} van de basisschool`,
    () => `${int(r, 1, 3)}e verdieping`,
  ])();
}

const OPENERS = [
  "Gezin met {n} kinderen zoekt een grotere woning.",
  "Meneer zoekt een taalmaatje voor twee keer per week.",
  "Mevrouw wil graag Nederlands leren op niveau A2.",
  "Jonge man zoekt werk in de bouw of logistiek.",
  "Statushouder heeft hulp nodig bij post van de gemeente.",
  "Hulp gevraagd bij het invullen van formulieren voor toeslagen.",
  "Moeder zoekt kinderopvang zodat zij de inburgeringscursus kan volgen.",
  "Mijnheer zoekt een fiets en iemand die de weg wijst.",
  "Vrouw uit Oekraïne zoekt vrijwilligerswerk in de zorg.",
  "Koppel wil graag mensen uit de buurt ontmoeten.",
  "Jongere (17) zoekt een opleiding in de techniek.",
  "Gezin heeft meubels nodig voor de nieuwe woning.",
  "Man zoekt een maatje om samen te sporten.",
  "Voedselpakket nodig vanaf volgende week.",
  "Begeleiding gevraagd naar de huisarts.",
];
const LEADS: Record<Exclude<PersonalDataKind, "birthdate">, readonly string[]> = {
  email: ["Mail naar ", "E-mail: ", "bereikbaar via ", "contact: ", "mailadres "],
  phone: ["Bel ", "Tel: ", "tel. ", "Bereikbaar op ", "gsm ", "nummer ", "("],
  bsn: ["BSN ", "BSN: ", "burgerservicenummer ", "sofinummer ", ""],
  rrn: ["rijksregisternummer ", "RRN ", "rijksregisternr. ", "INSZ ", ""],
  iban: ["IBAN ", "rekening ", "Rekeningnummer: ", "storten op ", ""],
  address: ["Woont op de ", "adres: ", "Adres ", "woonachtig ", "nu op ", ""],
};
const TAILS = [".", " voor een afspraak.", ", graag na 17 uur.", " (na overleg).", ".", ", in overleg met de coördinator.", " of via de consulent."];

interface Planted {
  kind: PersonalDataKind;
  start: number;
  end: number;
}

function makeSentence(r: Rand): { text: string; planted: Planted[] } {
  let text = pick(r, OPENERS).replace("{n}", String(int(r, 1, 6)));
  const planted: Planted[] = [];
  const parts = int(r, 1, 3);
  for (let p = 0; p < parts; p++) {
    text += " ";
    const roll = r();
    if (roll < 0.55) {
      const kind = pick(r, PERSONAL_DATA_KINDS);
      let lead = "";
      let value: string;
      if (kind === "birthdate") ({ lead, value } = birthdate(r));
      else {
        lead = pick(r, LEADS[kind]);
        value =
          kind === "email" ? email(r) : kind === "phone" ? phone(r) : kind === "bsn" ? formatBsn(r, bsn(r)) : kind === "rrn" ? rrn(r) : kind === "iban" ? iban(r) : address(r);
      }
      text += lead;
      planted.push({ kind, start: text.length, end: text.length + value.length });
      text += value + (lead.endsWith("(") ? ")" : "") + pick(r, TAILS);
    } else if (roll < 0.9) {
      text += nearMiss(r) + pick(r, TAILS);
    } else {
      text += pick(r, OPENERS).replace("{n}", String(int(r, 1, 6)));
    }
  }
  return { text, planted };
}

// ------------------------------------------------------------------ the corpus

describe("personal data: generated corpus", () => {
  it("finds planted items of every kind and leaves near-misses alone (precision and recall printed)", () => {
    const r = seededRandom(20261203);
    const stats = Object.fromEntries(PERSONAL_DATA_KINDS.map((k) => [k, { planted: 0, found: 0, findings: 0, correct: 0 }]));
    const misses: string[] = [];
    const falseHits: string[] = [];
    const SENTENCES = 4000;
    for (let s = 0; s < SENTENCES; s++) {
      const { text, planted } = makeSentence(r);
      const findings = find(text);
      for (const p of planted) {
        stats[p.kind].planted++;
        if (findings.some((f) => f.kind === p.kind && f.start < p.end && p.start < f.end)) stats[p.kind].found++;
        else if (misses.length < 10) misses.push(`${p.kind}: ${text.slice(p.start, p.end)}  «${text}»`);
      }
      for (const f of findings) {
        stats[f.kind].findings++;
        if (planted.some((p) => p.kind === f.kind && f.start < p.end && p.start < f.end)) stats[f.kind].correct++;
        else if (falseHits.length < 10) falseHits.push(`${f.kind}: ${text.slice(f.start, f.end)}  «${text}»`);
      }
    }
    const rows = PERSONAL_DATA_KINDS.map((k) => {
      const s = stats[k];
      return { kind: k, planted: s.planted, recall: s.found / s.planted, findings: s.findings, precision: s.findings ? s.correct / s.findings : 1 };
    });
    const total = Object.values(stats).reduce((a, s) => ({ planted: a.planted + s.planted, found: a.found + s.found, findings: a.findings + s.findings, correct: a.correct + s.correct }), { planted: 0, found: 0, findings: 0, correct: 0 });
    const lines = [
      `personal data corpus: ${SENTENCES} sentences, ${total.planted} planted items`,
      "kind       planted  recall   findings  precision",
      ...rows.map((x) => `${x.kind.padEnd(10)} ${String(x.planted).padStart(7)}  ${x.recall.toFixed(4)}  ${String(x.findings).padStart(8)}  ${x.precision.toFixed(4)}`),
      `${"overall".padEnd(10)} ${String(total.planted).padStart(7)}  ${(total.found / total.planted).toFixed(4)}  ${String(total.findings).padStart(8)}  ${(total.correct / total.findings).toFixed(4)}`,
      ...(misses.length ? ["missed (first 10):", ...misses] : []),
      ...(falseHits.length ? ["false hits (first 10):", ...falseHits] : []),
    ];
    console.log(lines.join("\n"));
    for (const x of rows) {
      expect(x.planted, x.kind).toBeGreaterThan(200);
      expect(x.recall, `recall ${x.kind}`).toBeGreaterThanOrEqual(0.95);
      expect(x.precision, `precision ${x.kind}`).toBeGreaterThanOrEqual(0.95);
    }
    expect(total.found / total.planted).toBeGreaterThanOrEqual(0.98);
    expect(total.correct / total.findings).toBeGreaterThanOrEqual(0.98);
  });
});

// ------------------------------------------------------------------ per kind

describe("personal data: per kind", () => {
  it("e-mail addresses, not a handle or a word with @", () => {
    expect(kinds("Mail anna.de-vries+hulp@gemeente.emmen.nl vandaag.")).toEqual(["email:anna.de-vries+hulp@gemeente.emmen.nl"]);
    expect(kinds("zie @taalhuis of info@ op de site")).toEqual([]);
  });

  it("Dutch and Belgian phone numbers in their many spellings", () => {
    for (const p of ["06-12345678", "0612345678", "06 1234 5678", "06 12 34 56 78", "06.12.34.56.78", "+31 6 12345678", "+31612345678", "+31 (0)6-12345678", "0031 6 1234 5678", "020-1234567", "(020) 123 45 67", "0591 123456", "0591-12 34 56", "+31 591 123 456", "0470 12 34 56", "0470/12.34.56", "+32 470 12 34 56", "0032 470123456", "02 123 45 67", "+32 2 123 45 67", "09/2345678", "+49 30 1234567"]) {
      expect(kinds(`Bel ${p} na vijven.`), p).toEqual([`phone:${p}`]);
    }
  });

  it("no phone number in amounts, times, years, short numbers or an IBAN's digits", () => {
    for (const t of ["€ 1.250,00", "om 10:30", "van 9.00 tot 12.30 uur", "in 2019 en 2020", "tel. 0612345", "NL12 ABNA 0417 1643 00", "week 12, kamer 0112", "0,5 fte", "aanvraag #20240312", "AV-2024-0045"]) {
      expect(kinds(t), t).toEqual([]);
    }
  });

  it("BSN only by the 11-proof", () => {
    expect(isValidBsn("111222333")).toBe(true);
    expect(isValidBsn("123456782")).toBe(true);
    expect(isValidBsn("123456789")).toBe(false);
    expect(kinds("BSN 123456782, 1234.56.782 en 123 456 782")).toEqual(["bsn:123456782", "bsn:1234.56.782", "bsn:123 456 782"]);
    expect(kinds("dossier 123456789")).toEqual([]);
    expect(kinds("1234567821")).toEqual([]);
  });

  it("Belgian rijksregisternummer by mod 97, born before and from 2000", () => {
    expect(isValidRrn("85073003328")).toBe(true);
    expect(isValidRrn("05031212360")).toBe(true);
    expect(isValidRrn("85073003329")).toBe(false);
    expect(kinds("RRN 85.07.30-033.28 en 05.03.12-123.60")).toEqual(["rrn:85.07.30-033.28", "rrn:05.03.12-123.60"]);
    expect(kinds("nummer 85.07.30-033.29")).toEqual([]);
  });

  it("IBAN of any country by its checksum, grouped or not", () => {
    expect(kinds("op NL91 ABNA 0417 1643 00 of NL91ABNA0417164300")).toEqual(["iban:NL91 ABNA 0417 1643 00", "iban:NL91ABNA0417164300"]);
    expect(kinds("BE68 5390 0754 7034 en DE89 3704 0044 0532 0130 00 en GB82 WEST 1234 5698 7654 32")).toEqual([
      "iban:BE68 5390 0754 7034",
      "iban:DE89 3704 0044 0532 0130 00",
      "iban:GB82 WEST 1234 5698 7654 32",
    ]);
    expect(kinds("NL12 ABNA 0417 1643 00 en BE69 5390 0754 7034")).toEqual([]);
  });

  it("dates of birth: after a word that says so, or a full date at least 14 years old", () => {
    expect(kinds("geboren op 12-03-1987; geb. 3/7/79; ° 12/03/1985; born 4 March 1990; geboortedatum 2 mei 2019")).toEqual([
      "birthdate:12-03-1987",
      "birthdate:3/7/79",
      "birthdate:12/03/1985",
      "birthdate:4 March 1990",
      "birthdate:2 mei 2019",
    ]);
    expect(kinds("Vader (14-02-1979) en zoon")).toEqual(["birthdate:14-02-1979"]);
    expect(kinds("afspraak op 14-03-2026, aangekomen 03-05-2019, sinds 1987, op 31-02-1980")).toEqual([]);
  });

  it("street addresses with a house number, and Dutch postcodes; not a street alone", () => {
    expect(kinds("Hoofdstraat 12a, 7811 AB Emmen")).toEqual(["address:Hoofdstraat 12a", "address:7811 AB"]);
    expect(kinds("op de Burgemeester van Roijensingel 4-hs")).toEqual(["address:Burgemeester van Roijensingel 4-hs"]);
    expect(kinds("Kortrijksesteenweg 1001 bus 3")).toEqual(["address:Kortrijksesteenweg 1001 bus 3"]);
    expect(kinds("kerkstraat 3")).toEqual(["address:kerkstraat 3"]);
    expect(kinds("woont aan de Kerkstraat, loopbaan 2 jaar, de weg 3 keer, Taal niveau A2, 2024 en later")).toEqual([]);
    expect(kinds("Hoofdstraat om 10:30")).toEqual([]);
    // The reference the form suggests (initials, birth year, area) is not a postcode.
    expect(kinds("AB 1985 ZO")).toEqual([]);
  });
});

describe("personal data: several fields, and removing it", () => {
  it("checkFields names each field and kind once, with spans", () => {
    const res = checkFields({ title: "Taalmaatje", description: "Bel 06-12345678 of 06-87654321, BSN 123456782", area: "Hoofdstraat 1" }, { year: YEAR });
    expect(res.found).toEqual([
      { field: "description", kind: "phone" },
      { field: "description", kind: "bsn" },
      { field: "area", kind: "address" },
    ]);
    expect(res.spans.description).toHaveLength(3);
    expect(res.spans.title).toBeUndefined();
  });

  it("removePersonalData takes the items (and a label before them) out and tidies the spaces", () => {
    const text = "Mevrouw zoekt een taalmaatje, tel: 06-12345678, mail anna@example.nl of kom langs.";
    expect(removePersonalData(text, find(text))).toBe("Mevrouw zoekt een taalmaatje, of kom langs.");
    const t2 = "Bel (06-12345678) voor een afspraak";
    expect(removePersonalData(t2, find(t2))).toBe("Bel voor een afspraak");
    const t3 = "Gezin, geboren op 12-03-1987, zoekt woning";
    expect(removePersonalData(t3, find(t3))).toBe("Gezin, zoekt woning");
    expect(find(removePersonalData(text, find(text)))).toEqual([]);
  });

  it("after removal nothing is found in any generated sentence", () => {
    const r = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      const { text } = makeSentence(r);
      const after = removePersonalData(text, find(text));
      expect(find(after), after).toEqual([]);
    }
  });
});
