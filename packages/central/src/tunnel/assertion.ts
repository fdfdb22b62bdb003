/**
 * Central's identity assertions: one HS256 JWT per tunnelled request, MACed with the
 * key of the agent session that carries the request, valid for at most 60 seconds, for
 * exactly one cluster's agent, naming the user, the groups the agent impersonates, and
 * the request id.
 *
 * Why a per-session HMAC key and not an asymmetric signature: the key is made at
 * `Register` and handed to that one agent session over the mutually authenticated TLS
 * connection that also carries every request (the same trust the JWKS used to travel
 * with). Whoever holds it can only speak for that session's cluster, which that agent
 * already controls, so a public-key signature would protect nothing more — and HMAC
 * costs about a microsecond where ES256 cost 0.1–0.4 ms per request on each side
 * (docs/tunnel.md, "Measurements").
 */
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { KgateError } from '@kgate/core/errors';
import type { AssertionSigner, ClusterRef, Identity } from './ports.ts';
import { assertionAudience, groupsForRoles, maxAssertionLifetimeSeconds } from './proto.ts';

/** Options for {@link createAssertionSigner}. */
export interface AssertionSignerOptions {
  /** `iss` of the assertions. Default `kgate-central`. */
  issuer?: string;
  /** Lifetime in seconds, 1–60. Default 30. */
  ttlSeconds?: number;
  /** The clock, for tests. */
  now?: () => Date;
}

/** The `typ` header of assertions, so no other JWT of central is ever accepted as one. */
export const assertionType = 'kgate-assertion+jwt';

/**
 * The one JOSE header of every assertion, already encoded. The agent compares the
 * header segment with this exact string, so no `alg` but HS256 is ever considered.
 */
export const assertionHeaderSegment = Buffer.from(
  JSON.stringify({ alg: 'HS256', typ: assertionType }),
).toString('base64url');

/** Size of a session key: 256 bits, the HMAC-SHA256 block-strength key RFC 7518 asks for. */
export const sessionKeyBytes = 32;

/**
 * Creates the signer of identity assertions.
 *
 * @example
 * ```ts
 * const signer = createAssertionSigner({ issuer: 'https://central.example.com' });
 * const key = signer.newSessionKey(); // at Register, sent to that agent session
 * const jwt = signer.sign(identity, { clusterId, clusterName: 'prod' }, requestId, key);
 * ```
 */
export function createAssertionSigner(options: AssertionSignerOptions = {}): AssertionSigner {
  const ttl = options.ttlSeconds ?? 30;
  if (!(Number.isInteger(ttl) && ttl > 0 && ttl <= maxAssertionLifetimeSeconds))
    throw new KgateError('INVALID_ARGUMENT', `assertion lifetime ${ttl}s is outside 1–60 s`, {
      hint: 'set ttlSeconds to a whole number between 1 and 60',
    });
  const issuer = options.issuer ?? 'kgate-central';
  const now = options.now;
  const prefix = `${assertionHeaderSegment}.`;

  return {
    issuer,
    newSessionKey(): KeyObject {
      return createSecretKey(randomBytes(sessionKeyBytes));
    },
    sign(identity: Identity, cluster: ClusterRef, requestId: string, sessionKey: KeyObject): string {
      const issuedAt = Math.floor((now === undefined ? Date.now() : now().getTime()) / 1000);
      const payload = Buffer.from(
        JSON.stringify({
          iss: issuer,
          aud: assertionAudience(cluster.clusterName),
          sub: identity.userId,
          user: identity.username,
          groups: groupsForRoles(identity.roles),
          rid: requestId,
          iat: issuedAt,
          exp: issuedAt + ttl,
        }),
      ).toString('base64url');
      const input = prefix + payload;
      return `${input}.${createHmac('sha256', sessionKey).update(input).digest('base64url')}`;
    },
  };
}
