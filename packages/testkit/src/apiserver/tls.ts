/**
 * The fixture's PKI, made in memory at start with `@kgate/core/pki`: a serving CA with
 * a serving certificate for 127.0.0.1, ::1 and localhost, and a client CA that signs
 * x509 client certificates (CN = user, O = groups), as kube-apiserver's
 * `--client-ca-file` expects.
 */
import {
  type CertificateAndKey,
  createCertificateAuthority,
  issueClientCertificate,
  issueServerCertificate,
} from '@kgate/core/pki';

export type KeyAndCert = CertificateAndKey;

/** The server's certificates and the client CA that signs user certificates. */
export interface Pki {
  /** PEM of the CA that signed the serving certificate (what a kubeconfig's certificate-authority-data holds). */
  caPem: string;
  serving: KeyAndCert;
  /** PEM of the CA client certificates must chain to. */
  clientCaPem: string;
  /** Issues a client certificate for `user` in `groups`, signed by the client CA. */
  issueClientCertificate(user: string, groups?: string[]): Promise<KeyAndCert>;
}

export async function createPki(): Promise<Pki> {
  const [servingCa, clientCa] = await Promise.all([
    createCertificateAuthority({ commonName: 'kgate-testkit-ca' }),
    createCertificateAuthority({ commonName: 'kgate-testkit-client-ca' }),
  ]);
  const serving = await issueServerCertificate(servingCa, {
    commonName: 'kube-apiserver',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
  });
  return {
    caPem: servingCa.certPem,
    serving,
    clientCaPem: clientCa.certPem,
    issueClientCertificate: (user, groups = []) =>
      issueClientCertificate(clientCa, { commonName: user, organizations: groups }),
  };
}
