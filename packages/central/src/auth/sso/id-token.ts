/**
 * Verifies an ID token from the identity provider: signature by one of its published
 * keys (asymmetric algorithms only), `iss`, `aud` (and `azp`), `exp`/`nbf`/`iat` with a
 * small leeway. Each refusal says which check failed, and never quotes the token.
 */
import { KgateError } from '@kgate/core/errors';
import { decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';

/** Clock skew allowed between central and the IdP, in seconds. */
export const CLOCK_LEEWAY_SECONDS = 60;

/**
 * The algorithms accepted: signatures by the IdP's key pair. HMAC (keyed with a client
 * secret a public client cannot keep) and `none` are refused.
 */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** A refusal of single sign-on: 401 with the reason. */
export function ssoRefused(reason: string, hint = 'run kgate login --sso again'): KgateError {
  return new KgateError('UNAUTHENTICATED', `single sign-on refused: ${reason}`, { hint });
}

function fromJose(error: unknown, expected: { issuer: string; clientId: string }): KgateError {
  if (error instanceof errors.JWTExpired) return ssoRefused('the ID token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return ssoRefused(`the ID token was not issued by ${expected.issuer}`);
      case 'aud':
        return ssoRefused(
          `the ID token's audience is not this server's client "${expected.clientId}"`,
          'the ID token must be issued to the client auth.oidc.client_id names',
        );
      case 'nbf':
        return ssoRefused('the ID token is not valid yet (nbf is in the future)', 'check the clocks');
      default:
        return ssoRefused(
          `the ID token's "${error.claim}" claim is ${error.reason === 'missing' ? 'missing' : 'invalid'}`,
        );
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return ssoRefused(
      `the ID token is signed with an algorithm central does not accept (${ALGORITHMS.join(', ')})`,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return ssoRefused(`the ID token is signed with a key ${expected.issuer} does not publish`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return ssoRefused(`the ID token's signature does not verify with the keys of ${expected.issuer}`);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return ssoRefused('the ID token is not a valid signed JWT');
  }
  if (error instanceof KgateError) return error;
  // Fetching the keys failed (timeout, TLS, HTTP): the IdP, not the token, is at fault.
  const reason = error instanceof Error ? error.message : String(error);
  return new KgateError('UNAVAILABLE', `cannot fetch the signing keys of ${expected.issuer}: ${reason}`, {
    hint: 'try again shortly; if it persists, check auth.oidc.certificate_authority',
    cause: error,
  });
}

/**
 * The verified claims of an ID token.
 * @throws KgateError `UNAUTHENTICATED` naming the failed check; `UNAVAILABLE` when the IdP's keys cannot be fetched.
 */
export async function verifyIdToken(
  idToken: string,
  options: { issuer: string; clientId: string; keys: () => Promise<JWTVerifyGetKey>; now: Date },
): Promise<JWTPayload & { exp: number; iat: number }> {
  const { issuer, clientId, now } = options;
  // Read unverified first only to give a clearer reason than "unknown key" for a token of another IdP.
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(idToken);
  } catch {
    throw ssoRefused('the ID token is not a valid signed JWT');
  }
  if (unverified.iss !== issuer) {
    throw ssoRefused(
      `the ID token was not issued by ${issuer}`,
      'log in at the identity provider /info names',
    );
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, await options.keys(), {
      issuer,
      audience: clientId,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_LEEWAY_SECONDS,
      currentDate: now,
      requiredClaims: ['exp', 'iat', 'sub'],
    }));
  } catch (error) {
    throw fromJose(error, { issuer, clientId });
  }
  const { exp, iat } = payload;
  if (typeof exp !== 'number' || typeof iat !== 'number') throw ssoRefused('the ID token has no exp or iat');
  if (iat > now.getTime() / 1000 + CLOCK_LEEWAY_SECONDS) {
    throw ssoRefused(
      'the ID token was issued in the future (iat)',
      'check the clocks of central and the IdP',
    );
  }
  // OIDC Core 3.1.3.7: with several audiences, azp names the client the token is for.
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if ((payload.azp !== undefined || audiences.length > 1) && payload.azp !== clientId) {
    throw ssoRefused(`the ID token's authorized party (azp) is not this server's client "${clientId}"`);
  }
  return { ...payload, exp, iat };
}
