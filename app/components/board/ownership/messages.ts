/** The Dutch (or English) text for a refused ownership action: the UI translates the server's error code. */
import type { MessageKey, Translate } from "~/i18n";
import type { Ack } from "~/lib/sync-client";

const ERROR_KEYS: Record<string, MessageKey> = {
  already_claimed: "own.error.already_claimed",
  not_owner: "own.error.not_owner",
  not_claimed: "own.error.not_claimed",
  pending_exists: "own.error.pending_exists",
  same_org: "own.error.same_org",
  not_pending: "own.error.not_pending",
  not_recipient: "own.error.not_recipient",
  not_sender: "own.error.not_sender",
  unknown_organisation: "own.error.unknown_organisation",
  reason_required: "own.error.reason_required",
  forbidden: "own.error.forbidden",
  offline: "own.error.offline",
  timeout: "own.error.timeout",
  not_found: "own.error.not_found",
};

export function refusalMessage(t: Translate, ack: Ack): string {
  if (ack.ok) return "";
  if (ack.error === "already_claimed") {
    const name = ack.owner?.name;
    return name ? t("own.error.already_claimed", { org: name }) : t("own.error.already_claimed_unknown");
  }
  const key = ERROR_KEYS[ack.error];
  return key ? t(key) : t("own.error.generic");
}
