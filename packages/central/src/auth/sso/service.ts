/**
 * Single sign-on through the company's OpenID Connect provider. The CLI is a public
 * OIDC client (authorization code + PKCE, or device code) and hands central only the ID
 * token: central never sees a code or a client secret. Central checks the token (see
 * id-token.ts), that it is used once (a nonce it handed out, or for nonce-less
 * device-code tokens a fresh `iat` and a hash remembered until `exp`), then finds or
 * creates the user by the username claim, sets their roles from their groups, and
 * starts a session exactly as a password login does.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KgateError } from '@kgate/core/errors';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.ts';
import type { OidcConfig } from '../../config/index.ts';
import { type RbacService, undefinedRoles } from '../../rbac/service.ts';
import { isUniqueViolation, type Store, type User } from '../../store/index.ts';
import { RateLimitedError } from '../login.ts';
import { loginThrottle } from '../login-throttle.ts';
import { randomToken, sha256Hex } from '../secrets.ts';
import type { AuthService, Session } from '../service.ts';
import { groupsOf, mappedRoles, usernameOf } from './claims.ts';
import { CLOCK_LEEWAY_SECONDS, ssoRefused, verifyIdToken } from './id-token.ts';
import { identityProvider } from './provider.ts';
import { NONCE_TTL_MS, ssoReplayGuard } from './replay.ts';

/** A nonce-less (device-code) ID token must be exchanged within this many seconds of its `iat`. */
export const DEVICE_TOKEN_MAX_AGE_SECONDS = 5 * 60;

/** What the CLI needs to log in at the IdP (`GET /info` shows it as `sso`). */
export interface SsoClient {
  issuerUrl: string;
  clientId: string;
  /** `openid email profile` and `auth.oidc.extra_scopes`. */
  scopes: string[];
}

/** An ID token central verified, and the login it asks for; no side effect has happened yet. */
export interface SsoLogin {
  username: string;
  /** The user's id: theirs when they exist, else the one they will be created with. */
  userId: string;
  /** The roles their groups map to, before undefined roles are dropped. */
  roles: string[];
  /** The nonce the token carries (authorization code flow); undefined for device code. */
  nonce: string | undefined;
  /** SHA-256 of the ID token, hex: what is remembered of a device-code token. */
  tokenHash: string;
  expiresAt: Date;
}

export interface SsoService {
  readonly client: SsoClient;
  /** A new single-use nonce for an authorization request, valid `expiresIn` seconds. */
  start(clientAddress: string): Promise<{ nonce: string; expiresIn: number }>;
  /**
   * Checks an ID token without changing anything, so the audit log can name the user
   * before the login happens.
   * @throws KgateError `UNAUTHENTICATED` saying what failed; `RATE_LIMITED`; `UNAVAILABLE` (IdP unreachable).
   */
  verify(idToken: string, clientAddress: string): Promise<SsoLogin>;
  /**
   * Uses up the token (its nonce, or its hash for device code), creates or updates the
   * user and their roles, and starts a session.
   * @throws KgateError `UNAUTHENTICATED` for an unknown, expired or reused nonce, or a token used before.
   */
  complete(login: SsoLogin, clientAddress: string): Promise<Session>;
}

/** Starts (nonces handed out) allowed per client address and minute: enough for people, not for filling the table. */
const MAX_STARTS_PER_MINUTE = 30;

