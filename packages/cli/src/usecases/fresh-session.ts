/**
 * A session whose access token is good for at least a minute more: the stored one, or one
 * refreshed with the refresh token. The refresh happens under a lock and the store is read
 * again inside it, so that of many processes needing a refresh at once exactly one spends
 * the refresh token (central treats a second use of a rotated token as theft and revokes
 * the session) and the others take the pair it stored.
 */
import { decodeJwt } from 'jose';
import { userError } from '../errors.ts';
import type { TokenPair } from '../infrastructure/central/auth.ts';
import { CentralError } from '../infrastructure/central/response.ts';
import type { ReleaseLock } from '../infrastructure/file-lock.ts';
import type { SessionRepository } from '../infrastructure/token-store/sessions.ts';
import type { StoredSession } from './session.ts';

/** The time, injected so tests can move it. */
export interface Clock {
  now(): Date;
}

/** How long an access token must still be valid to be used without a refresh. */
export const MIN_VALIDITY_MS = 60_000;

/** When a token with no `exp` and no `expires_in` is taken to expire. */
const UNKNOWN_LIFETIME_MS = 5 * 60_000;

/** Dependencies of {@link freshSession}. */
export interface FreshSessionDeps {
  clock: Clock;
  sessions: SessionRepository;
  lock(server: string): Promise<ReleaseLock>;
  refresh(session: StoredSession): Promise<TokenPair>;
}

/**
 * When an access token expires: the earlier of its JWT `exp` and `expires_in` from now, so
 * the time kgate reports is never later than the token's own.
 */
export function accessTokenExpiry(accessToken: string, expiresIn: number, now: Date): Date {
  const candidates: number[] = [];
  try {
    const { exp } = decodeJwt(accessToken);
    if (typeof exp === 'number') candidates.push(exp * 1000);
  } catch {
    // Not a JWT: central may issue opaque tokens; expires_in is then all there is.
  }
  if (expiresIn > 0) candidates.push(now.getTime() + expiresIn * 1000);
  return new Date(candidates.length > 0 ? Math.min(...candidates) : now.getTime() + UNKNOWN_LIFETIME_MS);
}

/** Whether the session's access token is good for `MIN_VALIDITY_MS` more. */
export function isFresh(session: StoredSession, now: Date): boolean {
  return Date.parse(session.accessTokenExpiresAt) - now.getTime() > MIN_VALIDITY_MS;
}

/** The session after a refresh answered with `pair`. */
export function applyTokenPair(session: StoredSession, pair: TokenPair, now: Date): StoredSession {
  return {
    ...session,
    user: pair.user ?? session.user,
    accessToken: pair.accessToken,
    accessTokenExpiresAt: accessTokenExpiry(pair.accessToken, pair.expiresIn, now).toISOString(),
    refreshToken: pair.refreshToken,
  };
}

/** The error for "no session stored for `server`". */
export function notLoggedIn(server: string): Error {
  return userError('NOT_LOGGED_IN', `not logged in to ${server}`, `run \`kgate login --server ${server}\``);
}

/**
 * The stored session for `server`, refreshed first when its access token expires within a
 * minute.
 *
 * @throws {CliError} `NOT_LOGGED_IN`; `SESSION_EXPIRED` when central refuses the refresh token;
 *   `CENTRAL_UNREACHABLE`/`CENTRAL_TLS` when it cannot be asked
 */
export async function freshSession(server: string, deps: FreshSessionDeps): Promise<StoredSession> {
  const found = await deps.sessions.find(server);
  if (found === undefined) throw notLoggedIn(server);
  if (isFresh(found.session, deps.clock.now())) return found.session;

  const release = await deps.lock(server);
  try {
    // Another process may have refreshed while this one waited for the lock.
    const current = await deps.sessions.find(server);
    if (current === undefined) throw notLoggedIn(server);
    if (isFresh(current.session, deps.clock.now())) return current.session;
    let pair: TokenPair;
    try {
      pair = await deps.refresh(current.session);
    } catch (error) {
      if (error instanceof CentralError && error.status >= 400 && error.status < 500) {
        throw userError(
          'SESSION_EXPIRED',
          `your session at ${server} has ended (central refused the refresh token: HTTP ${error.status}${error.centralCode ? ` ${error.centralCode}` : ''})`,
          `run \`kgate login --server ${server}\``,
          { cause: error },
        );
      }
      throw error;
    }
    const next = applyTokenPair(current.session, pair, deps.clock.now());
    await current.store.save(next);
    return next;
  } finally {
    release();
  }
}
