import { randomUUID } from 'node:crypto';
import { type JSONWebKeySet, SignJWT } from 'jose';
import type { Clock } from '../clock.ts';
import type { Identity } from './identity.ts';
import { type KeyRing, SIGNING_ALGORITHM } from './keys.ts';

/** Lifetime of an identity assertion: one request, with room for clock skew. */
export const ASSERTION_TTL_SECONDS = 60;
/** JWT `typ` of identity assertions. */
export const ASSERTION_TYPE = 'kgate-assertion+jwt';

/** The audience an assertion for `clusterName` carries: an agent accepts only its own. */
export function assertionAudience(clusterName: string): string {
  return `kgate-agent:${clusterName}`;
}

export interface IdentityAssertions {
  /**
   * A short JWT that tells the cluster's agent who is calling. Claims: `iss` central,
   * `aud` `kgate-agent:<cluster>`, `sub` user id, `name` username, `roles`, `rid` request
   * id, `jti`, `iat`, `exp` (+60 s). Header: `alg` RS256, `kid`, `typ` kgate-assertion+jwt.
   * Signed with a key separate from access tokens, so neither can stand in for the other.
   */
  sign(identity: Identity, clusterName: string, requestId: string): Promise<string>;
  /** The public keys agents verify assertions with. */
  jwks(): JSONWebKeySet;
}

export function identityAssertions(options: {
  keys: KeyRing;
  issuer: () => string;
  clock: Clock;
}): IdentityAssertions {
  const { keys, issuer, clock } = options;
  return {
    async sign(identity, clusterName, requestId) {
      const key = keys.current();
      const iat = Math.floor(clock().getTime() / 1000);
      return new SignJWT({ name: identity.username, roles: identity.roles, rid: requestId })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: ASSERTION_TYPE })
        .setIssuer(issuer())
        .setAudience(assertionAudience(clusterName))
        .setSubject(identity.userId)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + ASSERTION_TTL_SECONDS)
        .sign(key.privateKey);
    },
    jwks: () => keys.jwks(),
  };
}
