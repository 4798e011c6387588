import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readUploadBytes } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { IMPORT_TYPES, importList, importOptions } from "~/services/import.server";
import { retryAfterSeconds } from "~/services/limits.server";

export const loader = () => methodNotAllowed("POST");

/**
 * POST /api/boards/<boardId>/import[?dryRun=1] with the file as the body
 * (`Content-Type: text/csv` or the XLSX type, at most 5 MB). Mapping:
 * `map.<field>=<header name>` (title, category, description, area, urgency,
 * reference, column; guessed from the header when not given),
 * `category.<value>=<categoryId>` for category values the board does not
 * know, `duplicates=include` to import rows that look like duplicates too,
 * `acknowledgePersonalData=1` to import rows holding personal data too
 * (recorded per request). The preview lists `personalData: [{ row, field,
 * kind }]`; an import with such rows and without the acknowledgement is 422
 * { error: "personal_data", found: [{ row, field, kind }] }.
 *
 * Dry run: 200 { rows, errors: [{ row, field, code, message }], duplicates,
 * headers, mapping, unknownCategories, counts }. Import: 201 { importId,
 * created, ids, errors, duplicates, counts }. 403 viewers, 404 unknown board
 * or another alliance's, 409 an archived board (`board_archived`) or one whose columns or
 * categories changed between the judgement and the write (`board_changed`: nothing
 * imported), 415 other types, 422 unreadable file or nothing to
 * import, 429 quota or import cap.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  if (user.role === "viewer") return apiError(403, "forbidden", "Viewers cannot import requests.");
  const upload = await readUploadBytes(request, IMPORT_TYPES);
  const res = await importList(svc, user, board, upload, importOptions(new URL(request.url)));
  if (!res.ok) {
    if (res.status === 429) {
      const retryAfter = retryAfterSeconds(res.retryAfterMs);
      return json({ error: res.error, message: res.message, retryAfter }, { status: 429, headers: { "Retry-After": String(retryAfter) } });
    }
    if (res.status === 422) {
      const { preview } = res;
      return apiError(422, res.error, res.message, {
        ...(res.row ? { row: res.row } : {}),
        ...(res.found ? { found: res.found } : {}),
        ...(preview ? { errors: preview.errors, duplicates: preview.duplicates, counts: preview.counts } : {}),
      });
    }
    return apiError(res.status, res.error, res.message);
  }
  if (res.dryRun) return json({ dryRun: true, ...res.preview }, { headers: { "Cache-Control": "no-store" } });
  const p = res.preview;
  return json(
    {
      importId: res.importId,
      created: res.created,
      ids: res.ids,
      counts: { ...p.counts, created: res.created },
      errors: p.errors,
      duplicates: p.duplicates,
      mapping: p.mapping,
    },
    { status: 201 },
  );
}
