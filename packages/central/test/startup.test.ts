import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { removeDataDir, type SessionJson, startTestCentral } from './helpers/central.ts';

const mode = (file: string) => statSync(file).mode & 0o777;

test('first start creates a private data dir, CA and database, and prints where the CA is', async (t) => {
  const c = await startTestCentral();
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  assert.equal(mode(c.dataDir), 0o700);
  assert.equal(mode(path.join(c.dataDir, 'ca.key')), 0o600);
  assert.equal(mode(path.join(c.dataDir, 'central.db')), 0o600);
  assert.equal(c.central.caFile, path.join(c.dataDir, 'ca.crt'));
  assert.match(c.notices(), new RegExp(`CA certificate .*: ${c.central.caFile.replaceAll('/', '\\/')}`));
  const ca = new X509Certificate(c.central.caCertPem);
  assert.equal(ca.ca, true);
  assert.ok(c.central.port > 0, 'port 0 reports the real port');
  assert.equal(c.central.url, `https://127.0.0.1:${c.central.port}`);
});

test('the bootstrap password is printed on first start only, and still works after a restart', async (t) => {
  const first = await startTestCentral();
  t.after(() => removeDataDir(first.dataDir));
  assert.match(first.adminPassword, /^[A-Za-z0-9_-]{24}$/);
  const before = await first.login('admin', first.adminPassword);
  const kid = decodeProtectedHeader(before.access).kid;
  await first.req('POST', '/clusters', { token: before.access, body: { name: 'kept' } });
  await first.req('POST', '/users', {
    token: before.access,
    body: { username: 'ivy', password: 'ivy-password-12' },
  });
  assert.ok(!first.logs().includes(first.adminPassword), 'the password is not in the logs');
  await first.stop();

  const second = await startTestCentral({ dataDir: first.dataDir, clock: first.clock });
  t.after(() => second.stop());
  assert.doesNotMatch(second.notices(), /password/);
  assert.equal(second.adminPassword, '');
  assert.match(second.notices(), /CA certificate/);
  assert.equal(second.central.caCertPem, first.central.caCertPem, 'same CA');

  // Without a public_url the issuer is the URL of the first start, kept in the data dir:
  // port 0 gave a new port, yet a logged-in CLI's access token still works.
  const whoami = await second.req<{ username: string }>('GET', '/auth/whoami', { token: before.access });
  assert.equal(whoami.status, 200, 'an access token from before the restart still verifies');
  const again = await second.login('admin', first.adminPassword);
  assert.equal(decodeProtectedHeader(again.access).kid, kid, 'the signing key survived the restart');
  const refreshed = await second.req<SessionJson>('POST', '/auth/refresh', {
    body: { refresh_token: before.refresh },
  });
  assert.equal(refreshed.status, 200, 'a refresh token from before the restart works');
  assert.deepEqual(
    (await second.central.store.clusters.list()).map((cl) => cl.name),
    ['kept'],
  );
  assert.ok(await second.central.store.users.findByUsername('ivy'));
});

test('a token issued before a restart on a fixed public URL is accepted after it', async (t) => {
  const flags = { listen: '127.0.0.1:0' };
  const fileText = 'server:\n  public_url: https://kgate.test.example\n';
  const first = await startTestCentral({ flags, fileText });
  t.after(() => removeDataDir(first.dataDir));
  const { access } = await first.login('admin', first.adminPassword);
  await first.stop();
  const second = await startTestCentral({ dataDir: first.dataDir, flags, fileText, clock: first.clock });
  t.after(() => second.stop());
  const whoami = await second.req<{ username: string }>('GET', '/auth/whoami', { token: access });
  assert.equal(whoami.status, 200);
  assert.equal(whoami.json.username, 'admin');
});

test('KGATE_BOOTSTRAP_ADMIN_PASSWORD sets the first password and is never printed back', async (t) => {
  const password = 'given-bootstrap-password';
  const c = await startTestCentral({ adminPassword: password });
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  assert.ok(!c.notices().includes(password));
  assert.ok(!c.logs().includes(password));
  assert.match(c.notices(), /password from KGATE_BOOTSTRAP_ADMIN_PASSWORD/);
  assert.ok((await c.login('admin', password)).access);
  await assert.rejects(startTestCentral({ adminPassword: 'short' }), /shorter than 12 characters/);
});

