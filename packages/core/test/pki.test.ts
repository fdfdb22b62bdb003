import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import {
  createCertificateAuthority,
  createCertificateRequest,
  issueClientCertificate,
  issueServerCertificate,
  parseCertificate,
  parseCertificateRequest,
  signCertificateRequest,
} from '@kgate/core/pki';

const ca = await createCertificateAuthority({ commonName: 'kgate test CA' });
const otherCa = await createCertificateAuthority({ commonName: 'another CA' });

// OpenSSL's text for the EKU OIDs, as node:crypto reports them.
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

test('a new CA is a self-signed ECDSA P-256 CA certificate valid for years', () => {
  const cert = new X509Certificate(ca.certPem);
  assert.equal(cert.ca, true);
  assert.ok(cert.verify(cert.publicKey), 'self-signature verifies');
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(cert.subject, /CN=kgate test CA/);
  assert.ok(new Date(cert.validTo).getTime() - Date.now() > 9 * 365 * 86_400_000);
  assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
});

test('a server certificate is signed by the CA, names its DNS and IP SANs and is for serverAuth only', async () => {
  const server = await issueServerCertificate(ca, {
    dnsNames: ['localhost', 'central.example.com'],
    ipAddresses: ['127.0.0.1', '::1'],
  });
  const cert = new X509Certificate(server.certPem);
  const caCert = new X509Certificate(ca.certPem);
  assert.ok(cert.verify(caCert.publicKey), 'signed by the CA');
  assert.ok(cert.checkIssued(caCert));
  assert.ok(!cert.verify(new X509Certificate(otherCa.certPem).publicKey), 'not by another CA');
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, [SERVER_AUTH]);
  assert.equal(cert.checkHost('central.example.com'), 'central.example.com');
  assert.equal(cert.checkHost('evil.example.com'), undefined);
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkIP('::1'), '::1');
  assert.equal(cert.checkIP('10.0.0.1'), undefined);
  assert.equal(cert.issuer, caCert.subject);
  const info = parseCertificate(server.certPem);
  assert.deepEqual(info.dnsNames, ['localhost', 'central.example.com']);
  assert.deepEqual(info.ipAddresses, ['127.0.0.1', '::1']);
  assert.deepEqual(info.extendedKeyUsages, ['serverAuth']);
  assert.equal(info.isCa, false);
  assert.equal(info.subject.commonName, 'localhost');
  assert.equal(info.issuer.commonName, 'kgate test CA');
  assert.equal(info.fingerprintSha256, cert.fingerprint256.replaceAll(':', '').toLowerCase());
});

test('a client certificate carries the identity as CN and the groups as O, for clientAuth only', async () => {
  const client = await issueClientCertificate(ca, { commonName: 'alice', organizations: ['dev', 'ops'] });
  const cert = new X509Certificate(client.certPem);
  assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
  assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
  assert.equal(cert.subjectAltName, undefined);
  const info = parseCertificate(client.certPem);
  assert.deepEqual(info.subject, { commonName: 'alice', organizations: ['dev', 'ops'] });
  assert.deepEqual(info.extendedKeyUsages, ['clientAuth']);
});

test('certificates expire after the requested number of days, counted from the injected clock', async () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const client = await issueClientCertificate(ca, { commonName: 'bob', validityDays: 2, now });
  const info = parseCertificate(client.certPem);
  assert.equal(info.notAfter.toISOString(), '2030-01-03T00:00:00.000Z');
  assert.ok(info.notBefore.getTime() < now.getTime(), 'backdated a little for clock skew');
  await assert.rejects(
    issueClientCertificate(ca, { commonName: 'bob', validityDays: 0 }),
    (e) => isKgateError(e, 'INVALID_ARGUMENT') && /0 days/.test(e.message),
  );
});

test('an RSA CA issues certificates that verify too', async () => {
  const rsaCa = await createCertificateAuthority({ commonName: 'rsa CA', keyAlgorithm: 'rsa-2048' });
  const server = await issueServerCertificate(rsaCa, { dnsNames: ['localhost'] });
  const cert = new X509Certificate(server.certPem);
  assert.ok(cert.verify(new X509Certificate(rsaCa.certPem).publicKey));
  assert.equal(new X509Certificate(rsaCa.certPem).publicKey.asymmetricKeyType, 'rsa');
});

test('signing a CSR certifies the key in the request, with the subject the CA chooses', async () => {
  const request = await createCertificateRequest({
    commonName: 'i-claim-to-be-admin',
    organizations: ['system:masters'],
    dnsNames: ['agent.local'],
  });
  assert.deepEqual(parseCertificateRequest(request.csrPem), {
    subject: { commonName: 'i-claim-to-be-admin', organizations: ['system:masters'] },
    dnsNames: ['agent.local'],
    ipAddresses: [],
  });
  const certPem = await signCertificateRequest(ca, request.csrPem, {
    usage: 'client',
    subject: { commonName: 'agent:prod', organizations: ['kgate:agents'] },
    dnsNames: [],
  });
  const cert = new X509Certificate(certPem);
  assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
  assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(request.keyPem)));
  assert.deepEqual(parseCertificate(certPem).subject, {
    commonName: 'agent:prod',
    organizations: ['kgate:agents'],
  });
  assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
  assert.equal(cert.subjectAltName, undefined);

  const asRequested = await signCertificateRequest(ca, request.csrPem, { usage: 'server' });
  assert.deepEqual(parseCertificate(asRequested).dnsNames, ['agent.local']);
  assert.equal(parseCertificate(asRequested).subject.commonName, 'i-claim-to-be-admin');
});

test('a CSR whose signature does not match its key, or that is not a CSR, is refused', async () => {
  const request = await createCertificateRequest({ commonName: 'x' });
  const der = Buffer.from(request.csrPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  // Flip a bit in the signature (the last bytes of the DER) so proof of possession fails.
  der[der.length - 3] = (der[der.length - 3] ?? 0) ^ 0x01;
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  await assert.rejects(
    signCertificateRequest(ca, tampered, { usage: 'client' }),
    (e) => isKgateError(e, 'PKI_INVALID') && /does not verify/.test(e.message),
  );
  await assert.rejects(
    signCertificateRequest(ca, 'not a csr', { usage: 'client' }),
    (e) => isKgateError(e, 'PKI_INVALID') && /not a valid PEM/.test(e.message),
  );
});

test('bad SANs and bad PEM are refused with the value named, and key material is never echoed', async () => {
  await assert.rejects(
    issueServerCertificate(ca, { dnsNames: ['bad name!'] }),
    (e) => isKgateError(e, 'INVALID_ARGUMENT') && e.message.includes('"bad name!"'),
  );
  await assert.rejects(
    issueServerCertificate(ca, { dnsNames: [], ipAddresses: ['300.1.1.1'] }),
    (e) => isKgateError(e, 'INVALID_ARGUMENT') && e.message.includes('"300.1.1.1"'),
  );
  const secretish = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n';
  await assert.rejects(
    issueClientCertificate({ certPem: ca.certPem, keyPem: secretish }, { commonName: 'x' }),
    (e) => isKgateError(e, 'PKI_INVALID') && !e.message.includes('c2VjcmV0'),
  );
  assert.throws(
    () => parseCertificate('garbage'),
    (e) => isKgateError(e, 'PKI_INVALID'),
  );
});
