import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '@kgate/core/pki';

const ca = await createCertificateAuthority({ commonName: 'kgate tls test CA' });
const server = await issueServerCertificate(ca, {
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1', '::1'],
});
const client = await issueClientCertificate(ca, { commonName: 'alice', organizations: ['dev'] });
const stranger = await issueClientCertificate(await createCertificateAuthority({ commonName: 'rogue CA' }), {
  commonName: 'mallory',
});

/** A TLS server that requires a client certificate from `ca` and answers with the peer's CN. */
async function startServer(): Promise<{ port: number; refused: string[]; close: () => void }> {
  const refused: string[] = [];
  const srv = tls.createServer(
    { cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      const peer = socket.getPeerCertificate();
      socket.end(`hello ${peer.subject.CN} of ${String(peer.subject.O)}`);
    },
  );
  srv.on('tlsClientError', (e: NodeJS.ErrnoException) => refused.push(String(e.code)));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as AddressInfo).port, refused, close: () => srv.close() };
}

/** Connects and reads until close; rejects with the TLS error, if any, else resolves with what the server said. */
function connect(options: tls.ConnectionOptions): Promise<string> {
  return connectOutcome(options).then((o) => (o.error ? Promise.reject(o.error) : o.data));
}

function connectOutcome(options: tls.ConnectionOptions): Promise<{ data: string; error?: Error }> {
  return new Promise((resolve) => {
    const socket = tls.connect(options, () => {});
    let data = '';
    let error: Error | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('error', (e) => {
      error = e;
    });
    // With TLS 1.3 the client finishes its side of the handshake before the server has
    // checked the client certificate; the refusal arrives as an alert afterwards.
    socket.on('close', () => resolve({ data, error }));
  });
}

test('a client that trusts the CA completes a mutual TLS handshake and the server sees its CN and groups', async (t) => {
  const srv = await startServer();
  t.after(srv.close);
  const reply = await connect({
    host: '127.0.0.1',
    port: srv.port,
    ca: ca.certPem,
    cert: client.certPem,
    key: client.keyPem,
  });
  assert.equal(reply, 'hello alice of dev');
  const byName = await connect({
    host: '127.0.0.1',
    servername: 'localhost',
    port: srv.port,
    ca: ca.certPem,
    cert: client.certPem,
    key: client.keyPem,
  });
  assert.equal(byName, 'hello alice of dev');
});

test('a client that does not trust the CA refuses the server certificate', async (t) => {
  const srv = await startServer();
  t.after(srv.close);
  await assert.rejects(
    connect({ host: '127.0.0.1', port: srv.port, cert: client.certPem, key: client.keyPem }),
    (e: NodeJS.ErrnoException) =>
      e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || e.code === 'SELF_SIGNED_CERT_IN_CHAIN',
  );
});

test('the server refuses a client certificate from another CA, and one without any certificate', async (t) => {
  const srv = await startServer();
  t.after(srv.close);
  // With TLS 1.3 the client completes its half of the handshake before the server has
  // judged the client certificate, so the refusal shows on the server side and as silence.
  const fromStranger = await connectOutcome({
    host: '127.0.0.1',
    port: srv.port,
    ca: ca.certPem,
    cert: stranger.certPem,
    key: stranger.keyPem,
  });
  assert.equal(fromStranger.data, '');
  const anonymous = await connectOutcome({ host: '127.0.0.1', port: srv.port, ca: ca.certPem });
  assert.equal(anonymous.data, '');
  assert.equal(srv.refused.length, 2, `server refused: ${srv.refused.join(', ')}`);
});

test('the server certificate is refused for a host name it does not list', async (t) => {
  const srv = await startServer();
  t.after(srv.close);
  await assert.rejects(
    connect({
      host: '127.0.0.1',
      servername: 'other.example.com',
      port: srv.port,
      ca: ca.certPem,
      cert: client.certPem,
      key: client.keyPem,
    }),
    (e: NodeJS.ErrnoException) => e.code === 'ERR_TLS_CERT_ALTNAME_INVALID',
  );
});
