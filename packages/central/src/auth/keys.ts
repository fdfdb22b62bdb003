import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, importPKCS8, type JSONWebKeySet, type JWK } from 'jose';
import type { Clock } from '../clock.ts';
import type { SigningKeyPurpose, Store } from '../store/index.ts';

/** The one algorithm central signs with; verifiers accept nothing else. */
export const SIGNING_ALGORITHM = 'RS256';

/** A signing key ready to use: private key for signing, public JWK (with `kid`) for verifiers. */
export interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** The signing keys of one purpose: the newest signs, all active ones verify. */
export interface KeyRing {
  readonly purpose: SigningKeyPurpose;
  current(): ActiveKey;
  /** Public keys for verifiers: `{ keys: [{ kty, n, e, kid, alg: 'RS256', use: 'sig' }] }`. */
  jwks(): JSONWebKeySet;
}

async function activate(kid: string, privateKeyPem: string): Promise<ActiveKey> {
  const privateKey = await importPKCS8(privateKeyPem, SIGNING_ALGORITHM);
  const { kty, n, e } = createPublicKey(privateKeyPem).export({ format: 'jwk' });
  return { kid, privateKey, publicJwk: { kty, n, e, kid, alg: SIGNING_ALGORITHM, use: 'sig' } };
}

/**
 * Loads the active keys of `purpose` from the store, generating (and storing) an RSA
 * 2048 key on first use. The `kid` is the key's RFC 7638 thumbprint. Stored keys make
 * tokens survive restarts and let several replicas verify each other's tokens.
 */
export async function loadKeyRing(store: Store, purpose: SigningKeyPurpose, clock: Clock): Promise<KeyRing> {
  let records = await store.signingKeys.listActive(purpose);
  if (records.length === 0) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { kty, n, e } = publicKey.export({ format: 'jwk' });
    const kid = await calculateJwkThumbprint({ kty: kty ?? 'RSA', n, e });
    const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await store.signingKeys.insert({
      kid,
      purpose,
      algorithm: SIGNING_ALGORITHM,
      privateKeyPem,
      createdAt: clock(),
      retiredAt: null,
    });
    records = await store.signingKeys.listActive(purpose);
  }
  const keys = await Promise.all(records.map((r) => activate(r.kid, r.privateKeyPem)));
  const newest = keys[0];
  if (!newest) throw new Error(`no ${purpose} signing key after creating one`);
  return {
    purpose,
    current: () => newest,
    jwks: () => ({ keys: keys.map((k) => ({ ...k.publicJwk })) }),
  };
}
