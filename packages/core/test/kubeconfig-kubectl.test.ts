/**
 * The kubeconfig model against the real kubectl 1.33: what kgate writes kubectl
 * reads, what kubectl writes kgate reads and writes back unchanged, and both merge
 * KUBECONFIG files the same way.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  addToKubeconfig,
  type Config,
  loadKubeconfig,
  parseKubeconfig,
  serializeKubeconfig,
  writeKubeconfigFile,
} from '@kgate/core/kubeconfig';
import { kubectlPath } from '@kgate/testkit/kubectl';

const kubectl = kubectlPath('1.33');
let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kgate-kubeconfig-kubectl-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}, cwd = dir): string {
  return execFileSync(kubectl, args, {
    encoding: 'utf8',
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
  });
}

const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

const ours: Config = {
  clusters: [
    {
      name: 'prod',
      cluster: {
        server: 'https://prod.example.com:6443',
        'certificate-authority-data': ca,
        'tls-server-name': 'api.prod',
        extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'prod' } }],
        'x-vendor': { tier: 'gold' },
      },
    },
    { name: 'on', cluster: { server: 'https://127.0.0.1:6443', 'insecure-skip-tls-verify': true } },
  ],
  users: [
    {
      name: 'alice',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: 'kgate',
          args: ['credential', '--cluster', 'prod'],
          env: [{ name: 'KGATE_PROFILE', value: 'yes' }],
          installHint: 'install kgate: https://example.com',
          provideClusterInfo: true,
          interactiveMode: 'IfAvailable',
        },
      },
    },
    { name: 'bob', user: { token: 'secret-token' } },
  ],
  contexts: [
    { name: 'prod', context: { cluster: 'prod', user: 'alice', namespace: 'no' } },
    { name: 'lab', context: { cluster: 'on', user: 'bob' } },
  ],
  'current-context': 'prod',
  preferences: {},
};

test('kubectl 1.33 reads a kubeconfig kgate wrote: config view shows every entry as written', async () => {
  const file = path.join(dir, 'ours/config');
  await writeKubeconfigFile(file, ours);
  const viewed = JSON.parse(run(['config', 'view', '--kubeconfig', file, '--raw', '-o', 'json'])) as Config;
  const withoutUnknown = structuredClone(ours);
  delete withoutUnknown.clusters?.[0]?.cluster['x-vendor'];
  assert.deepEqual(
    viewed.clusters,
    [...(withoutUnknown.clusters ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
  );
  assert.deepEqual(viewed.users, withoutUnknown.users);
  assert.deepEqual(
    viewed.contexts,
    [...(ours.contexts ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
  );
  assert.equal(viewed['current-context'], 'prod');
});

test('kubectl 1.33 lists the contexts of a kubeconfig kgate wrote, with the current one marked', async () => {
  const file = path.join(dir, 'ours-contexts/config');
  await writeKubeconfigFile(file, ours);
  const lines = run(['config', 'get-contexts', '--kubeconfig', file])
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
  assert.deepEqual(lines, [
    ['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE'],
    ['lab', 'on', 'bob'],
    ['*', 'prod', 'prod', 'alice', 'no'],
  ]);
});

test('a kubeconfig kubectl 1.33 wrote loads and writes back byte for byte', async () => {
  const sub = path.join(dir, 'theirs');
  const file = path.join(sub, 'config');
  const env = { KUBECONFIG: file };
  execFileSync('mkdir', ['-p', sub]);
  await writeFile(path.join(sub, 'ca.crt'), 'not read by kubectl config\n');
  run(
    ['config', 'set-cluster', 'dev', '--server=https://10.0.0.1:6443', '--certificate-authority=ca.crt'],
    env,
    sub,
  );
  run(
    ['config', 'set-cluster', 'yes', '--server=https://10.0.0.2:6443', '--insecure-skip-tls-verify=true'],
    env,
    sub,
  );
  run(
    [
      'config',
      'set-credentials',
      'dev-user',
      '--exec-command=./bin/login',
      '--exec-api-version=client.authentication.k8s.io/v1',
      '--exec-arg=token',
      '--exec-env=MODE=on',
      '--exec-interactive-mode=Never',
    ],
    env,
    sub,
  );
  run(['config', 'set-credentials', 'token-user', '--token=0123'], env, sub);
  run(['config', 'set-context', 'dev', '--cluster=dev', '--user=dev-user', '--namespace=off'], env, sub);
  run(['config', 'use-context', 'dev'], env, sub);
  const text = await readFile(file, 'utf8');

  assert.equal(serializeKubeconfig(parseKubeconfig(text, file)), text);

  const loaded = await loadKubeconfig({ explicitPath: file, strict: true });
  const [dev] = loaded.config.clusters ?? [];
  assert.equal(dev?.cluster['certificate-authority'], path.join(sub, 'ca.crt'));
  const devUser = loaded.config.users?.find((u) => u.name === 'dev-user');
  assert.equal(devUser?.user.exec?.command, path.join(sub, 'bin/login'));
  assert.deepEqual(devUser?.user.exec?.env, [{ name: 'MODE', value: 'on' }]);
  assert.equal(loaded.config.users?.find((u) => u.name === 'token-user')?.user.token, '0123');
  assert.equal(loaded.config.contexts?.[0]?.context.namespace, 'off');
  assert.equal(loaded.config['current-context'], 'dev');
});

test('kgate merges KUBECONFIG files exactly as kubectl 1.33 does (first wins, missing files skipped)', async () => {
  const sub = path.join(dir, 'merge');
  execFileSync('mkdir', ['-p', sub]);
  const files = ['one', 'missing', 'three'].map((name) => path.join(sub, name));
  await writeFile(
    files[0] ?? '',
    'clusters:\n- name: shared\n  cluster: {server: https://one}\nusers:\n- name: u\n  user: {token: one}\ncontexts:\n- name: c\n  context: {cluster: shared, user: u}\n',
  );
  await writeFile(
    files[2] ?? '',
    'current-context: c3\nclusters:\n- name: shared\n  cluster: {server: https://three, tls-server-name: leak}\n- name: three\n  cluster: {server: https://3}\nusers:\n- name: u\n  user: {token: three}\n- name: u3\n  user: {username: a, password: b}\ncontexts:\n- name: c\n  context: {cluster: three, user: u3}\n- name: c3\n  context: {cluster: three, user: u3, namespace: ns}\n',
  );
  const KUBECONFIG = files.join(path.delimiter);
  const theirs = JSON.parse(run(['config', 'view', '--raw', '-o', 'json'], { KUBECONFIG })) as Config;
  const { config } = await loadKubeconfig({ env: { KUBECONFIG } });
  const byName = <T extends { name: string }>(list: T[] | null | undefined) =>
    [...(list ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(byName(config.clusters), byName(theirs.clusters));
  assert.deepEqual(byName(config.users), byName(theirs.users));
  assert.deepEqual(byName(config.contexts), byName(theirs.contexts));
  assert.equal(config['current-context'], theirs['current-context']);
});

test('after kgate adds a context to a KUBECONFIG of two files, kubectl 1.33 sees it as current', async () => {
  const sub = path.join(dir, 'add');
  execFileSync('mkdir', ['-p', sub]);
  const first = path.join(sub, 'first');
  const second = path.join(sub, 'second');
  await writeFile(second, 'clusters:\n- name: old\n  cluster: {server: https://old}\n', { mode: 0o644 });
  const KUBECONFIG = [first, second].join(path.delimiter);
  await addToKubeconfig(
    {
      cluster: { name: 'old', cluster: { server: 'https://new' } },
      user: { name: 'me', user: { token: 't' } },
      context: { name: 'kgate', context: { cluster: 'old', user: 'me' } },
      setCurrentContext: true,
    },
    { env: { KUBECONFIG }, onConflict: 'rename' },
  );
  assert.equal(run(['config', 'current-context'], { KUBECONFIG }).trim(), 'kgate');
  const viewed = JSON.parse(
    run(['config', 'view', '--raw', '-o', 'json', '--minify'], { KUBECONFIG }),
  ) as Config;
  assert.deepEqual(viewed.clusters, [{ name: 'old-2', cluster: { server: 'https://new' } }]);
});
