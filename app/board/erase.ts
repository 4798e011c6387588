/**
 * What erasing a person changes in records that stay (pure): an audit event
 * keeps its type, time, actor and ids, and loses every word a person's data
 * can be in. Shared by "Vergeet deze persoon" and the retention sweep.
 */

/** Keys of audit data that hold free text (titles, descriptions, notes, references, comment bodies, reasons). */
export const AUDIT_TEXT_KEYS: readonly string[] = ["title", "description", "area", "reference", "body", "note", "reason", "text", "comment", "name"];

/**
 * An audit event's data without its words. `edited` events carry the old
 * and new value of a field (`from`, `to`): both go, the field's name stays.
 * Every other key that can hold text goes; ids, stages, counts and kinds stay
 * (the report counts moves by `from`/`to` column ids).
 */
export function scrubAuditData(type: string, data: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data ?? {})) {
    if (AUDIT_TEXT_KEYS.includes(k)) continue;
    if (type === "edited" && (k === "from" || k === "to")) continue;
    out[k] = v;
  }
  return out;
}

/** Whether scrubbing changes anything (so only rows that held words are rewritten and counted). */
export function auditHoldsText(type: string, data: Record<string, unknown> | null | undefined): boolean {
  return Object.keys(scrubAuditData(type, data)).length !== Object.keys(data ?? {}).length;
}
