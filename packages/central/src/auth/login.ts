import { KgateError } from '@kgate/core/errors';
import type { Store, User } from '../store/index.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { PasswordVerifier } from './passwords.ts';

/** A refused attempt that may be retried after `retryAfterSeconds` (HTTP 429 + Retry-After). */
export class RateLimitedError extends KgateError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { hint: `wait ${retryAfterSeconds} s and try again` });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Checks a username and password. A wrong password and an unknown user fail alike: the
 * same error, and the same scrypt work (against a dummy hash), so neither the answer
 * nor its timing tells whether the user exists. Failures are throttled per
 * username + client address.
 */
export async function checkPassword(
  deps: { store: Store; passwords: PasswordVerifier; throttle: LoginThrottle; passwordLogin: boolean },
  username: string,
  password: string,
  clientAddress: string,
): Promise<User> {
  if (!deps.passwordLogin) {
    throw new KgateError('PERMISSION_DENIED', 'password login is disabled on this server', {
      hint: 'log in with single sign-on, or ask an admin to set auth.password_login: true',
    });
  }
  const key = `${username.toLowerCase()}\u0000${clientAddress}`;
  const wait = deps.throttle.retryAfterSeconds(key);
  if (wait > 0)
    throw new RateLimitedError(`too many failed logins for "${username}"; try again in ${wait} s`, wait);
  const user = await deps.store.users.findByUsername(username);
  const ok = await deps.passwords.verify(password, user?.passwordHash);
  if (!user || !ok) {
    deps.throttle.recordFailure(key);
    throw new KgateError('UNAUTHENTICATED', 'wrong user name or password', {
      hint: 'check both; after 5 failures in a minute, logins from this address are paused',
    });
  }
  deps.throttle.reset(key);
  const { passwordHash: _, ...publicUser } = user;
  return publicUser;
}
