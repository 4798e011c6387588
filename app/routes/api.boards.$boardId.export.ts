import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/services/api.server";
import { loader as csvLoader } from "./api.boards.$boardId.export[.]csv";

/** GET /api/boards/<boardId>/export?format=csv: the same as export.csv. */
export async function loader(args: LoaderFunctionArgs) {
  const format = new URL(args.request.url).searchParams.get("format") ?? "csv";
  if (format !== "csv") return apiError(400, "bad_request", "Use ?format=csv (the alliance's JSON export is GET /api/alliance/export).");
  return csvLoader(args);
}
