import type { ConnectionState } from "~/lib/sync-client";
import type { Translate } from "~/i18n";

const TEXT = {
  connected: "conn.connected",
  offline: "conn.offline",
  connecting: "conn.connecting",
} as const;

export function ConnectionStatus({
  state,
  onReconnect,
  canReconnect,
  t,
}: {
  state: ConnectionState;
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
      {state !== "connected" ? (
        <button type="button" className="button secondary small" onClick={onReconnect} disabled={!canReconnect}>
          {t("conn.reconnect")}
        </button>
      ) : null}
    </div>
  );
}
