import { createPrivateKey, type KeyObject, webcrypto } from 'node:crypto';
import { KgateError } from '../errors.ts';

/**
 * Key algorithms kgate issues certificates with. ECDSA P-256 is the default: small
 * keys, fast handshakes, accepted by every TLS stack kubectl and Node use.
 */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa-2048' | 'rsa-3072';

/** The WebCrypto parameters of a key algorithm, for key generation and signing. */
export interface WebKeyParams {
  generate: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
  import: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  sign: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

/** @internal */
export const subtle: webcrypto.SubtleCrypto = webcrypto.subtle;
/** @internal */
export const webCrypto: webcrypto.Crypto = webcrypto;

/** @internal */
export function webKeyParams(algorithm: KeyAlgorithm): WebKeyParams {
  switch (algorithm) {
    case 'ecdsa-p256':
    case 'ecdsa-p384': {
      const namedCurve = algorithm === 'ecdsa-p256' ? 'P-256' : 'P-384';
      const hash = algorithm === 'ecdsa-p256' ? 'SHA-256' : 'SHA-384';
      return {
        generate: { name: 'ECDSA', namedCurve },
        import: { name: 'ECDSA', namedCurve },
        sign: { name: 'ECDSA', hash },
      };
    }
    case 'rsa-2048':
    case 'rsa-3072': {
      const modulusLength = algorithm === 'rsa-2048' ? 2048 : 3072;
      return {
        generate: {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        },
        import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        sign: { name: 'RSASSA-PKCS1-v1_5' },
      };
    }
  }
}

/** A freshly generated key pair, with the private key as PKCS#8 PEM. @internal */
export interface GeneratedKeys {
  keys: webcrypto.CryptoKeyPair;
  keyPem: string;
}

/** @internal */
export async function generateKeys(algorithm: KeyAlgorithm): Promise<GeneratedKeys> {
  const params = webKeyParams(algorithm);
  const keys = (await subtle.generateKey(params.generate, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const der = await subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, keyPem: toPem('PRIVATE KEY', new Uint8Array(der)) };
}

/** Which {@link KeyAlgorithm} a private key (as a node KeyObject) uses. @internal */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ecdsa-p256';
    if (curve === 'secp384r1') return 'ecdsa-p384';
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= 3072 ? 'rsa-3072' : 'rsa-2048';
  }
  throw new KgateError(
    'PKI_INVALID',
    `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}`,
    { hint: 'use an ECDSA P-256/P-384 or RSA key' },
  );
}

/**
 * Imports a private key PEM (PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`)
 * as a WebCrypto signing key. @internal
 */
export async function importSigningKey(
  keyPem: string,
): Promise<{ key: webcrypto.CryptoKey; algorithm: KeyAlgorithm }> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch (cause) {
    // Never echo key material: the message says only what kind of input was wrong.
    throw new KgateError('PKI_INVALID', 'the private key is not a valid PEM private key', {
      hint: 'pass a PEM file that starts with -----BEGIN PRIVATE KEY----- (or EC/RSA PRIVATE KEY)',
      cause,
    });
  }
  const algorithm = keyAlgorithmOf(keyObject);
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  const key = await subtle.importKey('pkcs8', der, webKeyParams(algorithm).import, false, ['sign']);
  return { key, algorithm };
}

/** Encodes DER bytes as PEM with 64-character lines. @internal */
export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
