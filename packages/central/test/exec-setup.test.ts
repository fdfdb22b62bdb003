/**
 * How `POST /clusters/{name}/exec` is set up: the `exec:` settings (file, KGATE_EXEC_*),
 * and how central's own kubectl reaches and trusts central's listener, also when the
 * operator brought a certificate that names only the public host.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resolveCentralConfig } from '@kgate/central';
import { isKgateError } from '@kgate/core/errors';
import { createCertificateAuthority, issueServerCertificate } from '@kgate/core/pki';
import { kubectlPath } from '@kgate/testkit/kubectl';
import type { ExecResponseJson } from '../src/api/exec.ts';
import { internalProxyEndpoint } from '../src/exec/endpoint.ts';
import { removeDataDir, startTestCentral } from './helpers/central.ts';

const home = '/home/someone';

test('exec runs kubectl from PATH for at most 60s and 1 MiB of output unless configured', () => {
  const config = resolveCentralConfig({ env: {}, flags: {}, home });
  assert.deepEqual(config.exec, { kubectlPath: 'kubectl', timeoutMs: 60_000, maxOutputBytes: 1024 * 1024 });
});

test('the exec settings come from the file and KGATE_EXEC_* variables, which win', () => {
  const fileText = ['exec:', '  kubectl_path: bin/kubectl', '  timeout: 2m', '  max_output: 512Ki'].join(
    '\n',
  );
  const fromFile = resolveCentralConfig({
    file: { path: '/etc/kgate/central.yaml', text: fileText },
    env: {},
    flags: {},
    home,
  });
  assert.deepEqual(fromFile.exec, {
    kubectlPath: '/etc/kgate/bin/kubectl',
    timeoutMs: 120_000,
    maxOutputBytes: 512 * 1024,
  });
  const fromEnv = resolveCentralConfig({
    file: { path: '/etc/kgate/central.yaml', text: fileText },
    env: {
      KGATE_EXEC_KUBECTL_PATH: 'kubectl.1.33',
      KGATE_EXEC_TIMEOUT: '10s',
      KGATE_EXEC_MAX_OUTPUT: '4194304',
    },
    flags: {},
    home,
  });
  assert.deepEqual(fromEnv.exec, {
    kubectlPath: 'kubectl.1.33',
    timeoutMs: 10_000,
    maxOutputBytes: 4 * 1024 * 1024,
  });
});

test('a bad exec setting names the variable and says what is expected', () => {
  const message = (env: Record<string, string>) => {
    try {
      resolveCentralConfig({ env, flags: {}, home });
    } catch (error) {
      assert.ok(isKgateError(error, 'CONFIG_INVALID'), String(error));
      return error.message;
    }
    assert.fail('accepted');
  };
  assert.equal(
    message({ KGATE_EXEC_MAX_OUTPUT: '1MB' }),
    'KGATE_EXEC_MAX_OUTPUT: exec.max_output "1MB": expected a size such as 1Mi, 512Ki or 1048576 (bytes)',
  );
  assert.match(message({ KGATE_EXEC_MAX_OUTPUT: '64Mi' }), /must be at most 16Mi/);
  assert.match(
    message({ KGATE_EXEC_TIMEOUT: '60' }),
    /KGATE_EXEC_TIMEOUT: exec.timeout "60": expected a duration/,
  );
});

test('central’s kubectl dials central on loopback when it listens on every address', () => {
  assert.deepEqual(
    internalProxyEndpoint({
      listenHost: '0.0.0.0',
      port: 8443,
      ownCaPem: 'CA',
      servingCertPem: 'unused',
      publicUrl: undefined,
    }),
    { url: 'https://127.0.0.1:8443', caPem: 'CA' },
  );
  assert.equal(
    internalProxyEndpoint({
      listenHost: '::',
      port: 1,
      ownCaPem: 'CA',
      servingCertPem: '',
      publicUrl: undefined,
    }).url,
    'https://[::1]:1',
  );
});

test('with an operator’s certificate that names only the public host, central’s kubectl still trusts central', {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-exec-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const operatorCa = await createCertificateAuthority({ commonName: 'operator CA' });
  const serving = await issueServerCertificate(operatorCa, { dnsNames: ['kgate.example.test'] });
  const endpoint = internalProxyEndpoint({
    listenHost: '127.0.0.1',
    port: 8443,
    ownCaPem: undefined,
    servingCertPem: serving.certPem,
    publicUrl: 'https://kgate.example.test',
  });
  assert.deepEqual(endpoint, {
    url: 'https://127.0.0.1:8443',
    caPem: serving.certPem,
    serverName: 'kgate.example.test',
  });

  writeFileSync(path.join(dir, 'tls.crt'), serving.certPem);
  writeFileSync(path.join(dir, 'tls.key'), serving.keyPem, { mode: 0o600 });
  const central = await startTestCentral({
    env: {
      KGATE_TLS_CERT_FILE: path.join(dir, 'tls.crt'),
      KGATE_TLS_KEY_FILE: path.join(dir, 'tls.key'),
      KGATE_SERVER_PUBLIC_URL: 'https://kgate.example.test',
      KGATE_EXEC_KUBECTL_PATH: kubectlPath('1.33'),
    },
  });
  t.after(async () => {
    await central.stop();
    removeDataDir(central.dataDir);
  });
  // Clients trust the operator's CA and the public name, as they would in production.
  const call = <T>(urlPath: string, body: unknown, token?: string) =>
    new Promise<{ status: number; json: T }>((resolve, reject) => {
      const req = https.request(`${central.central.url}${urlPath}`, {
        method: 'POST',
        ca: operatorCa.certPem,
        servername: 'kgate.example.test',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        agent: false,
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as T }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const login = await call<{ access_token: string }>('/auth/login', {
    username: 'admin',
    password: central.adminPassword,
  });
  assert.equal(login.status, 200);
  const token = login.json.access_token;
  assert.equal((await call('/clusters', { name: 'dev' }, token)).status, 201);
  // No agent: the proxy answers 503, which kubectl can only print once TLS has worked.
  const ran = await call<ExecResponseJson>('/clusters/dev/exec', { command: ['get', 'pods'] }, token);
  assert.equal(ran.status, 200);
  assert.equal(ran.json.exit_code, 1);
  assert.doesNotMatch(ran.json.stderr, /x509|certificate|tls/i);
  assert.match(ran.json.stderr, /ServiceUnavailable|not connected/);
});
