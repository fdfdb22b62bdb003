import { KgateError } from '../errors.ts';
import { type CertificateAuthority, parseX509, signCertificate, subjectAltNames } from './issue.ts';
import { generateKeys, type KeyAlgorithm, webCrypto, webKeyParams } from './keys.ts';
import { type CertificateSubject, subjectFromName, subjectToJson } from './names.ts';
import { x509 } from './x509.ts';

const SAN_OID = '2.5.29.17';

/** Options for {@link createCertificateRequest}. */
export interface CreateCertificateRequestOptions {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Default `ecdsa-p256`. */
  keyAlgorithm?: KeyAlgorithm;
}

/** A PKCS#10 certificate signing request and the private key it was made with, both PEM. */
export interface CertificateRequestAndKey {
  csrPem: string;
  keyPem: string;
}

/**
 * Creates a key pair and a PKCS#10 certificate signing request for it. The private key
 * never leaves the caller: only `csrPem` is sent to the CA.
 *
 * @example
 * ```ts
 * const { csrPem, keyPem } = await createCertificateRequest({ commonName: 'agent:prod-eu' });
 * ```
 */
export async function createCertificateRequest(
  options: CreateCertificateRequestOptions,
): Promise<CertificateRequestAndKey> {
  const algorithm = options.keyAlgorithm ?? 'ecdsa-p256';
  const { keys, keyPem } = await generateKeys(algorithm);
  const sans = subjectAltNames(options.dnsNames ?? [], options.ipAddresses ?? []);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: subjectToJson({ commonName: options.commonName, organizations: options.organizations }),
      keys,
      signingAlgorithm: webKeyParams(algorithm).sign,
      extensions: sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans, false)] : [],
    },
    webCrypto,
  );
  return { csrPem: csr.toString('pem'), keyPem };
}

/** What a CSR asks for, as read by {@link parseCertificateRequest}. */
export interface CertificateRequestInfo {
  subject: CertificateSubject;
  dnsNames: string[];
  ipAddresses: string[];
}

function decodeCsr(csrPem: string): x509.Pkcs10CertificateRequest {
  try {
    return new x509.Pkcs10CertificateRequest(csrPem);
  } catch (cause) {
    throw new KgateError('PKI_INVALID', 'the certificate request is not a valid PEM PKCS#10 request', {
      hint: 'send a PEM block that starts with -----BEGIN CERTIFICATE REQUEST-----',
      cause,
    });
  }
}

function requestedNames(csr: x509.Pkcs10CertificateRequest): { dnsNames: string[]; ipAddresses: string[] } {
  const ext = csr.getExtension(SAN_OID);
  if (!ext) return { dnsNames: [], ipAddresses: [] };
  const san =
    ext instanceof x509.SubjectAlternativeNameExtension
      ? ext
      : new x509.SubjectAlternativeNameExtension(ext.rawData);
  const json = san.names.toJSON();
  return {
    dnsNames: json.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: json.filter((n) => n.type === 'ip').map((n) => n.value),
  };
}

/**
 * Reads the subject and subjectAltNames a CSR asks for, without checking its signature.
 *
 * @example
 * ```ts
 * parseCertificateRequest(csrPem).subject.commonName; // 'agent:prod-eu'
 * ```
 */
export function parseCertificateRequest(csrPem: string): CertificateRequestInfo {
  const csr = decodeCsr(csrPem);
  return { subject: subjectFromName(csr.subjectName), ...requestedNames(csr) };
}

/** Options for {@link signCertificateRequest}. */
export interface SignCertificateRequestOptions {
  /** `client` (clientAuth) or `server` (serverAuth). */
  usage: 'client' | 'server';
  /**
   * The subject to certify. A CA must not trust what the requester claims to be: pass
   * the identity you authenticated. Default: the CSR's own subject.
   */
  subject?: { commonName: string; organizations?: string[] };
  /** SAN DNS names to certify. Default: those the CSR asks for. */
  dnsNames?: string[];
  /** SAN IP addresses to certify. Default: those the CSR asks for. */
  ipAddresses?: string[];
  /** Default 365. */
  validityDays?: number;
  /** The clock, for tests. Default: now. */
  now?: Date;
}

/**
 * Signs a PKCS#10 request with the CA after checking the request's signature (proof
 * that the requester holds the private key). Extensions the CSR asks for other than
 * subjectAltName are ignored: the CA decides usage, lifetime and constraints.
 *
 * @throws KgateError `PKI_INVALID` when the CSR is malformed or its signature does not verify.
 *
 * @example
 * ```ts
 * const certPem = await signCertificateRequest(ca, csrPem, {
 *   usage: 'client',
 *   subject: { commonName: 'agent:prod-eu', organizations: ['kgate:agents'] },
 * });
 * ```
 */
export async function signCertificateRequest(
  ca: CertificateAuthority,
  csrPem: string,
  options: SignCertificateRequestOptions,
): Promise<string> {
  const csr = decodeCsr(csrPem);
  let valid = false;
  try {
    valid = await csr.verify(webCrypto);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new KgateError('PKI_INVALID', 'the certificate request signature does not verify', {
      hint: 'create the CSR again with its own private key',
    });
  }
  parseX509(ca.certPem, 'CA certificate');
  const requested = requestedNames(csr);
  const subject = options.subject ?? subjectFromName(csr.subjectName);
  return signCertificate(
    {
      subject: subjectToJson(subject),
      publicKey: csr.publicKey,
      usage: options.usage,
      dnsNames: options.dnsNames ?? requested.dnsNames,
      ipAddresses: options.ipAddresses ?? requested.ipAddresses,
      validityDays: options.validityDays ?? 365,
      now: options.now ?? new Date(),
    },
    { ca },
  );
}
