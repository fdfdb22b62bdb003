import { type CertificateAuthority, signCertificate } from './issue.ts';
import { generateKeys, type KeyAlgorithm } from './keys.ts';
import { subjectToJson } from './names.ts';

/** Options for {@link createCertificateAuthority}. */
export interface CreateCertificateAuthorityOptions {
  /** The CA's common name, shown by browsers and `openssl x509 -text`. */
  commonName: string;
  /** Organizations of the CA's subject. Default: none. */
  organizations?: string[];
  /** Default `ecdsa-p256`. */
  keyAlgorithm?: KeyAlgorithm;
  /** Default 3650 (ten years): a CA outlives the certificates it signs. */
  validityDays?: number;
  /** The clock, for tests. Default: now. */
  now?: Date;
}

/**
 * Creates a self-signed certificate authority that can issue server and client
 * certificates. The CA is constrained to path length 0: it signs leaf certificates only.
 *
 * @example
 * ```ts
 * const ca = await createCertificateAuthority({ commonName: 'kgate-central CA' });
 * await writeFile('ca.crt', ca.certPem);
 * await writeFile('ca.key', ca.keyPem, { mode: 0o600 });
 * ```
 */
export async function createCertificateAuthority(
  options: CreateCertificateAuthorityOptions,
): Promise<CertificateAuthority> {
  const algorithm = options.keyAlgorithm ?? 'ecdsa-p256';
  const { keys, keyPem } = await generateKeys(algorithm);
  const certPem = await signCertificate(
    {
      subject: subjectToJson({ commonName: options.commonName, organizations: options.organizations }),
      publicKey: keys.publicKey,
      usage: 'ca',
      validityDays: options.validityDays ?? 3650,
      now: options.now ?? new Date(),
    },
    { selfKeys: keys, algorithm },
  );
  return { certPem, keyPem };
}
