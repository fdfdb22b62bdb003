import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import {
  addToKubeconfig,
  type Config,
  defaultWriteTarget,
  type KubeconfigAdditions,
  loadKubeconfig,
  mergeEntries,
  type NamedCluster,
  parseKubeconfig,
  planKubeconfigUpdate,
} from '@kgate/core/kubeconfig';

const prod: NamedCluster = { name: 'prod', cluster: { server: 'https://prod.example.com' } };
const existing: Config = {
  clusters: [prod, { name: 'prod-2', cluster: { server: 'https://other.example.com' } }],
  users: [{ name: 'alice', user: { token: 'old' } }],
  contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'alice' } }],
  'current-context': 'prod',
};
const additions: KubeconfigAdditions = {
  cluster: { name: 'prod', cluster: { server: 'https://new.example.com' } },
  user: { name: 'alice', user: { token: 'new' } },
  context: { name: 'prod', context: { cluster: 'prod', user: 'alice', namespace: 'team' } },
  setCurrentContext: true,
};

test('adding entries identical to existing ones changes nothing and says so', () => {
  const { config, report } = mergeEntries(existing, {
    cluster: prod,
    user: { name: 'alice', user: { token: 'old' } },
    context: { name: 'prod', context: { cluster: 'prod', user: 'alice' } },
    setCurrentContext: true,
  });
  assert.deepEqual(config.clusters, existing.clusters);
  assert.deepEqual(report, {
    added: [],
    unchanged: [
      { kind: 'cluster', name: 'prod' },
      { kind: 'user', name: 'alice' },
      { kind: 'context', name: 'prod' },
    ],
    overwritten: [],
    renamed: [],
  });
});

test('an entry kubectl wrote (with null args and false flags) counts as identical to the same entry without them', () => {
  const kubectlStyle = parseKubeconfig(
    'users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      args: null\n      command: kgate\n      env: null\n      interactiveMode: Never\n      provideClusterInfo: false\n',
  );
  const { report } = mergeEntries(kubectlStyle, {
    user: {
      name: 'u',
      user: {
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kgate', interactiveMode: 'Never' },
      },
    },
  });
  assert.deepEqual(report.unchanged, [{ kind: 'user', name: 'u' }]);
});

test('by default a name taken by a different entry is an error naming each clash and what differs', () => {
  assert.throws(
    () => mergeEntries(existing, additions),
    (error) => {
      assert.ok(isKgateError(error, 'KUBECONFIG_CONFLICT'));
      assert.equal(
        error.message,
        'cannot add to the kubeconfig: cluster "prod" exists with a different server; user "alice" exists with a different token; context "prod" exists with a different namespace',
      );
      assert.match(error.hint ?? '', /rename.*overwrite/);
      return true;
    },
  );
});

test('conflict policy "rename" adds name-2, name-3 … and points the new context at the renamed entries', () => {
  const { config, report } = mergeEntries(existing, additions, { onConflict: 'rename' });
  // prod-2 is taken by a different cluster, so the new one is prod-3.
  assert.deepEqual(
    config.clusters?.map((c) => c.name),
    ['prod', 'prod-2', 'prod-3'],
  );
  assert.equal(config.clusters?.[2]?.cluster.server, 'https://new.example.com');
  assert.deepEqual(config.contexts?.[1], {
    name: 'prod-2',
    context: { cluster: 'prod-3', user: 'alice-2', namespace: 'team' },
  });
  assert.equal(config['current-context'], 'prod-2');
  assert.deepEqual(config.clusters?.[0], prod, 'the existing entry is untouched');
  assert.deepEqual(report, {
    added: [
      { kind: 'cluster', name: 'prod-3' },
      { kind: 'user', name: 'alice-2' },
      { kind: 'context', name: 'prod-2' },
    ],
    unchanged: [],
    overwritten: [],
    renamed: [
      { kind: 'cluster', from: 'prod', to: 'prod-3' },
      { kind: 'user', from: 'alice', to: 'alice-2' },
      { kind: 'context', from: 'prod', to: 'prod-2' },
    ],
    currentContext: { from: 'prod', to: 'prod-2' },
  });
});

test('renaming twice with the same entry reuses the earlier renamed copy instead of adding name-3', () => {
  const once = mergeEntries(existing, additions, { onConflict: 'rename' }).config;
  const { config, report } = mergeEntries(once, additions, { onConflict: 'rename' });
  assert.deepEqual(config.clusters, once.clusters);
  assert.deepEqual(config.contexts, once.contexts);
  assert.deepEqual(report.added, []);
  assert.deepEqual(
    report.unchanged.map((e) => e.name),
    ['prod-3', 'alice-2', 'prod-2'],
  );
});

test('conflict policy "overwrite" replaces the entries in place and reports them', () => {
  const { config, report } = mergeEntries(existing, additions, { onConflict: 'overwrite' });
  assert.deepEqual(config.clusters?.[0], additions.cluster);
  assert.equal(config.clusters?.length, 2);
  assert.deepEqual(config.users, [additions.user]);
  assert.deepEqual(config.contexts, [additions.context]);
  assert.deepEqual(report.overwritten, [
    { kind: 'cluster', name: 'prod' },
    { kind: 'user', name: 'alice' },
    { kind: 'context', name: 'prod' },
  ]);
  assert.equal(report.currentContext, undefined, 'current-context was already prod');
});

