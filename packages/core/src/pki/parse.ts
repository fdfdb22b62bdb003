import { createHash } from 'node:crypto';
import { parseX509 } from './issue.ts';
import { type CertificateSubject, subjectFromName } from './names.ts';
import { x509 } from './x509.ts';

/** What kgate needs to know about a certificate, from {@link parseCertificate}. */
export interface CertificateInfo {
  subject: CertificateSubject;
  issuer: CertificateSubject;
  /** Hexadecimal serial number. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ipAddresses: string[];
  /** Whether basicConstraints says CA. */
  isCa: boolean;
  /** Extended key usages by name (`serverAuth`, `clientAuth`) or OID when unnamed. */
  extendedKeyUsages: string[];
  /** SHA-256 of the DER certificate, lowercase hex: the fingerprint `openssl x509 -fingerprint -sha256` shows. */
  fingerprintSha256: string;
}

const EKU_NAMES: Record<string, string> = {
  [x509.ExtendedKeyUsage.serverAuth]: 'serverAuth',
  [x509.ExtendedKeyUsage.clientAuth]: 'clientAuth',
};

/**
 * Parses a PEM certificate (the first one, if several are concatenated).
 *
 * @throws KgateError `PKI_INVALID` when the text is not a PEM certificate.
 *
 * @example
 * ```ts
 * const info = parseCertificate(await readFile('server.crt', 'utf8'));
 * if (info.notAfter.getTime() - Date.now() < 30 * 86_400_000) renew();
 * ```
 */
export function parseCertificate(certPem: string): CertificateInfo {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certPem)?.[0] ?? certPem;
  const cert = parseX509(first, 'certificate');
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san ? san.names.toJSON() : [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    subject: subjectFromName(cert.subjectName),
    issuer: subjectFromName(cert.issuerName),
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    isCa: basic?.ca ?? false,
    extendedKeyUsages: Array.from(eku?.usages ?? [], (usage) => EKU_NAMES[String(usage)] ?? String(usage)),
    fingerprintSha256: createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex'),
  };
}
