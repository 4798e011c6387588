import type { ConnectionState } from "~/lib/sync-client";
import type { Translate } from "~/i18n";

const TEXT = {
  connected: "conn.connected",
  offline: "conn.offline",
  connecting: "conn.connecting",
  refused: "conn.refused",
  partial: "conn.partial",
} as const;

/** The document's state, or "partial": the document is live, claims, referrals and comments are not (useRealtimeDown). */
export type ShownConnectionState = ConnectionState | "partial";

export function ConnectionStatus({
  state,
  notices = 0,
  onReconnect,
  canReconnect,
  t,
}: {
  state: ShownConnectionState;
  /** How many of our edits the server repaired so far (an offline edit that crossed a coordinator's change). */
  notices?: number;
  onReconnect: () => void;
  /** False before the page's scripts have connected (nothing to reconnect yet). */
  canReconnect: boolean;
  t: Translate;
}) {
  return (
    <div className="conn">
      <span role="status" className={`conn-status conn-${state}`} data-testid="connection-status" data-state={state}>
        <span className="conn-dot" aria-hidden="true" />
        {t(TEXT[state])}
      </span>
      {state === "offline" ? (
        <span className="conn-note conn-offline-note" data-testid="offline-note">
          {t("conn.offlineCopy")}
        </span>
      ) : null}
      {state === "partial" ? (
        <span className="conn-note" data-testid="partial-note">
          {t("conn.partialNote")}
        </span>
      ) : null}
      {notices > 0 && state === "connected" ? (
        <span className="conn-note" data-testid="sync-notice" key={notices}>
          {t("conn.compensated")}
        </span>
      ) : null}
      {state !== "connected" ? (
        <button type="button" className="button secondary small" onClick={onReconnect} disabled={!canReconnect}>
          {t(state === "refused" ? "conn.reload" : "conn.reconnect")}
        </button>
      ) : null}
    </div>
  );
}
