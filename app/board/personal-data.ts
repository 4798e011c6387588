/**
 * Personal data in free text (issue 14, "Keep it out"): what a request, a
 * comment or an import row should not carry. Pure: no IO, no clock unless
 * none is given (the birth-date rule needs the current year).
 *
 * Kinds, and what counts:
 * - `email`: an address with a domain and a top-level domain of 2+ letters.
 * - `phone`: Dutch (10 digits from the trunk 0; +31/0031 with 9 digits, an
 *   optional "(0)") and Belgian numbers (9 or 10 digits from 0; +32/0032 with
 *   8 or 9), written with spaces, dashes, dots, slashes or the area code in
 *   parentheses; any other "+<country>" number of 9 to 15 digits.
 * - `bsn`: 9 digits (plain, 3-3-3 or 4-2-3 groups) passing the 11-proof.
 * - `rrn`: the Belgian rijksregisternummer, 11 digits (often YY.MM.DD-XXX.CC)
 *   whose last two are 97 minus the first nine mod 97 (for those born in
 *   2000 or later: "2" before the nine), with a month 0-12 (or a bis number's
 *   +20/+40) and a day 0-31.
 * - `iban`: a known country's IBAN of its exact length (grouped by spaces or
 *   not) whose mod-97 checksum holds.
 * - `birthdate`: a date within a few words after geboren/geb./geboortedatum/
 *   born/DOB/°, in numbers or with a month name (2-digit years too); and
 *   without such a word, a full numeric day-month-year (or year-month-day)
 *   date at least 14 years before `year`: an appointment or an arrival date
 *   of the past few years is left alone, a date that old in a request is
 *   almost always someone's birth date (an arrival date that old is flagged:
 *   it identifies as well).
 * - `address`: a street (a word ending in -straat, -laan, -weg, -plein,
 *   -dreef, -steenweg, -kade, -gracht, -singel, -dijk, … ; capitalised, or a
 *   lowercase compound of one of the long suffixes) followed by a house
 *   number with an optional addition (12a, 12-hs, 12 bis, 12 bus 3), and a
 *   Dutch postcode "1234 AB".
 *
 * Not personal data (must not match): a 9-digit number failing the
 * 11-proof, an IBAN-shaped text with a bad checksum (nor its digits as a
 * phone number), years, amounts, times, request numbers, "Taal niveau A2",
 * a street without a house number, recent dates.
 */

export const PERSONAL_DATA_KINDS = ["email", "phone", "bsn", "rrn", "iban", "birthdate", "address"] as const;
export type PersonalDataKind = (typeof PERSONAL_DATA_KINDS)[number];

export function isPersonalDataKind(v: unknown): v is PersonalDataKind {
  return typeof v === "string" && (PERSONAL_DATA_KINDS as readonly string[]).includes(v);
}

/** One finding: the kind and where it is (UTF-16 offsets, `end` exclusive). */
export interface Finding {
  kind: PersonalDataKind;
  start: number;
  end: number;
}

export interface FindOptions {
  /** The current year, for the birth-date rule; defaults to the clock's. */
  year?: number;
}

// ------------------------------------------------------------------ check digits

