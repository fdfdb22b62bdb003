/**
 * `kgate kubectl` on a machine without kubectl: the CLI has central run it
 * (`POST /clusters/{name}/exec`) for the selected cluster and prints what it printed,
 * with its exit code. Real central, agent, fixture cluster; the CLI runs in-process.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readsStdin } from '../../cli/src/usecases/remote-kubectl.ts';
import { loginAs, runKgate, type Sandbox, sandbox } from '../../cli/test/support/cli.ts';
import { type ExecGateway, startExecGateway } from './exec-support.ts';

let gateway: ExecGateway;
let box: Sandbox;
/** The sandbox's environment with a PATH that has no kubectl. */
let noKubectl: Record<string, string>;

before(async () => {
  gateway = await startExecGateway();
  box = sandbox();
  await loginAs(
    box,
    { url: gateway.t.central.url, caPem: gateway.t.central.caCertPem },
    'admin',
    gateway.t.adminPassword,
  );
  const use = await runKgate(['clusters', 'use', 'dev'], { env: box.env });
  assert.equal(use.code, 0, use.stderr);
  noKubectl = { ...box.env, PATH: path.join(box.dir, 'empty-bin') };
});

after(async () => {
  box.cleanup();
  await gateway.stop();
});

test('kgate kubectl without a local kubectl prints what kubectl printed on central', {
  timeout: 60_000,
}, async () => {
  const got = await runKgate(['kubectl', 'get', 'configmaps'], { env: noKubectl });
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, /^NAME +DATA +AGE\n/);
  assert.match(got.stdout, /\nsettings +1 /);
  assert.equal(got.stderr, '');
});

test('its exit code and stderr are kubectl’s, and stdin reaches it with -f -', {
  timeout: 60_000,
}, async () => {
  const missing = await runKgate(['k', 'get', 'configmap', 'nope'], { env: noKubectl });
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr, 'Error from server (NotFound): configmaps "nope" not found\n');

  const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: via-cli}\ndata: {a: b}\n';
  const applied = await runKgate(['kubectl', 'apply', '-f', '-'], { env: noKubectl, stdin: manifest });
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.stdout, 'configmap/via-cli created\n');
  assert.deepEqual(gateway.apiserver.store.get('configmaps', 'default', 'via-cli')?.data, { a: 'b' });
});

test('a flag central refuses is an error naming it, with central’s hint', { timeout: 60_000 }, async () => {
  const refused = await runKgate(['kubectl', 'apply', '-f', 'app.yaml'], { env: noKubectl });
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^error: central refused to run kubectl on cluster "dev": kubectl flag "-f" may only be "-" \(stdin\)/,
  );
  assert.match(refused.stderr, /\nhint: send the manifest as stdin and pass -f -/);
});

test('stdin is read and sent only when kubectl would read it', () => {
  for (const args of [
    ['apply', '-f', '-'],
    ['apply', '-f-'],
    ['apply', '--filename=-'],
    ['exec', '-i', 'web', '--', 'sh'],
    ['exec', '-qi', 'web', '--', 'sh'],
    ['exec', '--stdin', 'web', '--', 'sh'],
    ['set', 'env', 'deploy/web', '-e', '-'],
  ]) {
    assert.equal(readsStdin(args), true, args.join(' '));
  }
  for (const args of [
    ['get', 'pods'],
    ['get', 'pods', '-nmain'],
    ['logs', '-cmain', 'web'],
    ['exec', 'web', '--', 'cat', '-'],
  ]) {
    assert.equal(readsStdin(args), false, args.join(' '));
  }
});
