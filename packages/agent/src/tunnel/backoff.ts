/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
 * and Jitter"): the delay before retry n is uniform in [0, min(cap, base·2ⁿ)), so
 * agents that lost central together do not come back together.
 */
export interface BackoffOptions {
  /** Upper bound of the first delay. Default 500 ms. */
  baseMs?: number;
  /** Largest delay. Default 30 s. */
  capMs?: number;
  /** Uniform in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** The delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const cap = options.capMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
