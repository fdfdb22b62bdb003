/**
 * TLS material for small servers in tests: a fresh CA and a serving certificate for
 * 127.0.0.1, ::1 and localhost, made with `@kgate/core/pki` (kubectl refuses to send
 * credentials over plain HTTP, so test servers speak TLS).
 */
import { createCertificateAuthority, issueServerCertificate } from '@kgate/core/pki';

export interface LocalServerTls {
  /** The CA to trust (a kubeconfig's certificate-authority-data, a client's `ca`). */
  ca: string;
  /** The serving certificate and its key, for `https.createServer({ cert, key })`. */
  cert: string;
  key: string;
}

/** Makes a CA and a loopback serving certificate signed by it. */
export async function localServerTls(): Promise<LocalServerTls> {
  const ca = await createCertificateAuthority({ commonName: 'kgate-test-ca' });
  const serving = await issueServerCertificate(ca, {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
  });
  return { ca: ca.certPem, cert: serving.certPem, key: serving.keyPem };
}
