/**
 * The owner line on a card: the organisation's colour dot and short name
 * (`data-testid="owner-badge"`), and a marker while a referral waits.
 * Reads only this card's entry of the ownership store, so an owner change
 * re-renders this line and not the (memoised) card around it.
 */
import { memo } from "react";
import { translator, type Locale } from "~/i18n";
import { useCardOwnership, useOwnershipContext } from "~/hooks/useOwnership";
import { safeColor } from "../labels";

export const OwnerBadge = memo(function OwnerBadge({ requestId, locale }: { requestId: string; locale: Locale }) {
  const { owner, pending } = useCardOwnership(requestId);
  const ctx = useOwnershipContext();
  if (!owner && !pending) return null;
  const t = translator(locale);
  const org = owner ? ctx?.orgById.get(owner.id) : undefined;
  const to = pending ? ctx?.orgById.get(pending.toOrgId) : undefined;
  return (
    <span className="card-owner">
      {owner ? (
        <span className="owner-line">
          <span className="visually-hidden">{t("own.heldBy")}: </span>
          <span className="owner-badge" data-testid="owner-badge" data-owner-id={owner.id} title={org?.name ?? owner.name}>
            <span className="org-swatch" style={{ background: safeColor(org?.color) }} aria-hidden="true" />
            {org?.shortName ?? owner.name}
          </span>
        </span>
      ) : null}
      {pending ? (
        <span className="referral-marker" data-testid="referral-marker" data-to-org={pending.toOrgId}>
          <svg aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 24 24">
            <path d="M4 12h13M12 6l6 6-6 6" stroke="currentColor" strokeWidth="2.5" fill="none" strokeLinecap="round" />
          </svg>
          {t("own.referredTo", { org: to?.shortName ?? "?" })}
        </span>
      ) : null}
    </span>
  );
});
