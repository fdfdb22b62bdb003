/**
 * Verifies central's identity assertion for one tunnelled request: an HS256 JWT under
 * the key central gave this agent session at registration, with the expected issuer,
 * audience `kgate-agent:<this cluster>`, a lifetime of at most 60 s, the request id it
 * was made for, and never seen before. Only `kgate:` groups are accepted, so a central
 * cannot make the agent impersonate `system:masters` or any group the cluster's own
 * RBAC reserves.
 *
 * Everything is synchronous node:crypto (one HMAC-SHA256, a constant-time compare):
 * about a microsecond, with no thread-pool hop.
 */
import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
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
  /** The session's assertion key from the registration response (never logged). */
  key: KeyObject;
  issuer: string;
  audience: string;
  /** Accepted clock difference to central, seconds. Default 10. */
  clockToleranceSeconds?: number;
  /** The clock, for tests. */
  now?: () => Date;
}

/**
 * The only header central writes, `{"alg":"HS256","typ":"kgate-assertion+jwt"}`,
 * encoded. Anything else (another `alg`, `none`, an access token's `at+jwt`) is refused
 * before any cryptography.
 */
const expectedHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'kgate-assertion+jwt' })).toString(
  'base64url',
);

/** Length of an HMAC-SHA256 in unpadded base64url. */
const signatureLength = 43;

export class AssertionVerifier {
  readonly #options: AssertionVerifierOptions;
  readonly #tolerance: number;
  /**
   * Request ids already used, in two generations: a rid is a replay if either holds it.
   * A generation lives `#window` seconds, longer than any assertion stays acceptable
   * after its first use, so no rid is forgotten while it could still be replayed, and
   * old ids go in bulk instead of by a sweep over every entry.
   */
  #current = new Set<string>();
  #previous = new Set<string>();
  #rotateAt = 0;
  readonly #window: number;

  constructor(options: AssertionVerifierOptions) {
    if (options.key.type !== 'secret' || (options.key.symmetricKeySize ?? 0) < 32)
      throw new AssertionError('the assertion key from central is not a 256-bit secret key');
    this.#options = options;
    this.#tolerance = options.clockToleranceSeconds ?? 10;
    // Accepted from first use until at most iat + 60 + tolerance, with iat ≤ now + tolerance.
    this.#window = maxAssertionLifetimeSeconds + 2 * this.#tolerance;
  }

  /** The identity of a valid assertion for `requestId`; throws {@link AssertionError} otherwise. */
  verify(token: string, requestId: string): AssertedIdentity {
    if (token === '') throw new AssertionError('the request carries no identity assertion');
    const firstDot = token.indexOf('.');
    const lastDot = token.lastIndexOf('.');
    if (firstDot < 0 || lastDot === firstDot) throw new AssertionError('the identity assertion is malformed');
    if (token.slice(0, firstDot) !== expectedHeader)
      throw new AssertionError('the identity assertion has an unexpected header (only HS256 is accepted)');
    const signature = token.slice(lastDot + 1);
    const expected = createHmac('sha256', this.#options.key)
      .update(token.slice(0, lastDot))
      .digest('base64url');
    // Compare the encoded forms: base64url decoding ignores stray characters, so
    // decoding first would accept several spellings of one signature.
    if (
      signature.length !== signatureLength ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
    )
      throw new AssertionError('the identity assertion is not signed with this session’s key');

    let claims: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(
        Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString(),
      );
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      claims = parsed as Record<string, unknown>;
    } catch {
      throw new AssertionError('the identity assertion is malformed');
    }
    const { iss, aud, sub, user, groups, rid, iat, exp } = claims;
    const nowSeconds = Math.floor((this.#options.now?.() ?? new Date()).getTime() / 1000);
    if (iss !== this.#options.issuer)
      throw new AssertionError('the identity assertion has an unexpected issuer');
    if (aud !== this.#options.audience)
      throw new AssertionError('the identity assertion is meant for another cluster');
    if (typeof exp !== 'number' || typeof iat !== 'number' || !(exp > iat))
      throw new AssertionError('the identity assertion has no valid lifetime');
    if (exp - iat > maxAssertionLifetimeSeconds)
      throw new AssertionError(`the identity assertion lives longer than ${maxAssertionLifetimeSeconds} s`);
    if (nowSeconds >= exp + this.#tolerance) throw new AssertionError('the identity assertion has expired');
    if (iat > nowSeconds + this.#tolerance)
      throw new AssertionError('the identity assertion is not valid yet');
    if (typeof rid !== 'string' || rid === '' || rid !== requestId)
      throw new AssertionError('the identity assertion was signed for another request');
    if (typeof user !== 'string' || user === '' || typeof sub !== 'string' || sub === '')
      throw new AssertionError('the identity assertion names no user');
    if (
      !Array.isArray(groups) ||
      !groups.every((g): g is string => typeof g === 'string' && g.startsWith('kgate:'))
    )
      throw new AssertionError('the identity assertion carries groups outside kgate:*');
    if (!groups.includes(authenticatedGroup))
      throw new AssertionError(`the identity assertion lacks the group ${authenticatedGroup}`);
    this.#remember(rid, nowSeconds);
    return { userId: sub, username: user, groups };
  }

  /** Records a request id as used; throws when it already was. */
  #remember(rid: string, nowSeconds: number): void {
    if (nowSeconds >= this.#rotateAt) {
      // After a pause longer than a window, the current generation is old enough to go too.
      this.#previous = nowSeconds >= this.#rotateAt + this.#window ? new Set() : this.#current;
      this.#current = new Set();
      this.#rotateAt = nowSeconds + this.#window;
    }
    if (this.#current.has(rid) || this.#previous.has(rid))
      throw new AssertionError('the identity assertion was already used');
    this.#current.add(rid);
  }
}
