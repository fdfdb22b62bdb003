import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isKgateError } from '@kgate/core/errors';
import {
  EXEC_CREDENTIAL_V1,
  EXEC_CREDENTIAL_V1BETA1,
  encodeExecInfo,
  execClusterFromKubeconfig,
  execCredentialApiVersions,
  formatExecCredential,
  parseExecCredential,
  readExecInfo,
  runExecPlugin,
} from '@kgate/core/exec-credential';

test('what formatExecCredential prints is accepted by the parser, for both versions', () => {
  for (const apiVersion of execCredentialApiVersions) {
    const token = randomUUID();
    const out = formatExecCredential(apiVersion, {
      token,
      expirationTimestamp: new Date('2030-05-06T07:08:09.999Z'),
    });
    assert.ok(out.endsWith('}\n'));
    const parsed = JSON.parse(out);
    assert.equal(parsed.kind, 'ExecCredential');
    assert.equal(parsed.apiVersion, apiVersion);
    // metav1.Time precision: whole seconds, rounded down so the credential is never over-promised.
    assert.equal(parsed.status.expirationTimestamp, '2030-05-06T07:08:09Z');
    const result = parseExecCredential(out, apiVersion);
    assert.equal(result.token, token);
    assert.equal(result.expiresAt?.getTime(), Date.parse('2030-05-06T07:08:09Z'));
  }
});

test('formatExecCredential refuses a status kubectl would reject, without echoing the secret', () => {
  const secret = randomUUID();
  const bad = [
    {},
    { token: '' },
    { clientCertificateData: secret },
    { token: secret, expirationTimestamp: 'soon' },
    { token: secret, expirationTimestamp: new Date(Number.NaN) },
  ];
  for (const status of bad) {
    assert.throws(
      () => formatExecCredential(EXEC_CREDENTIAL_V1, status),
      (err: unknown) => isKgateError(err, 'EXEC_CREDENTIAL_INVALID') && !err.message.includes(secret),
    );
  }
});

test('readExecInfo reads back what the client encodes, with and without a cluster', () => {
  const cluster = {
    server: 'https://api.example:6443',
    'certificate-authority-data': Buffer.from(randomUUID()).toString('base64'),
    config: { audience: randomUUID() },
  };
  assert.deepEqual(
    readExecInfo({
      KUBERNETES_EXEC_INFO: encodeExecInfo(EXEC_CREDENTIAL_V1BETA1, { interactive: true, cluster }),
    }),
    {
      apiVersion: EXEC_CREDENTIAL_V1BETA1,
      interactive: true,
      cluster,
    },
  );
  assert.deepEqual(
    readExecInfo({ KUBERNETES_EXEC_INFO: encodeExecInfo(EXEC_CREDENTIAL_V1, { interactive: false }) }),
    {
      apiVersion: EXEC_CREDENTIAL_V1,
      interactive: false,
    },
  );
});

test('readExecInfo tells a plugin run by hand that no client started it', () => {
  const cases = [
    {},
    { KUBERNETES_EXEC_INFO: '' },
    { KUBERNETES_EXEC_INFO: 'not json' },
    { KUBERNETES_EXEC_INFO: '{"kind":"Pod","apiVersion":"v1"}' },
    {
      KUBERNETES_EXEC_INFO:
        '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1alpha1","spec":{}}',
    },
  ];
  for (const env of cases) {
    assert.throws(
      () => readExecInfo(env),
      (err: unknown) => isKgateError(err, 'EXEC_INFO_INVALID') && err.hint !== undefined,
    );
  }
});

test('the exec info escapes <, > and & as Go does, so a plugin comparing bytes sees the same text', () => {
  const info = encodeExecInfo(EXEC_CREDENTIAL_V1, {
    interactive: false,
    cluster: { server: 'https://h/?a=1&b=<2>', config: 'x\u2028y' },
  });
  assert.ok(info.includes('"server":"https://h/?a=1\\u0026b=\\u003c2\\u003e"'), info);
  assert.ok(info.includes('"config":"x\\u2028y"'), info);
  assert.equal(JSON.parse(info).spec.cluster.server, 'https://h/?a=1&b=<2>');
});

test('the cluster a plugin sees comes from the kubeconfig cluster: CA file read, last exec extension', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kgate-exec-cluster-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const caPem = `-----BEGIN CERTIFICATE-----\n${randomUUID()}\n-----END CERTIFICATE-----\n`;
  const caFile = path.join(dir, 'ca.crt');
  writeFileSync(caFile, caPem);
  const cluster = execClusterFromKubeconfig({
    server: 'https://10.0.0.1:6443',
    'certificate-authority': caFile,
    'insecure-skip-tls-verify': false,
    extensions: [
      { name: 'client.authentication.k8s.io/exec', extension: { audience: 'old' } },
      { name: 'other', extension: { audience: 'no' } },
      { name: 'client.authentication.k8s.io/exec', extension: { audience: 'new' } },
    ],
  });
  assert.deepEqual(cluster, {
    server: 'https://10.0.0.1:6443',
    'certificate-authority-data': Buffer.from(caPem).toString('base64'),
    config: { audience: 'new' },
  });
  // Line-wrapped base64 in a kubeconfig reaches the plugin in the canonical form client-go re-encodes.
  const wrapped = Buffer.from(caPem)
    .toString('base64')
    .replace(/(.{20})/g, '$1\n');
  assert.equal(
    execClusterFromKubeconfig({ server: 's', 'certificate-authority-data': wrapped })[
      'certificate-authority-data'
    ],
    Buffer.from(caPem).toString('base64'),
  );
  assert.throws(
    () => execClusterFromKubeconfig({ server: 's', 'certificate-authority': path.join(dir, 'absent.crt') }),
    (err: unknown) => isKgateError(err, 'EXEC_CONFIG_INVALID') && err.message.includes('absent.crt'),
  );
});

test('a plugin written with readExecInfo and formatExecCredential answers in the version the client asks for', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kgate-exec-plugin-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const library = pathToFileURL(path.resolve(import.meta.dirname, '../src/exec-credential/index.ts')).href;
  const plugin = path.join(dir, 'kgate-style-plugin');
  writeFileSync(
    plugin,
    `#!${process.execPath}
import(${JSON.stringify(library)}).then(({ readExecInfo, formatExecCredential }) => {
  const info = readExecInfo(process.env);
  process.stdout.write(formatExecCredential(info.apiVersion, {
    token: 'for-' + (info.cluster ? info.cluster.config.audience : 'nobody'),
    expirationTimestamp: new Date(Date.now() + 3600_000),
  }));
});
`,
    { mode: 0o755 },
  );
  for (const apiVersion of execCredentialApiVersions) {
    const audience = randomUUID();
    const result = await runExecPlugin(
      { apiVersion, command: plugin, interactiveMode: 'Never', provideClusterInfo: true },
      { env: { PATH: process.env.PATH }, cluster: { server: 'https://x', config: { audience } } },
    );
    assert.equal(result.apiVersion, apiVersion);
    assert.equal(result.token, `for-${audience}`);
    assert.ok(result.expiresAt && result.expiresAt.getTime() > Date.now());
  }
});
