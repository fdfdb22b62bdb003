/**
 * How the agent reaches its apiserver: in a pod through the ServiceAccount (whose
 * token rotates), outside through a kubeconfig context with a token or a client
 * certificate; anything that needs a person (exec plugins) is refused up front.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { stringify } from 'yaml';
import { inClusterTarget } from '../src/apiserver/in-cluster.ts';
import { kubeconfigTarget } from '../src/apiserver/kubeconfig.ts';
import { TokenFile } from '../src/apiserver/target.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kgate-agent-target-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
const b64 = (text: string) => Buffer.from(text).toString('base64');

function kubeconfig(
  name: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443/prefix', ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [
        { name: 'main', context: { cluster: 'c', user: 'u' } },
        { name: 'other', context: { cluster: 'c', user: 'u' } },
      ],
      'current-context': 'main',
    }),
  );
  return file;
}

describe('apiserver from a kubeconfig', () => {
  test('a token user with CA data: the server (with its path prefix), the CA and the bearer token', async () => {
    const target = await kubeconfigTarget({
      kubeconfig: kubeconfig(
        'token',
        { token: 'sa-token' },
        { 'certificate-authority-data': b64(pem('CERTIFICATE')) },
      ),
      context: 'other',
    });
    assert.equal(target.url.href, 'https://10.0.0.1:6443/prefix');
    assert.equal(target.tls.ca, pem('CERTIFICATE'));
    assert.equal(target.tls.rejectUnauthorized, true);
    assert.equal(target.authorization(), 'Bearer sa-token');
    assert.match(target.source, /context other/);
  });

  test('a client-certificate user with a CA file (relative to the kubeconfig)', async () => {
    writeFileSync(path.join(dir, 'ca.crt'), pem('CERTIFICATE'));
    writeFileSync(path.join(dir, 'client.crt'), pem('CERTIFICATE'));
    writeFileSync(path.join(dir, 'client.key'), pem('PRIVATE KEY'));
    const target = await kubeconfigTarget({
      kubeconfig: kubeconfig(
        'cert',
        { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
        { 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' },
      ),
    });
    assert.equal(target.tls.cert, pem('CERTIFICATE'));
    assert.equal(target.tls.key, pem('PRIVATE KEY'));
    assert.equal(target.tls.ca, pem('CERTIFICATE'));
    assert.equal(target.tls.servername, 'kubernetes');
    assert.equal(target.authorization(), undefined);
  });

  test('an exec plugin user is refused: the agent runs unattended', async () => {
    await assert.rejects(
      kubeconfigTarget({
        kubeconfig: kubeconfig('exec', {
          exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' },
        }),
      }),
      /exec plugin or auth provider/,
    );
  });

  test('a user without any credential is refused', async () => {
    await assert.rejects(
      kubeconfigTarget({ kubeconfig: kubeconfig('none', {}) }),
      /no token and no client certificate/,
    );
  });
});

describe('apiserver in the cluster', () => {
  test('uses KUBERNETES_SERVICE_HOST/PORT, the ServiceAccount CA and token', () => {
    const sa = mkdtempSync(path.join(dir, 'sa-'));
    writeFileSync(path.join(sa, 'token'), 'projected-token-1\n');
    writeFileSync(path.join(sa, 'ca.crt'), pem('CERTIFICATE'));
    const target = inClusterTarget({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: sa,
    });
    assert.equal(target.url.href, 'https://[fd00::1]/');
    assert.equal(target.tls.ca, pem('CERTIFICATE'));
    assert.equal(target.authorization(), 'Bearer projected-token-1');
  });

  test('outside a pod it says how to run the agent instead', () => {
    assert.throws(
      () => inClusterTarget({ env: {} }),
      (error: unknown) => isKgateError(error, 'CONFIG_INVALID') && /--kubeconfig/.test(error.hint ?? ''),
    );
  });

  test('a rotated token file is read again', () => {
    const file = path.join(dir, 'rotating-token');
    writeFileSync(file, 'first');
    let now = 0;
    const token = new TokenFile(file, { checkEveryMs: 1000, now: () => now });
    assert.equal(token.current(), 'first');
    writeFileSync(file, 'second');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(token.current(), 'first', 'not checked again before checkEveryMs');
    now = 1000;
    assert.equal(token.current(), 'second');
  });
});
