import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readJsonValue } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { getOffers, setOffers } from "~/services/overview.server";

/** GET: an organisation's offers per category. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const list = await getOffers(svc, user, params.organisationId!);
  if (!list) return apiError(404, "not_found", "No such organisation in your alliance.");
  return json(list);
}

/** PUT { offers: [{ category, label, capacity, area? }] } (or the array itself): replaces the organisation's offers. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PUT") return methodNotAllowed("GET, PUT");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readJsonValue(request);
  const res = await setOffers(svc, user, params.organisationId!, body);
  if (!res.ok) return apiError(res.status, res.error, res.message, res.fields ? { fields: res.fields } : {});
  return json(res.offers);
}
