/**
 * The one rule for personal data in what people type (issue 14, "Keep it
 * out"): a request's fields, a comment, an import row. The detection is the
 * pure app/board/personal-data.ts (the card dialog runs the same before it
 * writes to the live document, and sends "Toch opslaan" through the PATCH
 * API, so the server checks and records it). Anything found refuses the write
 * unless the caller says `acknowledgePersonalData: true`; then the write
 * goes through and an audit event `personal_data_acknowledged` records which
 * fields held which kinds, never the text found.
 */
import { addAudit, type AuditInput } from "../../db/requests";
import { checkFields, type FieldFinding } from "../board/personal-data";
import type { ImportRow } from "../board/import-map";
import { apiError } from "./api.server";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

export const ACKNOWLEDGE_FIELD = "acknowledgePersonalData";
export const PERSONAL_DATA_ACKNOWLEDGED = "personal_data_acknowledged";
/** A request's fields that are checked (the reference too: a BSN or a phone number is no pseudonym). */
export const REQUEST_TEXT_FIELDS = ["title", "description", "area", "reference"] as const;

export const PERSONAL_DATA_MESSAGE =
  "The text holds personal data (see found). Remove it, or send the same body with \"acknowledgePersonalData\": true to save it anyway; that is recorded.";

/** Whether a body (JSON or form values) says to save despite personal data: `true`, or "1"/"true" from a form. */
export function acknowledged(value: unknown): boolean {
  return value === true || value === "1" || value === "true";
}

export type Gate = { ok: true; found: FieldFinding[] } | { ok: false; found: FieldFinding[] };

/**
 * Check the given fields (only strings are read). `ok: false` when something
 * was found and it was not acknowledged; `ok: true` with what was found
 * (empty when nothing) otherwise, for `recordAcknowledged`.
 */
export function personalDataGate(svc: AppServices, fields: Record<string, unknown>, ack: unknown): Gate {
  const { found } = checkFields(fields, { year: new Date(svc.now()).getUTCFullYear() });
  if (found.length && !acknowledged(ack)) return { ok: false, found };
  return { ok: true, found };
}

/** The API's answer to unacknowledged personal data: 422 { error: "personal_data", found: [{ field, kind }] }. */
export function personalDataResponse(found: readonly unknown[]): Response {
  return apiError(422, "personal_data", PERSONAL_DATA_MESSAGE, { found });
}

/** Record that someone saved personal data after the warning: fields and kinds only. */
export async function recordAcknowledged(
  svc: AppServices,
  user: SessionUser,
  target: { boardId: string; requestId: string | null },
  found: readonly FieldFinding[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  if (!found.length) return;
  await addAudit(svc.async, acknowledgementAudit(user, target, found, svc.now(), extra));
}

/** The audit entry recordAcknowledged writes, for a caller that writes it in a transaction of its own (a new request's). */
export function acknowledgementAudit(
  user: Pick<SessionUser, "id" | "organisationId">,
  target: { boardId: string; requestId: string | null },
  found: readonly FieldFinding[],
  at: number,
  extra: Record<string, unknown> = {},
): AuditInput {
  return {
    boardId: target.boardId,
    requestId: target.requestId,
    userId: user.id,
    orgId: user.organisationId,
    type: PERSONAL_DATA_ACKNOWLEDGED,
    data: { found: found.map(({ field, kind }) => ({ field, kind })), ...extra },
    createdAt: at,
  };
}

/** A finding in an import row: the file's row number, the field, the kind. */
export interface RowFinding extends FieldFinding {
  row: number;
}

/** Personal data in an import's rows (the cleaned card where the row is valid, else the values as in the file). */
export function rowsWithPersonalData(svc: AppServices, rows: readonly ImportRow[]): RowFinding[] {
  const year = new Date(svc.now()).getUTCFullYear();
  const out: RowFinding[] = [];
  for (const r of rows) {
    const source: Partial<Record<string, unknown>> = r.card ?? r.values;
    const { found } = checkFields(Object.fromEntries(REQUEST_TEXT_FIELDS.map((f) => [f, source[f]])), { year });
    for (const f of found) out.push({ row: r.row, ...f });
  }
  return out;
}

/** The findings of one row, as an audit records them. */
export function recordableFindings(found: readonly RowFinding[], row: number): FieldFinding[] {
  return found.filter((f) => f.row === row).map(({ field, kind }) => ({ field, kind }));
}
