/**
 * "Download mijn gegevens" (AVG art. 15): what the system holds about the
 * person of this session as a user, as one JSON file (db/personal-export.ts
 * reads it; no secrets, no other people's personal data). At most
 * PERSONAL_EXPORTS_PER_HOUR per person.
 */
import { personalData } from "../../db/personal-export";
import { describeUserAgent } from "./account.server";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { appLimits, tooManyResponse } from "./limits.server";

export async function personalExport(svc: AppServices, user: SessionUser) {
  const d = await appLimits(svc).personalExports.takeShared(user.id);
  if (!d.ok) throw tooManyResponse(d.retryAfterMs, "rate_limited", "You downloaded your data several times in the past hour. Try again later.");
  const data = await personalData(svc.async, user.id);
  if (!data) throw new Response("Not found", { status: 404 });
  return {
    format: "alliantiebord-personal-data",
    version: 1,
    exportedAt: new Date(svc.now()).toISOString(),
    about: "What Alliantiebord holds about you as a user (GDPR/AVG article 15). Times are milliseconds since 1970-01-01 UTC.",
    ...data,
    sessions: data.sessions.map((s) => ({ ...describeUserAgent(s.userAgent), ...s })),
  };
}

export function personalExportFilename(at: number): string {
  return `alliantiebord-mijn-gegevens-${new Date(at).toISOString().slice(0, 10)}.json`;
}
