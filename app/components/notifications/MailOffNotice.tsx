import { useRouteLoaderData } from "@remix-run/react";
import { useT } from "~/i18n";

/** Where mail would have helped: says so when SMTP_URL/MAIL_FROM are not set (the root loader's mailEnabled). */
export function MailOffNotice() {
  const root = useRouteLoaderData("root") as { mailEnabled?: boolean } | undefined;
  const t = useT();
  if (!root || root.mailEnabled !== false) return null;
  return (
    <p className="alert info" data-testid="mail-off">
      {t("notif.mailOff")}
    </p>
  );
}
