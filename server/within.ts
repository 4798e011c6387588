/**
 * `promise`'s outcome, or `fallback` once `ms` have passed, whichever comes
 * first; the timer is cleared as soon as the promise settles and never keeps
 * the process alive. A rejection is passed on (callers that treat it like the
 * timeout add their own `.catch`). One helper for every bounded wait of the
 * server: Redis answers, a relay's catch-up, a presence gate, a probe.
 */
export function within<T, F>(promise: PromiseLike<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), Math.max(0, ms));
    timer.unref();
  });
  return Promise.race([Promise.resolve(promise), late]).finally(() => clearTimeout(timer));
}