test('the config passed in is never modified', () => {
  const before = structuredClone(existing);
  mergeEntries(existing, additions, { onConflict: 'overwrite' });
  mergeEntries(existing, additions, { onConflict: 'rename' });
  assert.deepEqual(existing, before);
});

test('an entry without a name is refused', () => {
  assert.throws(
    () => mergeEntries(existing, { cluster: { name: '', cluster: { server: 'https://x' } } }),
    (error) => isKgateError(error, 'INVALID_ARGUMENT'),
  );
});

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kgate-kubeconfig-merge-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('which file a change goes to follows kubectl: its own file for an existing entry, else the default file', async () => {
  const virtual = new Map<string, string>([
    ['/a', 'clusters:\n- name: in-a\n  cluster: {server: https://a}\n'],
    ['/b', 'clusters:\n- name: prod\n  cluster: {server: https://old}\n'],
    ['/explicit', ''],
  ]);
  const readFile = async (file: string) => virtual.get(file);
  const load = (list: string[], explicitPath?: string) =>
    loadKubeconfig({
      env: { KUBECONFIG: list.join(path.delimiter) },
      readFile,
      cwd: '/',
      ...(explicitPath ? { explicitPath } : {}),
    });

  const targets: Array<[string[], string | undefined, string]> = [
    [['/a', '/b'], undefined, '/a'], // first existing file
    [['/missing', '/b'], undefined, '/b'], // first existing, skipping a missing one
    [['/m1', '/m2'], undefined, '/m2'], // none exists: the last one
    [['/m1'], undefined, '/m1'], // only one listed
    [['/a'], '/explicit', '/explicit'],
  ];
  for (const [list, explicit, expected] of targets) {
    assert.equal(
      defaultWriteTarget(await load(list, explicit)),
      expected,
      `KUBECONFIG=${list} explicit=${explicit}`,
    );
  }

  const loaded = await load(['/a', '/b']);
  const plan = planKubeconfigUpdate(
    loaded,
    {
      cluster: { name: 'prod', cluster: { server: 'https://new' } },
      user: { name: 'me', user: { token: 't' } },
      context: { name: 'prod', context: { cluster: 'prod', user: 'me' } },
      setCurrentContext: true,
    },
    { onConflict: 'overwrite' },
  );
  assert.deepEqual(
    plan.writes.map((w) => w.path),
    ['/a', '/b'],
  );
  const [a, b] = plan.writes;
  assert.deepEqual(a?.config, {
    clusters: [{ name: 'in-a', cluster: { server: 'https://a' } }],
    users: [{ name: 'me', user: { token: 't' } }],
    contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'me' } }],
    'current-context': 'prod',
  });
  assert.deepEqual(b?.config, { clusters: [{ name: 'prod', cluster: { server: 'https://new' } }] });
  assert.deepEqual(plan.report.overwritten, [{ kind: 'cluster', name: 'prod', file: '/b' }]);
  assert.deepEqual(
    plan.report.added.map((e) => [e.kind, e.file]),
    [
      ['user', '/a'],
      ['context', '/a'],
    ],
  );
});

test('adding to a kubeconfig writes only the file that changes and keeps the others byte for byte', async () => {
  const first = path.join(dir, 'first.yaml');
  const second = path.join(dir, 'second.yaml');
  const secondText =
    '# hand-written, with a comment kgate must not lose\nclusters:\n- name: keep\n  cluster: {server: https://keep}\n';
  await writeFile(first, 'apiVersion: v1\nkind: Config\nclusters: []\n', { mode: 0o644 });
  await writeFile(second, secondText);
  const env = { KUBECONFIG: [first, second].join(path.delimiter) };
  const report = await addToKubeconfig(
    {
      cluster: { name: 'new', cluster: { server: 'https://new' } },
      user: { name: 'new', user: { token: 't' } },
      context: { name: 'new', context: { cluster: 'new', user: 'new' } },
      setCurrentContext: true,
    },
    { env },
  );
  assert.deepEqual(report.currentContext, { from: '', to: 'new' });
  assert.equal(await readFile(second, 'utf8'), secondText);
  assert.equal((await stat(first)).mode & 0o777, 0o600);
  const reloaded = await loadKubeconfig({ env });
  assert.equal(reloaded.config['current-context'], 'new');
  assert.deepEqual(
    reloaded.config.clusters?.map((c) => c.name),
    ['new', 'keep'],
  );
  // A second identical run writes nothing.
  const again = await addToKubeconfig(
    {
      cluster: { name: 'new', cluster: { server: 'https://new' } },
      context: { name: 'new', context: { cluster: 'new', user: 'new' } },
    },
    { env, writeFile: async () => assert.fail('nothing should be written') },
  );
  assert.deepEqual(again.added, []);
});
