/**
 * An optional short-lived cache in front of {@link UserAuthenticator}: a token seen
 * in the last few seconds is not verified again. Off unless `cacheIdentitiesMs` is
 * set; a revoked token keeps working for at most that long (kube-apiserver's token
 * webhook cache does the same, for 2 minutes by default).
 */
import { createHash } from 'node:crypto';
import type { Identity } from '../tunnel/ports.ts';
import type { UserAuthenticator } from './ports.ts';

const maxEntries = 10_000;

/** Wraps `users` with a cache of `ttlMs` (keyed by the token's SHA-256, never the token). */
export function cachingAuthenticator(
  users: UserAuthenticator,
  ttlMs: number,
  now = Date.now,
): UserAuthenticator {
  const cache = new Map<string, { identity: Identity; until: number }>();
  return {
    async authenticate(bearerToken) {
      const key = createHash('sha256').update(bearerToken).digest('base64url');
      const at = now();
      const hit = cache.get(key);
      if (hit !== undefined && at < hit.until) return hit.identity;
      const identity = await users.authenticate(bearerToken);
      if (identity === null) {
        cache.delete(key);
        return null;
      }
      if (cache.size >= maxEntries) {
        for (const [k, v] of cache) if (v.until <= at) cache.delete(k);
        if (cache.size >= maxEntries) cache.clear();
      }
      cache.set(key, { identity, until: at + ttlMs });
      return identity;
    },
  };
}
