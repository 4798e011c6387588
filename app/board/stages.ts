/**
 * Column stages and the rules that tie a request's column to who holds it.
 * Pure: the board, the sync server's check, the API, the overview and the
 * tests all ask these functions, so each rule is written once.
 *
 * Every column has a stage, kept in the document beside its name:
 *   intake  new, to be triaged               (nobody holds the request)
 *   open    waiting for an organisation      (nobody holds the request)
 *   held    an organisation works on it      (an organisation holds it)
 *   done    finished                         (held or not: history)
 *
 * Counting (overview, report, filters, expiry, matching) goes by stage,
 * never by a column's position.
 */
import type { ColumnView, Stage } from "./types";

export const STAGES = ["intake", "open", "held", "done"] as const satisfies readonly Stage[];

export function isStage(v: unknown): v is Stage {
  return typeof v === "string" && (STAGES as readonly string[]).includes(v);
}

/** The stage of the default columns, by id; older boards without stages are read with it too. */
export const DEFAULT_STAGE_BY_ID: Readonly<Record<string, Stage>> = {
  nieuw: "intake",
  open: "open",
  opgepakt: "held",
  "in-uitvoering": "held",
  afgerond: "done",
};

/**
 * The stage of a column written before columns had stages: the defaults by
 * id, otherwise as the board used to count (the last column was done, the
 * first was new, the rest open).
 */
export function legacyStage(id: string, index: number, count: number): Stage {
  const known = DEFAULT_STAGE_BY_ID[id];
  if (known) return known;
  if (index === count - 1) return "done";
  if (index === 0) return "intake";
  return "open";
}

/** Whether nobody, somebody, or either may hold a request in a column of this stage. */
export function holderRule(stage: Stage): "none" | "required" | "any" {
  return stage === "held" ? "required" : stage === "done" ? "any" : "none";
}

/** The invariant: a request's column and its holder never contradict each other. */
export function holderFits(stage: Stage, holder: string | null): boolean {
  const rule = holderRule(stage);
  return rule === "any" || (rule === "required") === (holder !== null);
}

/** Stages counted as "still to do" (the overview's open requests). */
export function isActiveStage(stage: Stage): boolean {
  return stage !== "done";
}

export function stageOfColumn(columns: readonly ColumnView[], columnId: string): Stage {
  const col = columns.find((c) => c.id === columnId) ?? columns[0];
  return col?.stage ?? "intake";
}

/** The first column (in board order) of a stage, or null when the board has none. */
export function firstColumnOf(columns: readonly ColumnView[], stage: Stage): ColumnView | null {
  return columns.find((c) => c.stage === stage) ?? null;
}

/** The columns of one stage in board order. */
export function columnsOf(columns: readonly ColumnView[], stage: Stage): ColumnView[] {
  return columns.filter((c) => c.stage === stage);
}

/** Stages the board lacks; a board keeps at least one column of each. */
export function missingStages(columns: readonly Pick<ColumnView, "stage">[]): Stage[] {
  return STAGES.filter((s) => !columns.some((c) => c.stage === s));
}

/**
 * Whether requests standing in a `from` column may be carried into a `to`
 * column without anyone's claim changing: the same stage, the two unheld
 * stages, or into done (which keeps whatever holder they had). Used when a
 * column's stage is changed while it holds requests and when a column is
 * removed and its requests go elsewhere.
 */
export function carriesOver(from: Stage, to: Stage): boolean {
  if (from === to || to === "done") return true;
  return holderRule(from) === "none" && holderRule(to) === "none";
}

/** Where a new column goes: before the first `done` column, unless an index is given. */
export function newColumnIndex(columns: readonly ColumnView[]): number {
  const i = columns.findIndex((c) => c.stage === "done");
  return i === -1 ? columns.length : i;
}

// ------------------------------------------------------------------ moves

export type Role = "coordinator" | "member" | "viewer";

export interface Actor {
  role: Role;
  /** The organisation the person acts for. */
  orgId: string;
}

/**
 * What a move of a request from a `from` stage into a `to` stage means for
 * its holder, decided before the move is allowed to stand:
 *  - `keep`     nothing changes hands
 *  - `claim`    the mover's organisation (or `org`, a coordinator's choice) takes it
 *  - `release`  the holder lets go (unclaim)
 */
export type HolderChange = { kind: "keep" } | { kind: "claim"; org: string } | { kind: "release" };

export function holderChangeForMove(from: Stage, to: Stage, holder: string | null, actor: Actor, chosenOrg?: string): HolderChange {
  if (holderFits(to, holder)) return { kind: "keep" };
  if (holderRule(to) === "required") return { kind: "claim", org: chosenOrg ?? actor.orgId };
  return { kind: "release" };
}

/**
 * Who may change a request (edit its fields, move it, archive it): the
 * coordinator always; a member when their organisation entered it or holds
 * it; a viewer never. Claiming an open request is the one move a member may
 * make on another organisation's request (see `mayMove`).
 */
export function mayChangeRequest(actor: Actor, request: { createdByOrg: string }, holder: string | null): boolean {
  if (actor.role === "coordinator") return true;
  if (actor.role !== "member") return false;
  return request.createdByOrg === actor.orgId || holder === actor.orgId;
}

/**
 * Whether an actor may move a request between columns of these stages. A
 * request an organisation holds moves with that organisation only (and the
 * coordinator); one nobody holds moves with the organisation that entered
 * it; any member may claim a request nobody holds by moving it from an
 * intake or open column into a held one.
 */
export function mayMove(actor: Actor, request: { createdByOrg: string }, holder: string | null, from: Stage, to: Stage): boolean {
  if (actor.role === "coordinator") return true;
  if (actor.role !== "member") return false;
  if (holder !== null) return holder === actor.orgId;
  if (request.createdByOrg === actor.orgId) return true;
  return holderRule(from) === "none" && to === "held";
}
