import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { loginAs, runKgate, type Sandbox, sandbox } from './support/cli.ts';
import { type FakeCentral, startFakeCentral } from './support/fake-central.ts';

let central: FakeCentral;
const now = new Date('2030-01-01T12:00:00Z');
const clock = { now: () => now };

before(async () => {
  central = await startFakeCentral();
  central.accessTtlSeconds = 365 * 86_400 * 10; // the fixed clock above must not make tokens look expired
  central.addCluster({
    name: 'prod',
    status: 'connected',
    lastSeen: '2030-01-01T11:59:50Z',
    kubernetesVersion: 'v1.33.1',
    nodeCount: 3,
    createdAt: '2029-12-29T12:00:00Z',
  });
  central.addCluster({
    name: 'staging',
    status: 'disconnected',
    lastSeen: null,
    kubernetesVersion: null,
    nodeCount: null,
    createdAt: '2030-01-01T09:00:00Z',
  });
});
after(() => central.close());

async function loggedIn(t: { after(fn: () => void): void }): Promise<Sandbox> {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central);
  return box;
}

test('clusters list prints a table with state, version, nodes and ages', async (t) => {
  const box = await loggedIn(t);
  const result = await runKgate(['clusters', 'list'], { env: box.env, clock });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    [
      'CURRENT   NAME      STATUS         VERSION   NODES    LAST SEEN   AGE',
      '          prod      connected      v1.33.1   3        10s         3d',
      '          staging   disconnected   <none>    <none>   <never>     3h',
      '',
    ].join('\n'),
  );
});

test('clusters list -o json is the documented ClusterList', async (t) => {
  const box = await loggedIn(t);
  const result = await runKgate(['clusters', 'list', '-o', 'json'], { env: box.env, clock });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), {
    apiVersion: 'kgate.dev/v1alpha1',
    kind: 'ClusterList',
    items: [
      {
        name: 'prod',
        status: 'connected',
        lastSeen: '2030-01-01T11:59:50Z',
        kubernetesVersion: 'v1.33.1',
        nodeCount: 3,
        createdAt: '2029-12-29T12:00:00Z',
        selected: false,
      },
      {
        name: 'staging',
        status: 'disconnected',
        lastSeen: null,
        kubernetesVersion: null,
        nodeCount: null,
        createdAt: '2030-01-01T09:00:00Z',
        selected: false,
      },
    ],
  });
});

test('clusters list -o yaml holds the same document as -o json', async (t) => {
  const box = await loggedIn(t);
  const yaml = await runKgate(['clusters', 'list', '-o', 'yaml'], { env: box.env, clock });
  const json = await runKgate(['clusters', 'list', '-o', 'json'], { env: box.env, clock });
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.deepEqual(parse(yaml.stdout), JSON.parse(json.stdout));
});

test('clusters list -o with an unknown format names the allowed ones', async (t) => {
  const box = await loggedIn(t);
  const result = await runKgate(['clusters', 'list', '-o', 'xml'], { env: box.env, clock });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /argument 'xml' is invalid\. Allowed choices are table, json, yaml/);
});

test('clusters list when not logged in says to run kgate login', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const result = await runKgate(['clusters', 'list', '--server', central.url], { env: box.env });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `error: not logged in to ${central.url}\nhint: run \`kgate login --server ${central.url}\`\n`,
  );
});

function readKubeconfig(file: string) {
  return parse(readFileSync(file, 'utf8'));
}

test('clusters use writes an exec-plugin user and no token into ~/.kube/config, mode 0600', async (t) => {
  const box = await loggedIn(t);
  const result = await runKgate(['clusters', 'use', 'prod'], { env: box.env, clock });
  assert.equal(result.code, 0, result.stderr);
  const file = path.join(box.home, '.kube', 'config');
  assert.match(result.stderr, new RegExp(`Switched to context "kgate-prod" in ${file}`));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  const stored = JSON.parse(readFileSync(path.join(box.kgateHome, 'tokens', readdirOne(box)), 'utf8'));
  assert.ok(
    !text.includes(stored.accessToken) && !text.includes(stored.refreshToken),
    'no token in the kubeconfig',
  );
  assert.doesNotMatch(text, /token:/);

  const config = readKubeconfig(file);
  assert.equal(config['current-context'], 'kgate-prod');
  assert.deepEqual(config.contexts, [
    { name: 'kgate-prod', context: { cluster: 'kgate-prod', user: 'kgate-prod' } },
  ]);
  assert.equal(config.clusters.length, 1);
  assert.equal(config.clusters[0].name, 'kgate-prod');
  assert.deepEqual(Object.keys(config.clusters[0].cluster).sort(), ['certificate-authority-data', 'server']);
  assert.equal(config.clusters[0].cluster.server, `${central.url}/k8s/prod`);
  assert.equal(
    Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString().trim(),
    central.caPem.trim(),
  );
  const exec = config.users[0].user.exec;
  assert.equal(config.users[0].name, 'kgate-prod');
  assert.equal(exec.apiVersion, 'client.authentication.k8s.io/v1');
  assert.equal(exec.command, path.join(box.kgateHome, 'bin', 'kgate-token'));
  assert.ok(path.isAbsolute(exec.command));
  assert.deepEqual(exec.args, ['token', '--server', central.url]);
  assert.equal(exec.interactiveMode, 'Never');
  assert.equal(exec.provideClusterInfo, false);
  assert.equal(statSync(exec.command).mode & 0o100, 0o100, 'the launcher is executable');

  const kgateConfig = parse(readFileSync(path.join(box.kgateHome, 'config.yaml'), 'utf8'));
  assert.equal(kgateConfig.servers[central.url].cluster, 'prod');
});

