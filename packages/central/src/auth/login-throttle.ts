import type { Clock } from '../clock.ts';

/**
 * Counts failed logins per key (username + client address) in a sliding window.
 *
 * Written here rather than with @fastify/rate-limit because only *failures* must count
 * (a user who types the password right is never slowed down), the key needs the
 * parsed body (username), and the clock must be injectable for tests. It is in memory:
 * with several replicas each enforces its own limit, which still bounds guessing to a
 * small multiple; a store-backed counter can implement the same interface.
 */
export interface LoginThrottle {
  /** Seconds to wait before another attempt, or 0 when one is allowed now. */
  retryAfterSeconds(key: string): number;
  recordFailure(key: string): void;
  reset(key: string): void;
}

export function loginThrottle(options: {
  clock: Clock;
  maxFailures?: number;
  windowMs?: number;
  /** Entries kept at most; beyond it, entries with no recent failure are dropped. */
  maxKeys?: number;
}): LoginThrottle {
  const { clock } = options;
  const maxFailures = options.maxFailures ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? 100_000;
  const failures = new Map<string, number[]>();

  const recent = (key: string, now: number): number[] => {
    const list = (failures.get(key) ?? []).filter((t) => t > now - windowMs);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };

  return {
    retryAfterSeconds(key) {
      const now = clock().getTime();
      const list = recent(key, now);
      if (list.length < maxFailures) return 0;
      // Allowed again once the oldest failure that keeps the count at the limit leaves the window.
      const oldest = list[list.length - maxFailures] ?? now;
      return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    },
    recordFailure(key) {
      const now = clock().getTime();
      if (failures.size >= maxKeys) {
        for (const k of failures.keys()) recent(k, now);
      }
      const list = recent(key, now);
      list.push(now);
      failures.set(key, list);
    },
    reset(key) {
      failures.delete(key);
    },
  };
}
