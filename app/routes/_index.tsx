import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { getUser } from "~/services/auth.server";
import { services } from "~/services/context.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  return redirect(await getUser(services(context), request) ? "/boards" : "/login");
}