test('the serving certificate is issued by the CA for localhost, loopback IPs, the host name and the public URL host', async (t) => {
  const c = await startTestCentral({
    hostname: 'central-host',
    fileText: 'server:\n  public_url: https://kgate.example.com:9443\n',
  });
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  const tls = await import('node:tls');
  const cert = await new Promise<X509Certificate>((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port: c.central.port, ca: c.central.caCertPem, ALPNProtocols: ['h2', 'http/1.1'] },
      () => {
        assert.notEqual(socket.alpnProtocol, 'h2', 'HTTP/1.1 only: kubectl upgrades need it');
        const peer = socket.getPeerX509Certificate();
        socket.end();
        if (peer) resolve(peer);
        else reject(new Error('no peer certificate'));
      },
    );
    socket.on('error', reject);
  });
  assert.ok(cert.verify(new X509Certificate(c.central.caCertPem).publicKey));
  for (const host of ['localhost', 'central-host', 'kgate.example.com'])
    assert.equal(cert.checkHost(host), host);
  for (const ip of ['127.0.0.1', '::1']) assert.equal(cert.checkIP(ip), ip);
  const { access } = await c.login('admin', c.adminPassword);
  assert.equal(decodeJwt(access).iss, 'https://kgate.example.com:9443', 'tokens name the public URL');
});

test('logs are JSON and hold no password or token', async (t) => {
  const c = await startTestCentral();
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  const session = await c.login('admin', c.adminPassword);
  await c.req('GET', '/auth/whoami', { token: session.access });
  await c.req('POST', '/auth/refresh', { body: { refresh_token: session.refresh } });
  await c.req('POST', '/auth/login', { body: { username: 'admin', password: 'a-wrong-password' } });
  const lines = c.logs().trim().split('\n');
  assert.ok(lines.length > 3);
  for (const line of lines) JSON.parse(line);
  for (const secret of [c.adminPassword, session.access, session.refresh, 'a-wrong-password']) {
    assert.ok(!c.logs().includes(secret), 'a secret reached the log');
  }
});

test('with tls.cert_file and tls.key_file, central serves the operator’s certificate', async (t) => {
  const { createCertificateAuthority, issueServerCertificate } = await import('@kgate/core/pki');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const operatorCa = await createCertificateAuthority({ commonName: 'operator CA' });
  const serving = await issueServerCertificate(operatorCa, {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  writeFileSync(path.join(dir, 'tls.crt'), serving.certPem);
  writeFileSync(path.join(dir, 'tls.key'), serving.keyPem, { mode: 0o600 });
  const c = await startTestCentral({
    env: { KGATE_TLS_CERT_FILE: path.join(dir, 'tls.crt'), KGATE_TLS_KEY_FILE: path.join(dir, 'tls.key') },
  });
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  const { request } = await import('./helpers/central.ts');
  const viaOperatorCa = await request(
    { url: c.central.url, caCertPem: operatorCa.certPem },
    'GET',
    '/healthz',
  );
  assert.equal(viaOperatorCa.status, 200);
  await assert.rejects(c.req('GET', '/healthz'), 'central’s own CA did not sign this serving certificate');
});

test('an idle keep-alive connection stays open as kube-apiserver keeps one (90 s), past Node’s 5 s default', async (t) => {
  const c = await startTestCentral();
  const agent = new https.Agent({ keepAlive: true, ca: c.central.caCertPem, maxSockets: 1 });
  t.after(async () => {
    agent.destroy();
    await c.stop();
    removeDataDir(c.dataDir);
  });
  const healthz = () =>
    new Promise<{ status: number | undefined; reused: boolean }>((resolve, reject) => {
      const request = https.get(`${c.central.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, reused: request.reusedSocket }));
      });
      request.on('error', reject);
    });
  assert.deepEqual(await healthz(), { status: 200, reused: false });
  await new Promise((resolve) => setTimeout(resolve, 6000));
  // With Node's default the server closed the connection after 5 s and this request
  // needed a new TLS handshake (or met the connection closing under it).
  assert.deepEqual(await healthz(), { status: 200, reused: true }, 'the same connection after 6 s idle');
});
