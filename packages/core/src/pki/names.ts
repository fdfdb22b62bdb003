import { KgateError } from '../errors.ts';
import type { x509 } from './x509.ts';

/**
 * The subject (or issuer) of a certificate as kgate uses it: a common name and the
 * organizations. Kubernetes reads a client certificate's CN as the user name and each
 * O as a group, so `organizations` are the groups of a client certificate.
 */
export interface CertificateSubject {
  commonName: string;
  organizations: string[];
}

/** @internal */
export function subjectToJson(subject: {
  commonName: string;
  organizations?: readonly string[];
}): x509.JsonName {
  if (subject.commonName.length === 0 || subject.commonName.length > 64) {
    throw new KgateError(
      'INVALID_ARGUMENT',
      `common name "${subject.commonName}" must be 1 to 64 characters`,
      {
        hint: 'pick a shorter, non-empty common name',
      },
    );
  }
  // One RDN per attribute, CN first: the order Kubernetes and openssl print, and the one
  // that round-trips through every parser.
  const name: x509.JsonName = [{ CN: [subject.commonName] }];
  for (const organization of subject.organizations ?? []) {
    if (organization.length === 0 || organization.length > 64) {
      throw new KgateError('INVALID_ARGUMENT', `organization "${organization}" must be 1 to 64 characters`, {
        hint: 'pick shorter, non-empty organization (group) names',
      });
    }
    name.push({ O: [organization] });
  }
  return name;
}

/** @internal */
export function subjectFromName(name: x509.Name): CertificateSubject {
  return { commonName: name.getField('CN')[0] ?? '', organizations: name.getField('O') };
}
