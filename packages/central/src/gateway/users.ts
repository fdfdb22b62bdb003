/**
 * The proxy's {@link UserAuthenticator} over central's access tokens. A bad, expired or
 * forged token, or one whose user is gone, is `null` (the proxy answers 401); anything
 * else (the store is down) is thrown, so the proxy answers 500 instead of pretending the
 * caller is unknown.
 *
 * It offers the proxy the split `verifyToken` (the JWT signature check, which depends on
 * the token alone and may be cached until expiry) and `loadIdentity` (the user and roles
 * as the store knows them now, run on every request).
 */
import { isKgateError } from '@kgate/core/errors';
import type { AuthService } from '../auth/service.ts';
import type { UserAuthenticator } from '../proxy/ports.ts';

async function nullIfUnauthenticated<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (isKgateError(error, 'UNAUTHENTICATED')) return null;
    throw error;
  }
}

export function accessTokenAuthenticator(
  auth: Pick<AuthService, 'verifyAccessToken' | 'verifyAccessTokenSignature' | 'loadIdentity'>,
): UserAuthenticator {
  return {
    authenticate: (bearerToken) => nullIfUnauthenticated(auth.verifyAccessToken(bearerToken)),
    async verifyToken(bearerToken) {
      const claims = await nullIfUnauthenticated(auth.verifyAccessTokenSignature(bearerToken));
      return claims && { userId: claims.userId, username: claims.username, expiresAt: claims.expiresAt };
    },
    loadIdentity: (token) => nullIfUnauthenticated(auth.loadIdentity(token)),
  };
}