async function readCa(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new KgateError(
      'CONFIG_INVALID',
      `auth.oidc.certificate_authority ${file}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
      { hint: "give the PEM file of the CA that signed the identity provider's certificate", cause },
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new KgateError('CONFIG_INVALID', `auth.oidc.certificate_authority ${file}: not a PEM certificate`, {
      hint: "give the PEM file of the CA that signed the identity provider's certificate",
    });
  }
  return text;
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((role, i) => role === b[i]);
}

/** Builds the SSO service; reads `auth.oidc.certificate_authority` now (a bad path fails the start). */
export async function createSsoService(options: {
  config: OidcConfig;
  store: Store;
  auth: Pick<AuthService, 'issueSession'>;
  rbac: Pick<RbacService, 'accessChanged'>;
  clock: Clock;
  logger: Logger;
}): Promise<SsoService> {
  const { config, store, auth, rbac, clock, logger } = options;
  const provider = identityProvider({
    issuerUrl: config.issuerUrl,
    clientId: config.clientId,
    caPem: await readCa(config.certificateAuthority),
  });
  const replay = ssoReplayGuard(store.db);
  // Failed exchanges are throttled per client address like failed password logins; the
  // user is unknown until the token verifies, so the address alone is the key.
  const failures = loginThrottle({ clock });
  const starts = loginThrottle({ clock, maxFailures: MAX_STARTS_PER_MINUTE });

  const guarded = async <T>(clientAddress: string, work: () => Promise<T>): Promise<T> => {
    const wait = failures.retryAfterSeconds(clientAddress);
    if (wait > 0)
      throw new RateLimitedError(`too many failed single sign-on logins; try again in ${wait} s`, wait);
    try {
      return await work();
    } catch (error) {
      if (error instanceof KgateError && error.code === 'UNAUTHENTICATED')
        failures.recordFailure(clientAddress);
      throw error;
    }
  };

  const saveUser = async (login: SsoLogin, roles: string[]) => {
    const upsert = (tx: Store) => async (): Promise<{ user: User; created: boolean; changed: boolean }> => {
      const existing = await tx.users.findByUsername(login.username);
      if (!existing) {
        const user = await tx.users.create({
          id: login.userId,
          username: login.username,
          passwordHash: null,
          roles,
          createdAt: clock(),
        });
        return { user, created: true, changed: false };
      }
      const { passwordHash: _, ...user } = existing;
      if (sameRoles(user.roles, roles)) return { user, created: false, changed: false };
      const updated = await tx.users.setRoles(user.id, roles);
      return { user: updated ?? user, created: false, changed: true };
    };
    try {
      return await store.transaction((tx) => upsert(tx)());
    } catch (error) {
      // Two first logins of one user at once: the loser finds the user the winner created.
      if (!isUniqueViolation(error)) throw error;
      return store.transaction((tx) => upsert(tx)());
    }
  };

  return {
    client: {
      issuerUrl: config.issuerUrl,
      clientId: config.clientId,
      scopes: [...new Set(['openid', 'email', 'profile', ...config.extraScopes])],
    },

    async start(clientAddress) {
      const wait = starts.retryAfterSeconds(clientAddress);
      if (wait > 0)
        throw new RateLimitedError(`too many single sign-on starts; try again in ${wait} s`, wait);
      starts.recordFailure(clientAddress);
      const now = clock();
      await replay.prune(now);
      const nonce = randomToken('');
      await replay.addNonce(sha256Hex(nonce), now, new Date(now.getTime() + NONCE_TTL_MS));
      return { nonce, expiresIn: NONCE_TTL_MS / 1000 };
    },

    verify: (idToken, clientAddress) =>
      guarded(clientAddress, async () => {
        const now = clock();
        const claims = await verifyIdToken(idToken, {
          issuer: provider.issuer,
          clientId: config.clientId,
          keys: () => provider.keys(),
          now,
        });
        const { nonce } = claims;
        if (nonce !== undefined && typeof nonce !== 'string')
          throw ssoRefused("the ID token's nonce is not a string");
        if (
          nonce === undefined &&
          now.getTime() / 1000 - claims.iat > DEVICE_TOKEN_MAX_AGE_SECONDS + CLOCK_LEEWAY_SECONDS
        ) {
          throw ssoRefused(
            `the ID token has no nonce and was issued more than ${DEVICE_TOKEN_MAX_AGE_SECONDS / 60} minutes ago`,
            'a device-code login must be handed to central as soon as it completes: run kgate login --sso --device-code again',
          );
        }
        const username = usernameOf(claims, config);
        const existing = await store.users.findByUsername(username);
        return {
          username,
          userId: existing?.id ?? randomUUID(),
          roles: mappedRoles(groupsOf(claims, config), config),
          nonce,
          tokenHash: sha256Hex(idToken),
          expiresAt: new Date(claims.exp * 1000),
        };
      }),

    complete: (login, clientAddress) =>
      guarded(clientAddress, async () => {
        const now = clock();
        if (login.nonce !== undefined) {
          const refusal = await replay.useNonce(sha256Hex(login.nonce), now);
          if (refusal === 'unknown') {
            throw ssoRefused(
              "the ID token's nonce is unknown to this server (not handed out by POST /auth/sso/start)",
            );
          }
          if (refusal === 'used')
            throw ssoRefused("the ID token's nonce was already used: a login is good once");
          if (refusal === 'expired')
            throw ssoRefused("the ID token's nonce has expired (nonces last 10 minutes)");
        } else if (!(await replay.useToken(login.tokenHash, login.expiresAt))) {
          throw ssoRefused('this ID token was already used: a login is good once');
        }

        const missing = await undefinedRoles(store, login.roles);
        if (missing.length > 0) {
          logger.warn(
            { username: login.username, roles: missing },
            'single sign-on: auth.oidc role_mapping or default_roles name roles that are not defined; not given',
          );
        }
        const roles = login.roles.filter((role) => !missing.includes(role));
        const { user, created, changed } = await saveUser(login, roles);
        if (changed) rbac.accessChanged({ userIds: [user.id] });
        if (created) logger.info({ username: user.username, roles }, 'single sign-on: created a user');
        failures.reset(clientAddress);
        return auth.issueSession(user);
      }),
  };
}
