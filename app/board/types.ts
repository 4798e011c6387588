/** Plain views of the shared board document, as the UI and the server read them. */

export const URGENCIES = ["laag", "normaal", "hoog", "spoed"] as const;
export type Urgency = (typeof URGENCIES)[number];

export const ICONS = ["home", "chat", "briefcase", "people", "heart", "book", "food", "health", "money", "star"] as const;
export type IconName = (typeof ICONS)[number];

/** What a column means for the requests in it (see app/board/stages.ts). */
export type Stage = "intake" | "open" | "held" | "done";

export interface ColumnView {
  id: string;
  name: string;
  order: string;
  stage: Stage;
}

export interface CategoryView {
  id: string;
  label: string;
  color: string;
  icon: IconName;
  order: string;
}

/** What a card is (the card's `kind` key; absent = "request", as every card before issue 15). */
export const CARD_KINDS = ["request", "offer", "job"] as const;
export type CardKind = (typeof CARD_KINDS)[number];

/** Language level a job asks for, or a person has (requests for work or meeting people). */
export const LANGUAGE_LEVELS = ["none", "A1", "A2", "B1+"] as const;
export type LanguageLevel = (typeof LANGUAGE_LEVELS)[number];

/** How often a job happens: once (on `at`) or every week (on `at`'s weekday and time). */
export const RECURRENCES = ["once", "weekly"] as const;
export type Recurrence = (typeof RECURRENCES)[number];

/** Where a card came from when not from a logged-in organisation: the public front door (issue 15). */
export const CARD_ORIGINS = ["front-door"] as const;
export type CardOrigin = (typeof CARD_ORIGINS)[number];

export interface CardView {
  id: string;
  kind: CardKind;
  title: string;
  category: string;
  column: string;
  order: string;
  archived: boolean;
  description: string;
  area: string;
  urgency: Urgency;
  /** ms since epoch, stamped by the server when the request is created */
  createdAt: number;
  /** organisation that entered the request, stamped by the server */
  createdByOrg: string;
  updatedAt: number;
  /** Jobs: number of places (0 on other cards; set by the server). */
  places: number;
  /** Jobs: places filled, mirrored by the server from SQL (job_places). */
  filled: number;
  /** Requests: the job this request joined ("" none), mirrored by the server. */
  job: string;
  /** Jobs: when (ms; 0 = no date). */
  at: number;
  /** Jobs: "once" or "weekly" (on at's weekday and time); "" on other cards. */
  recurrence: Recurrence | "";
  /** Jobs: how long, in minutes (0 = not said). */
  durationMinutes: number;
  /** Jobs: the level it asks; requests: the person's level ("" = not said). */
  languageLevel: LanguageLevel | "";
  /** Jobs: physical work. */
  physical: boolean;
  /** Jobs: what else it asks (free text). */
  asks: string;
  /** Requests: when the person is free, day-part tokens such as "ma-ochtend za-middag" ("" = not said). */
  availability: string;
  /** "front-door" when a person sent it through the public page; null otherwise. */
  origin: CardOrigin | null;
  /** The language (BCP 47) the person wrote in, for front-door cards; "" otherwise. */
  language: string;
  /** A staff member's Dutch or English rendering of the original text (front-door cards); "" when none. */
  translation: string;
}

/** The issue-15 fields of a card that has none of them: a request as every card before. */
export const CARD_DEFAULTS = {
  kind: "request",
  places: 0,
  filled: 0,
  job: "",
  at: 0,
  recurrence: "",
  durationMinutes: 0,
  languageLevel: "",
  physical: false,
  asks: "",
  availability: "",
  origin: null,
  language: "",
  translation: "",
} as const satisfies Partial<CardView>;

export interface BoardSnapshot {
  columns: ColumnView[];
  categories: CategoryView[];
  cards: CardView[];
}

/** The fields a person may edit on a card (the shared part; the reference lives in SQL). */
export interface CardFields {
  title: string;
  category: string;
  description: string;
  area: string;
  urgency: Urgency;
}

/** The optional fields matching needs (issue 15), that people edit: a job's when and what it asks, a request's level and availability. */
export interface CardExtras {
  at: number;
  recurrence: Recurrence | "";
  durationMinutes: number;
  languageLevel: LanguageLevel | "";
  physical: boolean;
  asks: string;
  availability: string;
}

/** Validation outcome: error codes per field, translated by the UI. */
export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;
export type Result<T, K extends string = string> =
  | { ok: true; value: T }
  | { ok: false; errors: FieldErrors<K> };
