import { KgateError } from '@kgate/core/errors';
import type { JSONWebKeySet } from 'jose';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { CentralConfig } from '../config/index.ts';
import type { Cluster, Store, User } from '../store/index.ts';
import type { Identity } from './identity.ts';
import { joinTokens } from './join-tokens.ts';
import { loadKeyRing } from './keys.ts';
import { checkPassword } from './login.ts';
import { loginThrottle } from './login-throttle.ts';
import { createPasswordVerifier, type PasswordVerifier, type ScryptCost } from './passwords.ts';
import { refreshTokens } from './refresh.ts';
import { type AccessTokenClaims, accessTokens } from './tokens.ts';

/** What a login or a refresh returns. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  user: User;
}

/** Everything central does with credentials. */
export interface AuthService {
  login(username: string, password: string, clientAddress: string): Promise<Session>;
  refresh(refreshToken: string): Promise<Session>;
  /**
   * A new session (access token + refresh token family) for a user authenticated some
   * other way than a password: single sign-on, after central verified the ID token.
   */
  issueSession(user: User): Promise<Session>;
  logout(refreshToken: string): Promise<void>;
  /**
   * The caller behind an access token. Besides the token checks, the user must still
   * exist under the same name: a deleted user's tokens stop working at once, and roles
   * are read from the store, so a role removed is removed now.
   * @throws KgateError `UNAUTHENTICATED`
   */
  verifyAccessToken(token: string): Promise<Identity>;
  /**
   * The signature, issuer, audience and expiry half of {@link verifyAccessToken}: the
   * result depends on the token alone, so callers may cache it until `expiresAt`.
   */
  verifyAccessTokenSignature(token: string): Promise<AccessTokenClaims>;
  /** The other half: the token's user as the store knows them now (fresh roles). */
  loadIdentity(claims: { userId: string; username: string }): Promise<Identity>;
  /** Public keys of access tokens (`GET /.well-known/jwks.json`). */
  accessJwks(): JSONWebKeySet;
  /** Creates a join token for a cluster, in the given store (transaction). */
  issueJoinToken(store: Store, cluster: Cluster, ttlMs: number): Promise<{ token: string; expiresAt: Date }>;
  /** See {@link JoinTokens.verify}. */
  verifyAgentJoinToken(token: string, clusterName: string): Promise<Cluster>;
  /** Hashes passwords for new users. */
  readonly passwords: PasswordVerifier;
}

export async function createAuthService(options: {
  store: Store;
  config: CentralConfig['auth'];
  issuer: () => string;
  clock: Clock;
  logger: Logger;
  scryptCost?: ScryptCost;
}): Promise<AuthService> {
  const { store, config, issuer, clock, logger } = options;
  const passwords = await createPasswordVerifier(options.scryptCost);
  const throttle = loginThrottle({ clock });
  const access = accessTokens({
    keys: await loadKeyRing(store, 'access', clock),
    issuer,
    ttlMs: config.accessTokenTtlMs,
    clock,
  });
  const refresh = refreshTokens({ store, ttlMs: config.refreshTokenTtlMs, clock, logger });
  const joins = joinTokens({ store, clock });

  // Roles are read fresh on every request: a removed user or role takes effect at once.
  const loadIdentity = async (claims: { userId: string; username: string }): Promise<Identity> => {
    const user = await store.users.findById(claims.userId);
    if (!user || user.username !== claims.username) {
      throw new KgateError('UNAUTHENTICATED', 'the user of this token no longer exists', {
        hint: 'log in again',
      });
    }
    return { userId: user.id, username: user.username, roles: user.roles };
  };

  const session = async (user: User, refreshToken: string): Promise<Session> => {
    const { token, expiresIn } = await access.issue(user);
    return { accessToken: token, refreshToken, expiresIn, user };
  };

  return {
    passwords,
    async login(username, password, clientAddress) {
      const user = await checkPassword(
        { store, passwords, throttle, passwordLogin: config.passwordLogin },
        username,
        password,
        clientAddress,
      );
      return session(user, await refresh.issue(user.id));
    },
    issueSession: async (user) => session(user, await refresh.issue(user.id)),
    async refresh(refreshToken) {
      const rotated = await refresh.rotate(refreshToken);
      const user = await store.users.findById(rotated.userId);
      if (!user) throw new KgateError('UNAUTHENTICATED', 'the user of this session no longer exists');
      return session(user, rotated.token);
    },
    logout: (refreshToken) => refresh.revoke(refreshToken),
    async verifyAccessToken(token) {
      return loadIdentity(await access.verify(token));
    },
    verifyAccessTokenSignature: (token) => access.verify(token),
    loadIdentity,
    accessJwks: () => access.jwks(),
    issueJoinToken: (tx, cluster, ttlMs) => joins.issue(tx, cluster, ttlMs),
    verifyAgentJoinToken: (token, clusterName) => joins.verify(token, clusterName),
  };
}
