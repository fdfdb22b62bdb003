/**
 * Verifies central's identity assertion for one tunnelled request: signature by a key
 * central sent at registration, issuer, audience `kgate-agent:<this cluster>`, a
 * lifetime of at most 60 s, and — for a per-request assertion (it has `rid`) — the
 * request id it was signed for and no replay. An assertion without `rid` is one
 * central reuses for a user for a few seconds; its verification is cached until it
 * expires. Only `kgate:` groups are accepted, so a central cannot make the agent
 * impersonate `system:masters` or any group the cluster's own RBAC reserves.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { authenticatedGroup, maxAssertionLifetimeSeconds } from './proto.ts';

/** The identity the agent impersonates. */
export interface AssertedIdentity {
  userId: string;
  username: string;
  groups: string[];
}

/** An assertion the agent refuses; `message` says why (never the token). */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** Options of an {@link AssertionVerifier}. */
export interface AssertionVerifierOptions {
  jwks: JSONWebKeySet;
  issuer: string;
  audience: string;
  /** Accepted clock difference to central, seconds. Default 10. */
  clockToleranceSeconds?: number;
  /** The clock, for tests. */
  now?: () => Date;
}

const assertionType = 'kgate-assertion+jwt';

export class AssertionVerifier {
  readonly #options: AssertionVerifierOptions;
  readonly #keys: ReturnType<typeof createLocalJWKSet>;
  /** Request ids already used, with their expiry (seconds), to refuse replays. */
  readonly #seen = new Map<string, number>();
  /** Verified reusable assertions (exact token) with their expiry, seconds. */
  readonly #reusable = new Map<string, { identity: AssertedIdentity; exp: number }>();
  #nextSweep = 0;

  constructor(options: AssertionVerifierOptions) {
    this.#options = options;
    this.#keys = createLocalJWKSet(options.jwks);
  }

  /** The identity of a valid assertion for `requestId`; throws {@link AssertionError} otherwise. */
  async verify(token: string, requestId: string): Promise<AssertedIdentity> {
    if (token === '') throw new AssertionError('the request carries no identity assertion');
    const now = this.#options.now?.() ?? new Date();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const cached = this.#reusable.get(token);
    if (cached !== undefined) {
      if (nowSeconds <= cached.exp + (this.#options.clockToleranceSeconds ?? 10)) return cached.identity;
      this.#reusable.delete(token);
    }
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, this.#keys, {
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        algorithms: ['ES256', 'RS256'],
        typ: assertionType,
        clockTolerance: this.#options.clockToleranceSeconds ?? 10,
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: now,
      });
      payload = verified.payload;
    } catch (error) {
      throw new AssertionError(describe(error));
    }
    const { exp, iat, rid, jti, user, groups, sub } = payload as JWTPayload & Record<string, unknown>;
    if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > maxAssertionLifetimeSeconds)
      throw new AssertionError(`the identity assertion lives longer than ${maxAssertionLifetimeSeconds} s`);
    if (rid !== undefined && (rid !== requestId || jti !== requestId))
      throw new AssertionError('the identity assertion was signed for another request');
    if (typeof user !== 'string' || user === '' || typeof sub !== 'string')
      throw new AssertionError('the identity assertion names no user');
    if (
      !Array.isArray(groups) ||
      !groups.every((g): g is string => typeof g === 'string' && g.startsWith('kgate:'))
    )
      throw new AssertionError('the identity assertion carries groups outside kgate:*');
    if (!groups.includes(authenticatedGroup))
      throw new AssertionError(`the identity assertion lacks the group ${authenticatedGroup}`);
    const identity: AssertedIdentity = { userId: sub, username: user, groups };
    this.#sweep(nowSeconds);
    if (rid === undefined) this.#reusable.set(token, { identity, exp });
    else {
      if (this.#seen.has(requestId)) throw new AssertionError('the identity assertion was already used');
      this.#seen.set(requestId, exp);
    }
    return identity;
  }

  /** Every 10 s, forgets request ids and reusable assertions that expired (with margin). */
  #sweep(nowSeconds: number): void {
    if (nowSeconds < this.#nextSweep) return;
    this.#nextSweep = nowSeconds + 10;
    for (const [id, expiry] of this.#seen) if (expiry + 60 < nowSeconds) this.#seen.delete(id);
    for (const [token, entry] of this.#reusable)
      if (entry.exp + 60 < nowSeconds) this.#reusable.delete(token);
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the identity assertion has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the identity assertion is meant for another cluster';
    if (error.claim === 'iss') return 'the identity assertion has an unexpected issuer';
    return `the identity assertion's "${error.claim}" claim is invalid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey)
    return 'the identity assertion is not signed by central';
  return 'the identity assertion is malformed';
}
