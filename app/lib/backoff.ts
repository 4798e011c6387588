/**
 * When to try the sync server again after a connection was lost.
 *
 * Exponential, capped, with full jitter: after a server restart every open
 * board loses its connection at the same moment, and without jitter they
 * would all come back at the same moments too (y-websocket's own backoff
 * has none), a reconnect storm at each step. With full jitter the first
 * attempts of a thousand clients spread evenly over the first half second.
 */
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 5000;

/** Delay before attempt `attempt` (1 = the first retry); `random` in [0, 1). */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Close codes after which reconnecting cannot help: the server refused this
 * person (4401 access removed, 4403 forbidden) or this client's messages
 * (4400 malformed, 4422 a value outside the board's rules), or the board was
 * rebuilt (4410: load it again instead). Every other close
 * (a restart, 1006, a slow or too eager client: 4408, 4429) is retried.
 */
export function isTerminalClose(code: number): boolean {
  return code === 4400 || code === 4401 || code === 4403 || code === 4422 || code === BOARD_REBUILT_CLOSE;
}

/**
 * The board's document was rebuilt under a new generation (an erasure, the
 * retention sweep; server/sync/room.ts CLOSE.rebuilt), or this copy is of an
 * older one: reconnecting with it is refused. The client drops its offline
 * copy and loads the page again, which brings the current generation.
 */
export const BOARD_REBUILT_CLOSE = 4410;
