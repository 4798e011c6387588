/**
 * Display names for the board's built-in columns and categories: the five
 * default columns and four default categories are stored with their Dutch
 * names; while a board still uses that name we show the translation.
 */
import { DEFAULT_CATEGORIES, DEFAULT_COLUMNS } from "~/board/domain";
import type { CategoryView, ColumnView, Urgency } from "~/board/types";
import { formatAge, type Locale, type MessageKey, type Translate } from "~/i18n";

const COLUMN_KEYS: Record<string, MessageKey> = {
  nieuw: "column.default.nieuw",
  open: "column.default.open",
  opgepakt: "column.default.opgepakt",
  "in-uitvoering": "column.default.in-uitvoering",
  afgerond: "column.default.afgerond",
};

const CATEGORY_KEYS: Record<string, MessageKey> = {
  wonen: "category.default.wonen",
  taal: "category.default.taal",
  werk: "category.default.werk",
  maatje: "category.default.maatje",
};

export const URGENCY_KEYS: Record<Urgency, MessageKey> = {
  laag: "card.urgency.laag",
  normaal: "card.urgency.normaal",
  hoog: "card.urgency.hoog",
  spoed: "card.urgency.spoed",
};

export function columnLabel(t: Translate, column: Pick<ColumnView, "id" | "name">): string {
  const def = DEFAULT_COLUMNS.find((c) => c.id === column.id);
  const key = COLUMN_KEYS[column.id];
  return def && key && def.name === column.name ? t(key) : column.name;
}

export function categoryLabel(t: Translate, category: Pick<CategoryView, "id" | "label"> | undefined): string {
  if (!category) return t("category.unknown");
  const def = DEFAULT_CATEGORIES.find((c) => c.id === category.id);
  const key = CATEGORY_KEYS[category.id];
  return def && key && def.label === category.label ? t(key) : category.label;
}

/** How long ago a request was entered ("zojuist" for the first minute). */
export function cardAge(t: Translate, createdAt: number, now: number, locale: Locale): string {
  return now - createdAt < 60_000 ? t("card.justNow") : formatAge(createdAt, now, locale);
}

// ---------------------------------------------------------------- colour

function channel(v: number): number {
  const s = v / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

function luminance(hex: string): number | null {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const n = parseInt(m[1], 16);
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

export function contrastRatio(a: string, b: string): number {
  const la = luminance(a);
  const lb = luminance(b);
  if (la === null || lb === null) return 1;
  const [hi, lo] = la > lb ? [la, lb] : [lb, la];
  return (hi + 0.05) / (lo + 0.05);
}

const INK = "#1d2a30";
const WHITE = "#ffffff";

/** White or dark ink, whichever reads better on `background`. */
export function inkOn(background: string): string {
  return contrastRatio(WHITE, background) >= contrastRatio(INK, background) ? WHITE : INK;
}

/** A colour that is safe to use for a category (falls back to grey for malformed values). */
export function safeColor(color: string | undefined): string {
  return color && /^#[0-9a-f]{6}$/i.test(color) ? color : "#5b6770";
}
