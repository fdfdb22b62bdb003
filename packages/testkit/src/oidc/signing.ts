/**
 * The provider's ID-token signing key, and minting of ID tokens outside the provider for
 * negative tests (wrong audience, nonce or issuer, expired, a signature from a key the
 * issuer never published).
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An RS256 key pair; `privateJwk` is what oidc-provider's `jwks` option takes. */
export interface SigningKey {
  kid: string;
  privateKey: PrivateKey;
  privateJwk: JWK;
}

/** A fresh RS256 signing key with the given key id. */
export async function createSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, privateJwk };
}

/**
 * Claims of a minted ID token. `undefined` removes a claim the fixture would otherwise
 * set (e.g. `exp: undefined` for a token without expiry).
 */
export type IdTokenClaims = { [claim: string]: unknown };

/** Signs `claims` as a JWT with `key` (header alg RS256, kid of the key). */
export async function signIdToken(claims: IdTokenClaims, key: SigningKey): Promise<string> {
  const payload: JWTPayload = {};
  for (const [name, value] of Object.entries(claims)) if (value !== undefined) payload[name] = value;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}
