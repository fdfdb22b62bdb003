/**
 * Central's identity assertions: one ES256 JWT per tunnelled request, valid for at most
 * 60 seconds, for exactly one cluster's agent, naming the user, the groups the agent
 * impersonates, and the request id.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { KgateError } from '@kgate/core/errors';
import { calculateJwkThumbprint, exportJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';
import type { AssertionSigner, ClusterRef, Identity } from './ports.ts';
import { assertionAudience, groupsForRoles, maxAssertionLifetimeSeconds } from './proto.ts';

/** Options for {@link createAssertionSigner}. */
export interface AssertionSignerOptions {
  /** `iss` of the assertions. Default `kgate-central`. */
  issuer?: string;
  /** Lifetime in seconds, at most 60. Default 30. */
  ttlSeconds?: number;
  /**
   * An EC P-256 private key. Default: a new key, so a restarted central has new keys
   * (agents re-register after a restart and receive them). Several central replicas
   * must share one key.
   */
  privateKey?: KeyObject;
  /**
   * Reuse one assertion per user, roles and cluster for this many seconds instead of
   * signing one per request (at most `ttlSeconds - 10`). Default 0: one per request,
   * bound to its request id. Reused assertions carry no request id; the agent then
   * caches their verification, so neither side pays for ES256 on every request. See
   * docs/tunnel.md for the measured difference and what is given up.
   */
  reuseSeconds?: number;
  /** The clock, for tests. */
  now?: () => Date;
}

/** The `typ` header of assertions, so no other JWT of central is ever accepted as one. */
export const assertionType = 'kgate-assertion+jwt';

/**
 * Creates the ES256 signer of identity assertions.
 *
 * @example
 * ```ts
 * const signer = await createAssertionSigner({ issuer: 'https://central.example.com' });
 * const jwt = await signer.sign(identity, { clusterId, clusterName: 'prod' }, requestId);
 * ```
 */
export async function createAssertionSigner(options: AssertionSignerOptions = {}): Promise<AssertionSigner> {
  const ttl = options.ttlSeconds ?? 30;
  if (!(ttl > 0 && ttl <= maxAssertionLifetimeSeconds))
    throw new KgateError('INVALID_ARGUMENT', `assertion lifetime ${ttl}s is outside 1–60 s`, {
      hint: 'set ttlSeconds between 1 and 60',
    });
  const issuer = options.issuer ?? 'kgate-central';
  const privateKey = options.privateKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const publicJwk = await exportJWK(privateKey);
  // Only the public half goes into the key set.
  const { d: _d, ...publicPart } = publicJwk;
  if (publicPart.kty !== 'EC' || publicPart.crv !== 'P-256')
    throw new KgateError(
      'INVALID_ARGUMENT',
      `assertion key is ${publicPart.kty} ${publicPart.crv ?? ''}, not EC P-256`,
      {
        hint: 'use an EC P-256 private key (ES256)',
      },
    );
  const kid = await calculateJwkThumbprint(publicPart);
  const jwk: JWK = { ...publicPart, kid, alg: 'ES256', use: 'sig' };
  const now = options.now ?? (() => new Date());
  const reuse = options.reuseSeconds ?? 0;
  if (reuse < 0 || (reuse > 0 && reuse > ttl - 10))
    throw new KgateError(
      'INVALID_ARGUMENT',
      `assertion reuse of ${reuse}s does not fit a lifetime of ${ttl}s`,
      {
        hint: 'keep reuseSeconds at most ttlSeconds - 10, or 0 to sign per request',
      },
    );
  const reusable = new Map<string, { token: string; until: number }>();

  const signAssertion = (
    identity: Identity,
    cluster: ClusterRef,
    requestId: string | undefined,
    issuedAt: number,
  ) => {
    const claims: Record<string, unknown> = {
      user: identity.username,
      groups: groupsForRoles(identity.roles),
    };
    if (requestId !== undefined) claims.rid = requestId;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid, typ: assertionType })
      .setIssuer(issuer)
      .setSubject(identity.userId)
      .setAudience(assertionAudience(cluster.clusterName))
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl);
    if (requestId !== undefined) jwt.setJti(requestId);
    return jwt.sign(privateKey);
  };

  return {
    issuer,
    jwks(): JSONWebKeySet {
      return { keys: [jwk] };
    },
    async sign(identity: Identity, cluster: ClusterRef, requestId: string): Promise<string> {
      const issuedAt = Math.floor(now().getTime() / 1000);
      if (reuse === 0) return signAssertion(identity, cluster, requestId, issuedAt);
      const key = JSON.stringify([identity.userId, identity.username, identity.roles, cluster.clusterName]);
      const cached = reusable.get(key);
      if (cached !== undefined && issuedAt < cached.until) return cached.token;
      const token = await signAssertion(identity, cluster, undefined, issuedAt);
      if (reusable.size >= 10_000) for (const [k, v] of reusable) if (v.until <= issuedAt) reusable.delete(k);
      if (reusable.size >= 10_000) reusable.clear();
      reusable.set(key, { token, until: issuedAt + reuse });
      return token;
    },
  };
}
