/**
 * `@kgate/core/pki`: a small certificate authority for kgate-central and its agents.
 *
 * Create a CA, issue TLS server certificates (SANs: DNS names and IPs) and client
 * certificates (CN = identity, O = groups), sign PKCS#10 requests, and read a
 * certificate's subject, SANs and expiry. Everything is PEM in and PEM out; private
 * keys are PKCS#8. ECDSA P-256 is the default key algorithm.
 *
 * @example
 * ```ts
 * import { createCertificateAuthority, issueServerCertificate } from '@kgate/core/pki';
 * const ca = await createCertificateAuthority({ commonName: 'kgate CA' });
 * const tls = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
 * ```
 */
export { type CreateCertificateAuthorityOptions, createCertificateAuthority } from './ca.ts';
export {
  type IssueClientCertificateOptions,
  type IssueServerCertificateOptions,
  issueClientCertificate,
  issueServerCertificate,
} from './certificates.ts';
export {
  type CertificateRequestAndKey,
  type CertificateRequestInfo,
  type CreateCertificateRequestOptions,
  createCertificateRequest,
  parseCertificateRequest,
  type SignCertificateRequestOptions,
  signCertificateRequest,
} from './csr.ts';
export type { CertificateAndKey, CertificateAuthority, CertificateUsage } from './issue.ts';
export type { KeyAlgorithm } from './keys.ts';
export type { CertificateSubject } from './names.ts';
export { type CertificateInfo, parseCertificate } from './parse.ts';