/** The Dutch 11-proof of a 9-digit BSN. */
export function isValidBsn(digits: string): boolean {
  if (!/^\d{9}$/.test(digits) || /^0+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(digits[i]) * (9 - i);
  sum -= Number(digits[8]);
  return sum % 11 === 0;
}

/** A Belgian rijksregisternummer (11 digits): mod-97 check, born before or from 2000. */
export function isValidRrn(digits: string): boolean {
  if (!/^\d{11}$/.test(digits)) return false;
  const month = Number(digits.slice(2, 4));
  const day = Number(digits.slice(4, 6));
  const m = month >= 40 ? month - 40 : month >= 20 ? month - 20 : month;
  if (m > 12 || day > 31) return false;
  const base = Number(digits.slice(0, 9));
  const check = Number(digits.slice(9));
  return 97 - (base % 97) === check || 97 - ((2_000_000_000 + base) % 97) === check;
}

/** The lengths of IBANs by country (the SWIFT registry's). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28,
  TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** ISO 13616's mod-97 of a compact IBAN (country, check digits, BBAN). */
export function ibanRemainder(compact: string): number {
  const s = (compact.slice(4) + compact.slice(0, 4)).toUpperCase();
  let rest = 0;
  for (const ch of s) {
    const v = ch >= "A" && ch <= "Z" ? ch.charCodeAt(0) - 55 : Number(ch);
    rest = v >= 10 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest;
}

export function isValidIban(compact: string): boolean {
  const c = compact.toUpperCase();
  return /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(c) && IBAN_LENGTHS[c.slice(0, 2)] === c.length && ibanRemainder(c) === 1;
}

// ------------------------------------------------------------------ the kinds

const WORD = /[\p{L}\p{N}_]/u;
const isWordChar = (ch: string | undefined) => !!ch && WORD.test(ch);
const isAlnum = (ch: string | undefined) => !!ch && /[\p{L}\p{N}]/u.test(ch);

interface Span {
  start: number;
  end: number;
}

/**
 * Every match of a global regular expression. `matchAll` copies the
 * expression on each call (compiling it again), which made the check ten
 * times slower; `exec` on the shared one does not.
 */
function all(re: RegExp, text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(m);
    if (m[0] === "") re.lastIndex++;
  }
  return out;
}

const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(?![\p{L}\p{N}])/gu;

function emails(text: string): Span[] {
  return all(EMAIL, text).map((m) => ({ start: m.index!, end: m.index! + m[0].length }));
}

/** IBAN-shaped spans (a known country, two digits, the country's length in letters and digits), valid or not. */
function ibanShapes(text: string): Array<Span & { valid: boolean }> {
  const out: Array<Span & { valid: boolean }> = [];
  const re = /(?<![\p{L}\p{N}])([A-Za-z]{2})\d{2}/gu;
  for (const m of all(re, text)) {
    const len = IBAN_LENGTHS[m[1].toUpperCase()];
    if (!len) continue;
    const start = m.index!;
    let i = start;
    let compact = "";
    while (i < text.length && compact.length < len) {
      const ch = text[i];
      if (/[A-Za-z0-9]/.test(ch)) {
        compact += ch;
        i++;
      } else if (ch === " " && /[A-Za-z0-9]/.test(text[i + 1] ?? "") && compact.length >= 4) i++;
      else break;
    }
    if (compact.length !== len || isAlnum(text[i])) continue;
    // The letters after the country must be upper case or digits: "nl12 abcd" in running text is rarely an IBAN.
    const body = compact.slice(4);
    if (!/\d/.test(body) || (body !== body.toUpperCase() && compact !== compact.toLowerCase())) continue;
    out.push({ start, end: i, valid: isValidIban(compact) });
  }
  return out;
}

const NUMBER_BEFORE = /[\p{L}\p{N}_.,\-/+#€@]/u;
const numberBoundaryBefore = (text: string, at: number) => at === 0 || !NUMBER_BEFORE.test(text[at - 1]);
const numberBoundaryAfter = (text: string, at: number) =>
  at >= text.length || (!isWordChar(text[at]) && !/^[.,\-/:]\d/.test(text.slice(at, at + 2)) && text[at] !== "@");

/** 9-digit BSNs by the 11-proof. */
function bsns(text: string): Span[] {
  const out: Span[] = [];
  const re = /\d{9}|\d{3}([. -])\d{3}\1\d{3}|\d{4}([. ])\d{2}\2\d{3}/g;
  for (const m of all(re, text)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (!numberBoundaryBefore(text, start) || !numberBoundaryAfter(text, end)) continue;
    // "+32 479…", "0032 479…": the rest of a phone number after its country code.
    if (/(?:\+|00)\s?\d{2}[\s.-]?$/.test(text.slice(Math.max(0, start - 6), start))) continue;
    if (isValidBsn(m[0].replace(/\D/g, ""))) out.push({ start, end });
  }
  return out;
}

/** Belgian rijksregisternummers by their check digits. */
function rrns(text: string): Span[] {
  const out: Span[] = [];
  const re = /\d{2}\.?\d{2}\.?\d{2}[-. ]?\d{3}[-. ]?\d{2}/g;
  for (const m of all(re, text)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (!numberBoundaryBefore(text, start) || !numberBoundaryAfter(text, end)) continue;
    if (isValidRrn(m[0].replace(/\D/g, ""))) out.push({ start, end });
  }
  return out;
}

/** RRN-shaped text (YY.MM.DD-XXX.CC, YYMMDD-XXX-CC), valid or not: its parts are not phone numbers. */
const RRN_SHAPE = /(?<![\d.-])(?:\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}|\d{6}([- ])\d{3}\1\d{2})(?![\d.-]\d|\d)/g;

/** Whether a candidate (digit groups with separators, maybe "+" or "00" first) is a phone number. */
export function isPhoneNumber(candidate: string): boolean {
  const s = candidate.trim();
  const plus = s.startsWith("+");
  const norm = plus || s.startsWith("00") ? s.replace(/\(0\)/, "") : s;
  let digits = norm.replace(/\D/g, "");
  let intl = plus;
  if (!plus && digits.startsWith("00")) {
    digits = digits.slice(2);
    intl = true;
  }
  if (intl) {
    if (digits.startsWith("31")) return /^[1-9]\d{8}$/.test(digits.slice(2));
    if (digits.startsWith("32")) {
      const rest = digits.slice(2);
      return /^[1-9]\d{7}$/.test(rest) || /^4\d{8}$/.test(rest);
    }
    return plus && /^[1-9]\d{8,14}$/.test(digits);
  }
  if (!digits.startsWith("0") || digits[1] === "0") return false;
  if (digits.length === 10) return true;
  if (digits.length === 9) {
    // Nine digits in one piece that pass the 11-proof are a BSN, not a Belgian landline.
    return !(/^\d{9}$/.test(s) && isValidBsn(s));
  }
  return false;
}

/** Runs of digit groups joined by a space, a dot, or a dash or slash (spaces around those allowed). */
const PHONE_RUN = /(?:\+\s?|00)?\(?\d+\)?\d*(?:(?:\s?[-/]\s?|\.|\s)\(?\d+\)?\d*)*/g;
const PHONE_GROUP = /(?:\+\s?)?\(?\d+\)?\d*/g;

function phones(text: string, masked: (s: Span) => boolean): Span[] {
  const out: Span[] = [];
  for (const run of all(PHONE_RUN, text)) {
    const runStart = run.index!;
    const groups = all(PHONE_GROUP, run[0]).map((g) => ({ start: runStart + g.index!, end: runStart + g.index! + g[0].length }));
    let i = 0;
    while (i < groups.length) {
      // A number starts at the run's start or after a space, never inside a dotted or dashed compound.
      const startsHere = i === 0 ? numberBoundaryBefore(text, runStart) : /\s$/.test(text.slice(groups[i - 1].end, groups[i].start));
      const first = text.slice(groups[i].start, groups[i].end).replace(/[(\s]/g, "");
      let found = -1;
      if (startsHere && /^(\+|0)/.test(first)) {
        for (let j = Math.min(groups.length - 1, i + 7); j >= i; j--) {
          // It ends at the run's end or before a space ("06-12345678 / 020-1234567").
          const endsHere = j === groups.length - 1 || /^\s/.test(text.slice(groups[j].end, groups[j + 1].start));
          if (!endsHere) continue;
          let start = groups[i].start;
          let end = groups[j].end;
          let cand = text.slice(start, end);
          // An unmatched parenthesis at either end belongs to the sentence.
          if (cand.startsWith("(") && !cand.includes(")")) (start++, (cand = cand.slice(1)));
          if (cand.endsWith(")") && !cand.includes("(")) (end--, (cand = cand.slice(0, -1)));
          if (j === groups.length - 1 && !numberBoundaryAfter(text, groups[j].end)) continue;
          if (isPhoneNumber(cand) && !masked({ start, end })) {
            out.push({ start, end });
            found = j;
            break;
          }
        }
      }
      i = found >= 0 ? found + 1 : i + 1;
    }
  }
  return out;
}

// ------------------------------------------------------------------ dates of birth

const MONTHS: Record<string, number> = {
  januari: 1, jan: 1, january: 1, februari: 2, feb: 2, february: 2, maart: 3, mrt: 3, mar: 3, march: 3, april: 4, apr: 4,
  mei: 5, may: 5, juni: 6, jun: 6, june: 6, juli: 7, jul: 7, july: 7, augustus: 8, aug: 8, august: 8, september: 9,
  sep: 9, sept: 9, oktober: 10, okt: 10, october: 10, oct: 10, november: 11, nov: 11, december: 12, dec: 12,
};
const MONTH_NAMES = Object.keys(MONTHS).sort((a, b) => b.length - a.length).join("|");

const NUMERIC_DATE = /(?<![\p{L}\p{N}.,\-/])(?:(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})|(\d{4})-(\d{1,2})-(\d{1,2}))(?![\p{L}\p{N}]|[.,\-/:]\d)/gu;
const NAMED_DATE = new RegExp(`(?<![\\p{L}\\p{N}])(\\d{1,2})(?:e|ste)?\\s+(${MONTH_NAMES})\\.?\\s+(\\d{4})(?![\\p{L}\\p{N}])`, "giu");
const BIRTH_WORD = /(?:geboren|geb\.?|geboortedatum|geboortedag|geb\.?\s?datum|born|date of birth|birth ?date|d\.?o\.?b\.?|°|\*)\s*(?:op|on|in|:)?\s*:?\s*$/i;

function validDay(y: number, m: number, d: number) {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function dates(text: string, year: number): Span[] {
  const out: Span[] = [];
  const consider = (start: number, end: number, d: number, m: number, yRaw: string) => {
    const before = text.slice(Math.max(0, start - 30), start);
    const keyword = BIRTH_WORD.test(before);
    let y = Number(yRaw);
    if (yRaw.length === 2) {
      if (!keyword) return;
      y += y + 2000 > year ? 1900 : 2000;
    }
    if (!validDay(y, m, d) || y < 1900 || y > year) return;
    if (keyword || y <= year - 14) out.push({ start, end });
  };
  for (const m of all(NUMERIC_DATE, text)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (m[1]) consider(start, end, Number(m[1]), Number(m[3]), m[4]);
    else consider(start, end, Number(m[7]), Number(m[6]), m[5]);
  }
  for (const m of all(NAMED_DATE, text)) {
    const start = m.index!;
    consider(start, start + m[0].length, Number(m[1]), MONTHS[m[2].toLowerCase()], m[3]);
  }
  return out;
}

// ------------------------------------------------------------------ addresses

/** Suffixes that make a street in any case when compounded ("kerkstraat"). */
const STRONG = "straat|steenweg|laan|plein|dreef|kade|gracht|singel|plantsoen|boulevard|steeg|kaai|dwarsstraat|steenstraat";
/** Suffixes that also end ordinary words ("loopbaan", "snelweg"): a street only when capitalised. */
const WEAK = "weg|dijk|pad|hof|park|markt|baan|dam|ring|wal|lei|vest|dries|oord|erf|veld|burg|berg|hoek|gang|allee|dal|zoom|haven|weide|akker|meer|hout|brink|esch|es";
const STREET_NUMBER = String.raw`\s+(\d{1,5})(?:\s?-\s?\d{1,4}|\s?-?\s?[A-Za-z]{1,2}(?![\p{L}])|\s?(?:-\s?)?(?:hs|huis|bis|boven|bg|i{1,3})(?![\p{L}])|\s+bus\s+\d{1,4}[A-Za-z]?)?`;
const STREET = new RegExp(
  String.raw`(?<![\p{L}\p{N}-])(?:(\p{Lu}[\p{L}'’-]*(?:${STRONG}|${WEAK}))|([\p{L}'’-]{2,}(?:${STRONG})))` + STREET_NUMBER + String.raw`(?![\p{L}\p{N}]|[.,:]\d|\s?%)`,
  "gu",
);
/** Lowercase words inside a street's name ("Burgemeester van Roijensingel"), kept only between its capitalised words. */
const PARTICLES = new Set(["van", "de", "der", "den", "het", "'t", "ten", "ter", "v.d."]);
/** Capitalised first words of a street's name. */
const STREET_PREFIXES = new Set(
  ("van de den der ter ten sint st. burgemeester burg. dokter dr. pastoor pater prins prinses koning koningin graaf gravin " +
    "generaal kapitein meester mr. professor prof. oude nieuwe lange korte grote kleine hoge lage noord zuid oost west " +
    "binnen buiten eerste tweede derde vierde kerkelijke heilige onze lieve vrouw jan johan willem")
    .split(" "),
);
const POSTCODE = /(?<![\p{L}\p{N}])[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}(?![\p{L}\p{N}])/gu;

/** A street suffix before a number: without one there is no street address to look for (the full pattern is slow). */
const STREET_HINT = new RegExp(String.raw`(?:${STRONG}|${WEAK})\s+\d`);
const WORDS_BEFORE = /[\p{L}'’.-]+\s+/gu;

function addresses(text: string): Span[] {
  const out: Span[] = [];
  for (const m of STREET_HINT.test(text) ? all(STREET, text) : []) {
    let start = m.index!;
    const end = start + m[0].length;
    // "Burgemeester van Roijensingel 12", "Oude Kerkstraat 4": the name's earlier words belong to it.
    const words = all(WORDS_BEFORE, text.slice(Math.max(0, start - 80), start)).map((w) => Object.assign(w, { index: w.index + Math.max(0, start - 80) }));
    let edge = start;
    for (let k = words.length - 1; k >= 0 && k >= words.length - 4; k--) {
      const w = words[k];
      if (w.index! + w[0].length !== edge) break;
      const word = w[0].trim();
      if (STREET_PREFIXES.has(word.toLowerCase()) && /^\p{Lu}/u.test(word)) start = edge = w.index!;
      else if (PARTICLES.has(word) && k > 0) edge = w.index!;
      else break;
    }
    out.push({ start, end });
  }
  for (const m of all(POSTCODE, text)) {
    // "AB 1985 ZO", the pseudonymous reference the form suggests (initials, birth year, area), is no postcode.
    if (/(?:^|[^\p{L}])\p{Lu}{1,4}\s$/u.test(text.slice(Math.max(0, m.index! - 6), m.index!))) continue;
    out.push({ start: m.index!, end: m.index! + m[0].length });
  }
  return out;
}

// ------------------------------------------------------------------ together

function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/**
 * Every piece of personal data in a text, in text order. Where two kinds
 * claim the same characters the first of e-mail, IBAN, RRN, BSN, phone,
 * date of birth, address wins.
 */
export function findPersonalData(text: string, opts: FindOptions = {}): Finding[] {
  if (!text) return [];
  const year = opts.year ?? new Date().getFullYear();
  const taken: Finding[] = [];
  const add = (kind: PersonalDataKind, spans: Span[]) => {
    for (const s of spans) if (!taken.some((t) => overlaps(t, s))) taken.push({ kind, start: s.start, end: s.end });
  };
  if (text.includes("@")) add("email", emails(text));
  // Every other kind has digits in it, the numbers at least nine: cheap tests first, so an
  // ordinary text (a 10,000-row import is checked row by row) costs next to nothing.
  const digits = countDigits(text);
  if (digits >= 9) {
    const shapes = ibanShapes(text);
    add("iban", shapes.filter((s) => s.valid));
    // Numbers inside an IBAN-shaped or RRN-shaped text are not numbers of another kind, valid or not.
    const masks: Span[] = [...shapes, ...all(RRN_SHAPE, text).map((m) => ({ start: m.index!, end: m.index! + m[0].length }))];
    const masked = (s: Span) => masks.some((m) => overlaps(m, s));
    add("rrn", rrns(text).filter((s) => !shapes.some((m) => overlaps(m, s))));
    add("bsn", bsns(text).filter((s) => !masked(s)));
    add("phone", phones(text, masked));
    add("birthdate", dates(text, year).filter((s) => !masked(s)));
  } else if (digits >= 4) add("birthdate", dates(text, year));
  if (digits >= 1) add("address", addresses(text));
  return taken.sort((a, b) => a.start - b.start);
}

export interface FieldFinding {
  field: string;
  kind: PersonalDataKind;
}

export interface FieldsCheck {
  /** One entry per field and kind, in the order of the fields given. */
  found: FieldFinding[];
  /** The spans per field (for the UI to highlight, quote or remove). */
  spans: Record<string, Finding[]>;
}

/** Check several fields at once: `{ title, description, area }` → what was found where. */
export function checkFields(fields: Record<string, unknown>, opts: FindOptions = {}): FieldsCheck {
  const found: FieldFinding[] = [];
  const spans: Record<string, Finding[]> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== "string" || !value) continue;
    const f = findPersonalData(value, opts);
    if (!f.length) continue;
    spans[field] = f;
    for (const kind of new Set(f.map((x) => x.kind))) found.push({ field, kind });
  }
  return { found, spans };
}

/** A label that only introduced the removed item ("tel.:", "e-mail:", "geboren op", "BSN") goes with it. */
const LABEL_BEFORE =
  /(?:\b(?:tel(?:efoon)?(?:nummer|nr)?|mob(?:iel)?|gsm|e-?mail(?:adres)?|mail|bsn|burgerservicenummer|rijksregister(?:nummer)?|rrn|iban|rekening(?:nummer)?|rek\.?\s?nr|geboren(?:\s+op)?|geb\.?|geboortedatum|born(?:\s+on)?|dob|adres|address|phone|nr)\.?\s*:?|°)\s*$/i;

/**
 * The text without the findings (and a label right before one, like "tel.:"),
 * spaces tidied where something went. Findings must be of this text.
 */
export function removePersonalData(text: string, findings: readonly Finding[]): string {
  const spans = [...findings].sort((a, b) => b.start - a.start);
  let out = text;
  for (const f of spans) {
    if (f.start < 0 || f.end > out.length || f.start >= f.end) continue;
    let start = f.start;
    const label = LABEL_BEFORE.exec(out.slice(Math.max(0, start - 40), start));
    if (label) start -= label[0].length;
    let before = out.slice(0, start).replace(/[ \t]+$/, "");
    let after = out.slice(f.end).replace(/^[ \t]+/, "");
    // "(06-12345678)" leaves no "()" behind.
    if (before.endsWith("(") && after.startsWith(")")) {
      before = before.slice(0, -1).replace(/[ \t]+$/, "");
      after = after.slice(1).replace(/^[ \t]+/, "");
    }
    const gap = before && after && !/^[.,;:!?)\n]/.test(after) && !/[(\n]$/.test(before) ? " " : "";
    out = before + gap + after;
  }
  return out
    .replace(/[ \t]{2,}/g, " ")
    // What stood between two removed items ("06-… / 020-…", "a, b en c") goes too.
    .replace(/(^|[\s:;,(])(?:[/,;&+]|en|of|and|or)(?=\s*(?:[.,;:!?)]|$))/gim, "$1")
    .replace(/[ \t]+([.,;:!?])/g, "$1")
    .replace(/([,;:])(?:\s*[,;:])+/g, "$1")
    .replace(/^[\s,;:.]+/, "")
    .replace(/[ \t,;:]+$/gm, "")
    .trim();
}
