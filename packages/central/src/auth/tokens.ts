import { randomUUID } from 'node:crypto';
import { KgateError } from '@kgate/core/errors';
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../clock.ts';
import type { User } from '../store/index.ts';
import { type KeyRing, SIGNING_ALGORITHM } from './keys.ts';

/** The `aud` of every access token. */
export const ACCESS_TOKEN_AUDIENCE = 'kgate';
/** RFC 9068's media type, so an access token cannot be mistaken for another JWT central signs. */
const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The claims central puts in an access token. */
export interface AccessTokenClaims {
  userId: string;
  username: string;
  roles: string[];
  jti: string;
  expiresAt: Date;
}

export interface AccessTokens {
  /** Signs a token for the user; `expiresIn` is in seconds. */
  issue(user: User): Promise<{ token: string; expiresIn: number }>;
  /**
   * Checks signature (RS256 only, by `kid`), issuer, audience, type and expiry.
   * @throws KgateError `UNAUTHENTICATED` for anything else (alg none, HS256, unknown kid, expired, forged).
   */
  verify(token: string): Promise<AccessTokenClaims>;
  /** The public keys that verify access tokens. */
  jwks(): JSONWebKeySet;
}

export function accessTokens(options: {
  keys: KeyRing;
  issuer: () => string;
  ttlMs: number;
  clock: Clock;
}): AccessTokens {
  const { keys, issuer, ttlMs, clock } = options;
  const keySet = createLocalJWKSet(keys.jwks());
  return {
    async issue(user) {
      const key = keys.current();
      const now = clock();
      const iat = Math.floor(now.getTime() / 1000);
      const expiresIn = Math.floor(ttlMs / 1000);
      const token = await new SignJWT({ name: user.username, roles: user.roles })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(issuer())
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setSubject(user.id)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + expiresIn)
        .sign(key.privateKey);
      return { token, expiresIn };
    },
    jwks: () => keys.jwks(),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: [SIGNING_ALGORITHM],
          issuer: issuer(),
          audience: ACCESS_TOKEN_AUDIENCE,
          typ: ACCESS_TOKEN_TYPE,
          currentDate: clock(),
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        });
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r) => typeof r === 'string') : [];
        return {
          userId: String(payload.sub),
          username: typeof payload.name === 'string' ? payload.name : '',
          roles,
          jti: String(payload.jti),
          expiresAt: new Date(Number(payload.exp) * 1000),
        };
      } catch (cause) {
        const expired = cause instanceof errors.JWTExpired;
        throw new KgateError(
          'UNAUTHENTICATED',
          expired ? 'the access token has expired' : 'the access token is not valid',
          { hint: expired ? 'refresh it, or log in again' : 'log in again to get a new token', cause },
        );
      }
    },
  };
}
