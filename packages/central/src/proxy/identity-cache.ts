/**
 * Caches in front of {@link UserAuthenticator}, keyed by the token's SHA-256 (never the
 * token itself):
 *
 * - {@link tokenVerificationCache} (the default when the authenticator offers
 *   `verifyToken` + `loadIdentity`): remembers only that a token's signature, issuer,
 *   audience and expiry checked out, until the token expires or `ttlMs` passes. The
 *   user is still looked up on every request, so a deleted user or a changed role takes
 *   effect on the next request. What the TTL bounds: how long a token signed by a key
 *   central has since retired keeps working.
 * - {@link cachingAuthenticator} (opt-in, `cacheIdentitiesMs`): remembers the whole
 *   identity, so a removed user or role keeps working for up to `ttlMs`
 *   (kube-apiserver's token webhook cache does the same, for 2 minutes by default).
 */
import { hash } from 'node:crypto';
import type { Identity } from '../tunnel/ports.ts';
import type { UserAuthenticator, VerifiedToken } from './ports.ts';

const maxEntries = 10_000;

function tokenKey(bearerToken: string): string {
  return hash('sha256', bearerToken, 'base64url');
}

/** A map of entries that expire, bounded to `maxEntries` (expired first, then oldest). */
class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();

  get(key: string, at: number): V | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    if (at < hit.until) return hit.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, until: number, at: number): void {
    if (this.#entries.size >= maxEntries) {
      for (const [k, v] of this.#entries) if (v.until <= at) this.#entries.delete(k);
      // Still full of live entries: drop the oldest tenth (a Map iterates in insertion order).
      let excess = this.#entries.size - maxEntries + Math.ceil(maxEntries / 10);
      for (const k of this.#entries.keys()) {
        if (excess-- <= 0) break;
        this.#entries.delete(k);
      }
    }
    this.#entries.delete(key);
    this.#entries.set(key, { value, until });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** The `verifyToken` + `loadIdentity` split of an authenticator, when it offers one. */
export type SplitAuthenticator = UserAuthenticator &
  Required<Pick<UserAuthenticator, 'verifyToken' | 'loadIdentity'>>;

/** Whether `users` offers the split that {@link tokenVerificationCache} needs. */
export function canCacheTokenVerification(users: UserAuthenticator): users is SplitAuthenticator {
  return typeof users.verifyToken === 'function' && typeof users.loadIdentity === 'function';
}

/**
 * Wraps `users` so that a token's own checks run once per `ttlMs` (or until it expires,
 * if sooner) while the user is loaded on every request.
 */
export function tokenVerificationCache(
  users: SplitAuthenticator,
  ttlMs: number,
  now: () => number = Date.now,
): UserAuthenticator {
  const verified = new ExpiringMap<VerifiedToken>();
  return {
    async authenticate(bearerToken) {
      const key = tokenKey(bearerToken);
      const at = now();
      let token = verified.get(key, at);
      if (token === undefined) {
        const fresh = await users.verifyToken(bearerToken);
        if (fresh === null) return null;
        const expiresAt = fresh.expiresAt.getTime();
        if (!(expiresAt > at)) return null;
        verified.set(key, fresh, Math.min(at + ttlMs, expiresAt), at);
        token = fresh;
      }
      return users.loadIdentity(token);
    },
  };
}

/** Wraps `users` with a cache of whole identities for `ttlMs`. */
export function cachingAuthenticator(
  users: UserAuthenticator,
  ttlMs: number,
  now: () => number = Date.now,
): UserAuthenticator {
  const identities = new ExpiringMap<Identity>();
  return {
    async authenticate(bearerToken) {
      const key = tokenKey(bearerToken);
      const at = now();
      const hit = identities.get(key, at);
      if (hit !== undefined) return hit;
      const identity = await users.authenticate(bearerToken);
      if (identity === null) {
        identities.delete(key);
        return null;
      }
      identities.set(key, identity, at + ttlMs, at);
      return identity;
    },
  };
}
