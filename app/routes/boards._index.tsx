import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useT } from "~/i18n";
import { boardsFor } from "~/services/boards.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";

export const meta: MetaFunction = () => [{ title: "Borden · Alliantiebord" }];

export function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = requireUser(svc, request);
  return json({ alliance: user.allianceName, boards: boardsFor(svc, user) });
}

export default function Boards() {
  const t = useT();
  const { alliance, boards } = useLoaderData<typeof loader>();
  return (
    <main id="main" className="page">
      <h1>{t("boards.title", { alliance })}</h1>
      {boards.length === 0 ? (
        <p>{t("boards.empty")}</p>
      ) : (
        <ul className="board-list">
          {boards.map((b) => (
            <li key={b.id}>
              <Link to={`/boards/${b.id}`}>
                <strong>{b.name}</strong>
                <span className="muted">{t("boards.open")} →</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
