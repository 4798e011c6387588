import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { profileOf, updateProfile } from "~/services/account.server";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { loginClient, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";

const NO_STORE = { "Cache-Control": "private, no-store" };

/** GET /api/me: { id, name, email, locale, role, organisation: { id, name }, alliance: { id, name } }. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  return json(profileOf(user), { headers: NO_STORE });
}

/**
 * PATCH /api/me { name?, email?, locale?, currentPassword? }: the rules of
 * /account (app/services/account.server.ts). A new email needs
 * currentPassword. 200 { profile }; 422 { errors } (per field: required,
 * tooShort, tooLong, pattern, type, unknown; currentPassword: required,
 * wrong); 429 when the password throttle holds; 409 { errors: { email:
 * "exists" } } when the address is taken.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "PATCH") return methodNotAllowed("GET, PATCH");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const r = await updateProfile(svc, user, body, loginClient(request, context));
  if (r.ok) return json({ profile: r.profile }, { headers: NO_STORE });
  if (r.status === 409) return apiError(409, "email_taken", "This email address is already in use.", { errors: r.errors });
  if (r.status === 429) {
    const res = apiError(429, "rate_limited", "Too many password attempts. Try again later.", { errors: r.errors, retryAfter: r.retryAfterSeconds });
    res.headers.set("Retry-After", String(r.retryAfterSeconds));
    return res;
  }
  return apiError(422, "invalid", "Some fields are not valid.", { errors: r.errors });
}
