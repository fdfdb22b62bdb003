/**
 * The fixture's PKI, made in memory at start: a serving CA with a serving certificate
 * for 127.0.0.1, ::1 and localhost, and a client CA that signs x509 client certificates
 * (CN = user, O = groups), as kube-apiserver's `--client-ca-file` expects.
 */
// @peculiar/x509 needs a Reflect metadata polyfill loaded before it.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto;
x509.cryptoProvider.set(crypto);

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

interface Authority {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  pem: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 60 * 60_000), notAfter: new Date(now + 365 * 24 * 60 * 60_000) };
}

function serial(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

async function createAuthority(commonName: string): Promise<Authority> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, pem: cert.toString('pem') };
}

async function issue(
  ca: Authority,
  subject: x509.JsonName,
  usage: 'server' | 'client',
  altNames: { type: 'dns' | 'ip'; value: string }[] = [],
): Promise<KeyAndCert> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([
      usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subjectName,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm,
    ...validity(),
    extensions,
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: pem('PRIVATE KEY', pkcs8) };
}

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
  const servingCa = await createAuthority('kgate-testkit-ca');
  const clientCa = await createAuthority('kgate-testkit-client-ca');
  const serving = await issue(servingCa, [{ CN: ['kube-apiserver'] }], 'server', [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
    { type: 'dns', value: 'localhost' },
  ]);
  return {
    caPem: servingCa.pem,
    serving,
    clientCaPem: clientCa.pem,
    issueClientCertificate: (user, groups = []) =>
      issue(clientCa, [{ CN: [user] }, ...groups.map((g) => ({ O: [g] }))], 'client'),
  };
}
