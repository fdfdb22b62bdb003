/**
 * kubectl itself is the judge of kgate's reading of the exec credential protocol: the same
 * plugin is run by kubectl and by kgate's runner, and both must hand it the same
 * KUBERNETES_EXEC_INFO; the token the plugin prints must reach the server as a bearer token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  EXEC_CREDENTIAL_V1,
  EXEC_CREDENTIAL_V1BETA1,
  type ExecConfig,
  execClusterFromKubeconfig,
  type KubeconfigClusterFields,
  runExecPlugin,
} from '@kgate/core/exec-credential';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { localServerTls } from '@kgate/testkit/tls';
import { stringify } from 'yaml';

const run = promisify(execFile);

test('kubectl and kgate hand an exec plugin the same KUBERNETES_EXEC_INFO, and kubectl sends its token', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kgate-exec-kubectl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  const { ca, cert, key } = await localServerTls();
  const seen: { path: string | undefined; authorization: string | undefined }[] = [];
  const server = createServer({ cert, key }, (req, res) => {
    seen.push({ path: req.url, authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ major: '1', minor: '33', gitVersion: 'v1.33.0-kgate-test' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  // The plugin appends the exec info it was given (raw, base64 so newlines survive) and
  // prints the token it is configured with, in the version it was asked for.
  const record = path.join(dir, 'exec-info.log');
  const plugin = path.join(dir, 'plugin');
  writeFileSync(
    plugin,
    `#!${process.execPath}
const fs = require('node:fs');
const info = process.env.KUBERNETES_EXEC_INFO;
fs.appendFileSync(${JSON.stringify(record)}, Buffer.from(info).toString('base64') + '\\n');
const apiVersion = JSON.parse(info).apiVersion;
process.stdout.write(JSON.stringify({ apiVersion, kind: 'ExecCredential', status: { token: process.env.PLUGIN_TOKEN } }));
`,
    { mode: 0o755 },
  );
  const recorded = () =>
    readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => Buffer.from(line, 'base64').toString('utf8'));

  const cluster: KubeconfigClusterFields = {
    server: `https://127.0.0.1:${port}`,
    'certificate-authority-data': Buffer.from(ca).toString('base64'),
    'disable-compression': true,
    extensions: [
      {
        name: 'client.authentication.k8s.io/exec',
        extension: {
          zone: 'test',
          audience: `aud-${randomUUID()}`,
          limits: { b: [1, 2.5, 'x & <y>'], a: null },
        },
      },
    ],
  };
  const configs: ExecConfig[] = [
    {
      apiVersion: EXEC_CREDENTIAL_V1,
      interactiveMode: 'IfAvailable',
      command: plugin,
      provideClusterInfo: true,
    },
    // v1beta1 may leave interactiveMode out (IfAvailable).
    { apiVersion: EXEC_CREDENTIAL_V1BETA1, command: plugin, provideClusterInfo: true },
  ];

  for (const base of configs) {
    const token = `kgate-${randomUUID()}`;
    const exec: ExecConfig = {
      ...base,
      args: ['--cluster', 'test cluster'],
      env: [{ name: 'PLUGIN_TOKEN', value: token }],
    };
    writeFileSync(record, '');
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster }],
        users: [{ name: 'plugin-user', user: { exec } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'plugin-user' } }],
        'current-context': 'test',
      }),
    );

    seen.length = 0;
    const { stdout } = await run(
      kubectlPath('1.33'),
      ['--kubeconfig', kubeconfig, 'get', '--raw', '/version', '-v=8'],
      { env: { PATH: process.env.PATH, HOME: dir }, timeout: 60_000 },
    );
    assert.equal(JSON.parse(stdout).gitVersion, 'v1.33.0-kgate-test');
    assert.deepEqual(seen, [{ path: '/version', authorization: `Bearer ${token}` }], `${exec.apiVersion}`);
    const fromKubectl = recorded();
    assert.equal(fromKubectl.length, 1);

    writeFileSync(record, '');
    const result = await runExecPlugin(exec, {
      cluster: execClusterFromKubeconfig(cluster),
      // kubectl above ran with a pipe on stdin, not a terminal.
      stdinIsTerminal: false,
      env: { PATH: process.env.PATH },
    });
    assert.equal(result.token, token);
    const fromKgate = recorded();
    assert.equal(fromKgate.length, 1);

    // Byte for byte: a plugin that hashes or compares its input must see no difference.
    assert.equal(fromKgate[0], fromKubectl[0], `${exec.apiVersion}`);
    const info = JSON.parse(fromKubectl[0] ?? '');
    assert.equal(info.apiVersion, exec.apiVersion);
    assert.equal(info.spec.interactive, false);
    assert.deepEqual(info.spec.cluster.config, cluster.extensions?.[0]?.extension);
  }
});
