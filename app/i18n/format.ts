/**
 * The one place that turns catalog messages (ICU MessageFormat, app/i18n/catalogs/*.json)
 * into text, with intl-messageformat. Shared by the staff translator (index.ts) and the
 * public front door's (public.ts); imports no catalog itself.
 */
import IntlMessageFormat from "intl-messageformat";

/** Values a message can take: `{name}` any, `{n, plural, ...}`/`{n, number}` numbers, `{d, date, ...}` dates. */
export type MessageValues = Record<string, string | number | Date>;

/** BCP 47 tags the formatters use (dates as in the Netherlands/Britain for the staff languages). */
export const LOCALE_TAGS = { nl: "nl-NL", en: "en-GB", ar: "ar", ti: "ti", uk: "uk" } as const;

/** Every date and time is shown in Amsterdam time (as app/board/meeting-time.ts), on the server and in the browser alike. */
const TIME_ZONE = "Europe/Amsterdam";
const FORMATS = {
  date: {
    short: { day: "numeric", month: "numeric", year: "numeric", timeZone: TIME_ZONE },
    medium: { day: "numeric", month: "short", year: "numeric", timeZone: TIME_ZONE },
    long: { day: "numeric", month: "long", year: "numeric", timeZone: TIME_ZONE },
    full: { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: TIME_ZONE },
  },
  time: {
    short: { hour: "2-digit", minute: "2-digit", timeZone: TIME_ZONE },
    medium: { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: TIME_ZONE },
    long: { hour: "2-digit", minute: "2-digit", timeZone: TIME_ZONE, timeZoneName: "short" },
    full: { hour: "2-digit", minute: "2-digit", timeZone: TIME_ZONE, timeZoneName: "long" },
  },
} satisfies { date: Record<string, Intl.DateTimeFormatOptions>; time: Record<string, Intl.DateTimeFormatOptions> };

/** Intl formatters cost ~0.1 ms to create; share them between all compiled messages. */
function memo<A extends unknown[], R>(make: (...args: A) => R): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args) => {
    const k = args.length === 1 ? String(args[0]) : `${String(args[0])}|${JSON.stringify(args[1])}`;
    let v = cache.get(k);
    if (v === undefined) {
      v = make(...args);
      cache.set(k, v);
    }
    return v;
  };
}
const formatters = {
  getNumberFormat: memo((locales?: string | string[], opts?: Intl.NumberFormatOptions) => new Intl.NumberFormat(locales, opts)),
  getDateTimeFormat: memo((...args: ConstructorParameters<typeof Intl.DateTimeFormat>) => new Intl.DateTimeFormat(...args)),
  getPluralRules: memo((...args: ConstructorParameters<typeof Intl.PluralRules>) => new Intl.PluralRules(...args)),
};

/** An ICU argument's kind, as the parser names it (`{name}` is "argument"). */
export type ArgumentKind = "argument" | "number" | "date" | "time" | "select" | "plural" | "selectordinal";

interface AstNode {
  type: number;
  value?: unknown;
  options?: Record<string, { value: AstNode[] }>;
  pluralType?: "cardinal" | "ordinal";
  children?: AstNode[];
}
const KIND_BY_TYPE: Record<number, ArgumentKind> = { 1: "argument", 2: "number", 3: "date", 4: "time", 5: "select", 6: "plural" };

function collectArguments(nodes: AstNode[], into: Map<string, ArgumentKind>): void {
  for (const n of nodes) {
    let kind = KIND_BY_TYPE[n.type];
    if (kind === "plural" && n.pluralType === "ordinal") kind = "selectordinal";
    if (kind && typeof n.value === "string" && !into.has(n.value)) into.set(n.value, kind);
    if (n.options) for (const o of Object.values(n.options)) collectArguments(o.value, into);
    if (n.children) collectArguments(n.children, into);
  }
}

/** Parses an ICU message (throws when it is not valid ICU). */
export function compileMessage(message: string, tag: string): IntlMessageFormat {
  return new IntlMessageFormat(message, tag, FORMATS, { ignoreTag: true, formatters });
}

/** The arguments of a message with their kinds: `{n, plural, ...}` gives n → "plural". */
export function messageArguments(message: string, tag = "nl-NL"): Map<string, ArgumentKind> {
  const out = new Map<string, ArgumentKind>();
  collectArguments(compileMessage(message, tag).getAst() as unknown as AstNode[], out);
  return out;
}

/** The plural categories a message's plural/selectordinal arguments spell out, per argument. */
export function pluralCategories(message: string, tag = "nl-NL"): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (nodes: AstNode[]) => {
    for (const n of nodes) {
      if (n.type === 6 && typeof n.value === "string" && n.options) out.set(n.value, Object.keys(n.options));
      if (n.options) for (const o of Object.values(n.options)) walk(o.value);
      if (n.children) walk(n.children);
    }
  };
  walk(compileMessage(message, tag).getAst() as unknown as AstNode[]);
  return out;
}

/** A message of text and `{name}`s only, as alternating parts: text, name, text, ... (formatted by joining, ~20× faster). */
type Simple = { parts: string[] };
type Compiled = string | Simple | { mf: IntlMessageFormat; simple: string[] };

function simpleParts(ast: AstNode[]): string[] | null {
  const parts = [""];
  for (const n of ast) {
    if (n.type === 0 && typeof n.value === "string") parts[parts.length - 1] += n.value;
    else if (n.type === 1 && typeof n.value === "string") parts.push(n.value, "");
    else return null;
  }
  return parts;
}

/**
 * A formatting function over one catalog: compiles each message once (lazily) and keeps it.
 * A message without ICU syntax is returned as it is. A `{name}` with no value stays `{name}`
 * in the text (as before the move to ICU); a message that cannot be formatted (a plural
 * without its number) falls back to its source text rather than breaking the page.
 */
export function catalogFormatter(
  tag: string,
  catalog: Record<string, string>,
  fallback?: Record<string, string>,
): (key: string, vars?: MessageValues) => string {
  const compiled = new Map<string, Compiled>();
  return (key, vars) => {
    let c = compiled.get(key);
    if (c === undefined) {
      const source = catalog[key] ?? fallback?.[key] ?? key;
      if (!/[{}]|''/.test(source)) c = source;
      else {
        try {
          const mf = compileMessage(source, tag);
          const ast = mf.getAst() as unknown as AstNode[];
          const parts = simpleParts(ast);
          if (parts) c = { parts };
          else {
            const args = new Map<string, ArgumentKind>();
            collectArguments(ast, args);
            c = { mf, simple: [...args].filter(([, k]) => k === "argument").map(([n]) => n) };
          }
        } catch {
          c = source;
        }
      }
      compiled.set(key, c);
    }
    if (typeof c === "string") return c;
    if ("parts" in c) {
      let out = c.parts[0];
      for (let i = 1; i < c.parts.length; i += 2) {
        const name = c.parts[i];
        const v = vars?.[name];
        out += (v === undefined ? `{${name}}` : String(v)) + c.parts[i + 1];
      }
      return out;
    }
    let values: MessageValues | undefined = vars;
    for (const name of c.simple) {
      if (!values || !(name in values)) values = { ...values, [name]: `{${name}}` };
    }
    try {
      const r = c.mf.format(values);
      return Array.isArray(r) ? r.join("") : String(r);
    } catch {
      return catalog[key] ?? fallback?.[key] ?? key;
    }
  };
}
