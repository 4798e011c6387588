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

export interface CardView {
  id: string;
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
}

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

/** Validation outcome: error codes per field, translated by the UI. */
export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;
export type Result<T, K extends string = string> =
  | { ok: true; value: T }
  | { ok: false; errors: FieldErrors<K> };
