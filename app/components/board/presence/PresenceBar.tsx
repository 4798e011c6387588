/**
 * Who else is on the board now: one initials avatar per person, in the
 * colour the server gave them, with name and organisation as a tooltip (on
 * hover and keyboard focus) that is also the text screen readers read.
 * Plus the toggle that hides one's own presence (remembered in this browser).
 */
import { useId } from "react";
import type { Translate } from "~/i18n";
import type { PresencePerson } from "~/hooks/usePresence";
import { inkOn, safeColor } from "../labels";

const MAX_SHOWN = 8;

export function initials(name: string): string {
  const words = name
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ""))
    .filter(Boolean);
  if (words.length === 0) return "?";
  const first = words[0][0];
  const last = words.length > 1 ? words[words.length - 1][0] : "";
  return (first + last).toUpperCase();
}

export function personLabel(p: PresencePerson): string {
  return p.orgName ? `${p.name} (${p.orgName})` : p.name;
}

export function Avatar({ person, small }: { person: PresencePerson; small?: boolean }) {
  const color = safeColor(person.color);
  return (
    <span className={small ? "avatar small" : "avatar"} style={{ background: color, color: inkOn(color) }} aria-hidden="true">
      {initials(person.name)}
    </span>
  );
}

export function PresenceBar({
  people,
  hidden,
  onHiddenChange,
  available,
  connected = true,
  t,
}: {
  people: PresencePerson[];
  hidden: boolean;
  onHiddenChange: (hidden: boolean) => void;
  /** False until the live connection exists (nothing to hide yet). */
  available: boolean;
  /** False while the board is offline or refused: who else is here cannot be known then. */
  connected?: boolean;
  t: Translate;
}) {
  const labelId = useId();
  const shown = people.slice(0, MAX_SHOWN);
  const rest = people.slice(MAX_SHOWN);
  return (
    <div className="presence" data-testid="presence" role="group" aria-labelledby={labelId}>
      <span id={labelId} className="presence-label small">
        {people.length > 0 ? t("pres.label") : connected ? t("pres.alone") : t("pres.unknown")}
      </span>
      {people.length ? (
        <ul className="presence-list">
          {shown.map((p) => (
            <li key={p.id} className="presence-person" data-person-id={p.id} tabIndex={0}>
              <Avatar person={p} />
              <span className="presence-tip">{personLabel(p)}</span>
            </li>
          ))}
          {rest.length ? (
            <li className="presence-person presence-more" tabIndex={0}>
              <span className="avatar more" aria-hidden="true">
                +{rest.length}
              </span>
              <span className="presence-tip">{rest.map(personLabel).join(", ")}</span>
            </li>
          ) : null}
        </ul>
      ) : null}
      <button
        type="button"
        className="button secondary small presence-hide"
        aria-pressed={hidden}
        onClick={() => onHiddenChange(!hidden)}
        disabled={!available}
        data-testid="presence-hide"
      >
        <svg aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 24 24">
          {hidden ? (
            <path d="M3 3l18 18M10.6 6.1A9.8 9.8 0 0 1 12 6c5 0 9 6 9 6a16 16 0 0 1-3.3 3.8M6.3 7.8C4.1 9.4 3 12 3 12s4 6 9 6c1.4 0 2.7-.4 3.9-1" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          ) : (
            <path d="M3 12s4-6 9-6 9 6 9 6-4 6-9 6-9-6-9-6zm9 3a3 3 0 1 0 0-6 3 3 0 0 0 0 6z" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
          )}
        </svg>
        {t("pres.hide")}
      </button>
      {hidden ? <span className="muted small presence-hidden-note">{t("pres.hiddenNote")}</span> : null}
    </div>
  );
}