function readdirOne(box: Sandbox): string {
  const [only] = readdirSync(path.join(box.kgateHome, 'tokens'));
  assert.ok(only);
  return only;
}

test('clusters use merges into an existing kubeconfig without touching other entries', async (t) => {
  const box = await loggedIn(t);
  mkdirSync(path.join(box.home, '.kube'), { recursive: true });
  const file = path.join(box.home, '.kube', 'config');
  const existing = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: other',
    '  cluster:',
    '    server: https://other.example:6443',
    '    certificate-authority: ca.crt',
    'users:',
    '- name: other-admin',
    '  user:',
    '    token: keep-me',
    'contexts:',
    '- name: other',
    '  context:',
    '    cluster: other',
    '    user: other-admin',
    '    namespace: team-a',
    'current-context: other',
    'preferences: {}',
    '',
  ].join('\n');
  writeFileSync(file, existing, { mode: 0o600 });

  const first = await runKgate(['clusters', 'use', 'prod'], { env: box.env, clock });
  assert.equal(first.code, 0, first.stderr);
  const second = await runKgate(['clusters', 'use', 'staging'], { env: box.env, clock });
  assert.equal(second.code, 0, second.stderr);

  const config = readKubeconfig(file);
  assert.equal(config['current-context'], 'kgate-staging');
  assert.deepEqual(
    config.clusters.map((c: { name: string }) => c.name),
    ['other', 'kgate-prod', 'kgate-staging'],
  );
  assert.deepEqual(config.clusters[0], {
    name: 'other',
    cluster: { server: 'https://other.example:6443', 'certificate-authority': 'ca.crt' },
  });
  assert.deepEqual(config.users[0], { name: 'other-admin', user: { token: 'keep-me' } });
  assert.deepEqual(config.contexts[0], {
    name: 'other',
    context: { cluster: 'other', user: 'other-admin', namespace: 'team-a' },
  });
  assert.deepEqual(
    config.contexts.map((c: { name: string }) => c.name),
    ['other', 'kgate-prod', 'kgate-staging'],
  );
});

test('clusters use --kubeconfig writes that file (creating it) and leaves ~/.kube/config alone', async (t) => {
  const box = await loggedIn(t);
  const target = path.join(box.dir, 'kube', 'gateway.yaml');
  mkdirSync(path.dirname(target), { recursive: true });
  const result = await runKgate(['clusters', 'use', 'prod', '--kubeconfig', target], { env: box.env, clock });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(readKubeconfig(target)['current-context'], 'kgate-prod');
  assert.throws(() => statSync(path.join(box.home, '.kube', 'config')), /ENOENT/);
});

test('clusters use writes into the first file of $KUBECONFIG', async (t) => {
  const box = await loggedIn(t);
  const first = path.join(box.dir, 'first.yaml');
  const second = path.join(box.dir, 'second.yaml');
  writeFileSync(first, 'apiVersion: v1\nkind: Config\nclusters: []\n');
  writeFileSync(second, 'apiVersion: v1\nkind: Config\nclusters: []\n');
  const env = { ...box.env, KUBECONFIG: `${first}${path.delimiter}${second}` };
  const result = await runKgate(['clusters', 'use', 'prod'], { env, clock });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(readKubeconfig(first)['current-context'], 'kgate-prod');
  assert.equal(readKubeconfig(second)['current-context'], undefined);
});

test('clusters use of an unknown cluster names it and lists the ones that exist', async (t) => {
  const box = await loggedIn(t);
  const result = await runKgate(['clusters', 'use', 'nope'], { env: box.env, clock });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `error: no cluster named "nope" at ${central.url}\nhint: clusters you can use: prod, staging\n`,
  );
  assert.throws(() => statSync(path.join(box.home, '.kube', 'config')), /ENOENT/);
});

test('after clusters use, clusters list marks the selected cluster', async (t) => {
  const box = await loggedIn(t);
  await runKgate(['clusters', 'use', 'staging'], { env: box.env, clock });
  const table = await runKgate(['clusters', 'list'], { env: box.env, clock });
  assert.match(table.stdout, /\n\*\s+staging\s/);
  const json = JSON.parse(
    (await runKgate(['clusters', 'list', '-o', 'json'], { env: box.env, clock })).stdout,
  );
  assert.deepEqual(
    json.items.map((c: { name: string; selected: boolean }) => [c.name, c.selected]),
    [
      ['prod', false],
      ['staging', true],
    ],
  );
});
