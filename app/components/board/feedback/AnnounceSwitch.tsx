/**
 * The switch "Wijzigingen van anderen voorlezen" (in the activity panel):
 * whether OthersAnnouncer reads out other people's changes. On unless turned
 * off; remembered in localStorage, shared by every board tab of this browser
 * profile on the next load.
 */
import { useId, useSyncExternalStore } from "react";
import type { Translate } from "~/i18n";

export const ANNOUNCE_STORAGE_KEY = "alliantiebord.announceOthers";

// ---------------------------------------------------------------- the switch, remembered
const listeners = new Set<() => void>();

function readEnabled(): boolean {
  try {
    return localStorage.getItem(ANNOUNCE_STORAGE_KEY) !== "off";
  } catch {
    return true;
  }
}

let enabledNow: boolean | null = null;
function getEnabled(): boolean {
  if (enabledNow === null) enabledNow = readEnabled();
  return enabledNow;
}

function setEnabled(on: boolean) {
  enabledNow = on;
  try {
    if (on) localStorage.removeItem(ANNOUNCE_STORAGE_KEY);
    else localStorage.setItem(ANNOUNCE_STORAGE_KEY, "off");
  } catch {
    /* private mode: remembered for this page only */
  }
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Whether others' changes are read out (on unless turned off). */
export function useAnnounceOthers(): [boolean, (on: boolean) => void] {
  const on = useSyncExternalStore(subscribe, getEnabled, () => true);
  return [on, setEnabled];
}

export function AnnounceSwitch({ t }: { t: Translate }) {
  const [on, set] = useAnnounceOthers();
  const id = useId();
  return (
    <div className="announce-switch">
      <input
        type="checkbox"
        id={id}
        checked={on}
        onChange={(e) => set(e.target.checked)}
        aria-describedby={`${id}-hint`}
        data-testid="announce-others"
      />
      <label htmlFor={id}>
        {t("ann.switch")}
        <span className="visually-hidden" id={`${id}-hint`}>
          {" "}
          {t("ann.switchHint")}
        </span>
      </label>
    </div>
  );
}
