import { randomBytes, type webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { KgateError } from '../errors.ts';
import { importSigningKey, type KeyAlgorithm, webCrypto, webKeyParams } from './keys.ts';
import { x509 } from './x509.ts';

/** A certificate with its private key, both PEM. The key is PKCS#8 (`BEGIN PRIVATE KEY`). */
export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

/** A certificate authority that can sign: its certificate and private key, both PEM. */
export type CertificateAuthority = CertificateAndKey;

/** What a certificate may be used for. */
export type CertificateUsage = 'server' | 'client' | 'ca';

/** @internal */
export interface IssueParams {
  subject: x509.JsonName;
  publicKey: webcrypto.CryptoKey | x509.PublicKey;
  usage: CertificateUsage;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  validityDays: number;
  now: Date;
}

/** Backdating tolerates clocks a few minutes behind ours, as other issuers do. */
const BACKDATE_MS = 5 * 60_000;

/** A positive 128-bit serial: random so that serials never repeat across restarts. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** @internal */
export function validateValidity(validityDays: number): void {
  if (!Number.isFinite(validityDays) || validityDays <= 0 || validityDays > 36500) {
    throw new KgateError('INVALID_ARGUMENT', `validity of ${validityDays} days is out of range`, {
      hint: 'use a number of days between 1 and 36500',
    });
  }
}

/** @internal */
export function subjectAltNames(
  dnsNames: readonly string[],
  ipAddresses: readonly string[],
): x509.JsonGeneralNames {
  const names: x509.JsonGeneralNames = [];
  for (const dns of dnsNames) {
    if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(dns) || dns.length > 253) {
      throw new KgateError('INVALID_ARGUMENT', `"${dns}" is not a valid DNS name for a certificate`, {
        hint: 'use a host name such as central.example.com',
      });
    }
    names.push({ type: 'dns', value: dns });
  }
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) {
      throw new KgateError('INVALID_ARGUMENT', `"${ip}" is not an IP address`, {
        hint: 'use a literal IPv4 or IPv6 address such as 127.0.0.1 or ::1',
      });
    }
    names.push({ type: 'ip', value: ip });
  }
  return names;
}

function usageExtensions(usage: CertificateUsage, rsa: boolean): x509.Extension[] {
  const { KeyUsageFlags, KeyUsagesExtension, BasicConstraintsExtension, ExtendedKeyUsageExtension } = x509;
  if (usage === 'ca') {
    return [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    ];
  }
  // RSA key exchange (TLS 1.2 without ECDHE) needs keyEncipherment; ECDSA keys never encipher.
  const flags = KeyUsageFlags.digitalSignature | (rsa ? KeyUsageFlags.keyEncipherment : 0);
  const eku = usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
  return [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(flags, true),
    new ExtendedKeyUsageExtension([eku], false),
  ];
}

/**
 * Signs a certificate for `params.publicKey` with the CA (or self-signs when `ca` is
 * undefined and `selfKeys` are given). @internal
 */
export async function signCertificate(
  params: IssueParams,
  signer: { ca: CertificateAuthority } | { selfKeys: webcrypto.CryptoKeyPair; algorithm: KeyAlgorithm },
): Promise<string> {
  validateValidity(params.validityDays);
  const notBefore = new Date(params.now.getTime() - BACKDATE_MS);
  const notAfter = new Date(params.now.getTime() + params.validityDays * 86_400_000);
  const publicKey = await x509.PublicKey.create(params.publicKey, webCrypto);
  const rsa = publicKey.algorithm.name === 'RSASSA-PKCS1-v1_5';
  const extensions = usageExtensions(params.usage, rsa);
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey, false, webCrypto));
  const sans = subjectAltNames(params.dnsNames ?? [], params.ipAddresses ?? []);
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));

  if ('selfKeys' in signer) {
    const cert = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: serialNumber(),
        name: params.subject,
        notBefore,
        notAfter,
        keys: signer.selfKeys,
        signingAlgorithm: webKeyParams(signer.algorithm).sign,
        extensions,
      },
      webCrypto,
    );
    return cert.toString('pem');
  }

  const caCert = parseX509(signer.ca.certPem, 'CA certificate');
  const { key: signingKey, algorithm } = await importSigningKey(signer.ca.keyPem);
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, webCrypto));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: params.subject,
      // The CA's own encoded name, so the issuer matches its subject byte for byte.
      issuer: caCert.subjectName,
      notBefore,
      notAfter,
      publicKey,
      signingKey,
      signingAlgorithm: webKeyParams(algorithm).sign,
      extensions,
    },
    webCrypto,
  );
  return cert.toString('pem');
}

/** Parses a PEM certificate, naming `what` (never the content) when it is not one. @internal */
export function parseX509(pem: string, what: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (cause) {
    throw new KgateError('PKI_INVALID', `the ${what} is not a valid PEM certificate`, {
      hint: 'pass a PEM file that starts with -----BEGIN CERTIFICATE-----',
      cause,
    });
  }
}
