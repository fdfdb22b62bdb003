import { type CertificateAndKey, type CertificateAuthority, signCertificate } from './issue.ts';
import { generateKeys, type KeyAlgorithm } from './keys.ts';
import { subjectToJson } from './names.ts';

/** Options for {@link issueServerCertificate}. */
export interface IssueServerCertificateOptions {
  /** Host names the server answers to (subjectAltName DNS entries). */
  dnsNames: string[];
  /** IP addresses the server answers to (subjectAltName IP entries), IPv4 or IPv6. */
  ipAddresses?: string[];
  /** Subject CN. Default: the first DNS name, else the first IP. TLS clients check only the SANs. */
  commonName?: string;
  /** Default `ecdsa-p256`. */
  keyAlgorithm?: KeyAlgorithm;
  /** Default 397, the longest lifetime browsers accept for a server certificate. */
  validityDays?: number;
  /** The clock, for tests. Default: now. */
  now?: Date;
}

/**
 * Issues a TLS server certificate (extended key usage `serverAuth`) signed by `ca`,
 * with a new key pair.
 *
 * @example
 * ```ts
 * const server = await issueServerCertificate(ca, {
 *   dnsNames: ['localhost', 'central.example.com'],
 *   ipAddresses: ['127.0.0.1', '::1'],
 * });
 * https.createServer({ cert: server.certPem, key: server.keyPem });
 * ```
 */
export async function issueServerCertificate(
  ca: CertificateAuthority,
  options: IssueServerCertificateOptions,
): Promise<CertificateAndKey> {
  const ipAddresses = options.ipAddresses ?? [];
  const commonName = options.commonName ?? options.dnsNames[0] ?? ipAddresses[0] ?? 'kgate';
  const { keys, keyPem } = await generateKeys(options.keyAlgorithm ?? 'ecdsa-p256');
  const certPem = await signCertificate(
    {
      subject: subjectToJson({ commonName }),
      publicKey: keys.publicKey,
      usage: 'server',
      dnsNames: options.dnsNames,
      ipAddresses,
      validityDays: options.validityDays ?? 397,
      now: options.now ?? new Date(),
    },
    { ca },
  );
  return { certPem, keyPem };
}

/** Options for {@link issueClientCertificate}. */
export interface IssueClientCertificateOptions {
  /** The identity: Kubernetes and kgate read the CN as the user (or agent) name. */
  commonName: string;
  /** Groups, one subject O each. Default: none. */
  organizations?: string[];
  /** Default `ecdsa-p256`. */
  keyAlgorithm?: KeyAlgorithm;
  /** Default 365. */
  validityDays?: number;
  /** The clock, for tests. Default: now. */
  now?: Date;
}

/**
 * Issues a TLS client certificate (extended key usage `clientAuth`) signed by `ca`,
 * with a new key pair.
 *
 * @example
 * ```ts
 * const alice = await issueClientCertificate(ca, { commonName: 'alice', organizations: ['dev'] });
 * ```
 */
export async function issueClientCertificate(
  ca: CertificateAuthority,
  options: IssueClientCertificateOptions,
): Promise<CertificateAndKey> {
  const { keys, keyPem } = await generateKeys(options.keyAlgorithm ?? 'ecdsa-p256');
  const certPem = await signCertificate(
    {
      subject: subjectToJson({ commonName: options.commonName, organizations: options.organizations }),
      publicKey: keys.publicKey,
      usage: 'client',
      validityDays: options.validityDays ?? 365,
      now: options.now ?? new Date(),
    },
    { ca },
  );
  return { certPem, keyPem };
}
