import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import {
  KubeconfigInvalidError,
  kubeconfigLocations,
  loadKubeconfig,
  mergeKubeconfigFiles,
  parseKubeconfig,
} from '@kgate/core/kubeconfig';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kgate-kubeconfig-load-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

test('KUBECONFIG with three files (one missing) merges first-wins per name, like kubectl', async () => {
  const a = await put(
    'three/a.yaml',
    `clusters:
- name: shared
  cluster: {server: https://from-a}
- name: only-a
  cluster: {server: https://a}
users:
- name: u
  user: {token: from-a}
contexts:
- name: ctx
  context: {cluster: shared, user: u}
extensions:
- name: ext
  extension: from-a
`,
  );
  const missing = path.join(dir, 'three/missing.yaml');
  const c = await put(
    'three/c.yaml',
    `current-context: ctx-c
preferences: {colors: true}
clusters:
- name: shared
  cluster: {server: https://from-c, insecure-skip-tls-verify: true}
- name: only-c
  cluster: {server: https://c}
users:
- name: u
  user: {token: from-c}
- name: u-c
  user: {token: c}
contexts:
- name: ctx
  context: {cluster: only-c, user: u-c}
- name: ctx-c
  context: {cluster: only-c, user: u-c}
extensions:
- name: ext
  extension: from-c
- name: ext-c
  extension: c
`,
  );
  const loaded = await loadKubeconfig({
    env: { KUBECONFIG: ['', a, missing, '', c, a].join(path.delimiter) },
    homeDir: path.join(dir, 'no-home'),
  });
  assert.deepEqual(loaded.locations.files, [a, missing, c]);
  assert.deepEqual(loaded.missing, [missing]);
  assert.deepEqual(
    loaded.files.map((f) => f.path),
    [a, c],
  );
  const { config, origins } = loaded;
  // The first file wins a name whole: no field of c's "shared" leaks in.
  assert.deepEqual(config.clusters, [
    { name: 'shared', cluster: { server: 'https://from-a' } },
    { name: 'only-a', cluster: { server: 'https://a' } },
    { name: 'only-c', cluster: { server: 'https://c' } },
  ]);
  assert.deepEqual(
    config.users?.map((u) => [u.name, u.user.token]),
    [
      ['u', 'from-a'],
      ['u-c', 'c'],
    ],
  );
  assert.deepEqual(
    config.contexts?.map((x) => [x.name, x.context.cluster]),
    [
      ['ctx', 'shared'],
      ['ctx-c', 'only-c'],
    ],
  );
  assert.deepEqual(config.extensions, [
    { name: 'ext', extension: 'from-a' },
    { name: 'ext-c', extension: 'c' },
  ]);
  // a sets no current-context or preferences, so c's apply.
  assert.equal(config['current-context'], 'ctx-c');
  assert.deepEqual(config.preferences, { colors: true });
  assert.deepEqual(origins.clusters.get('shared'), { file: a, index: 0 });
  assert.deepEqual(origins.clusters.get('only-c'), { file: c, index: 1 });
  assert.deepEqual(origins.users.get('u-c'), { file: c, index: 1 });
  assert.equal(origins.currentContext, c);
});

test('current-context comes from the first file that sets it', () => {
  const { config, origins } = mergeKubeconfigFiles([
    { path: '/1', config: { 'current-context': '' } },
    { path: '/2', config: { 'current-context': 'second' } },
    { path: '/3', config: { 'current-context': 'third' } },
  ]);
  assert.equal(config['current-context'], 'second');
  assert.equal(origins.currentContext, '/2');
});

test('an explicit kubeconfig that does not exist is an error with a hint, even if KUBECONFIG is set', async () => {
  const other = await put('explicit/other.yaml', 'clusters: []\n');
  const missing = path.join(dir, 'explicit/nope.yaml');
  await assert.rejects(loadKubeconfig({ explicitPath: missing, env: { KUBECONFIG: other } }), (error) => {
    assert.ok(isKgateError(error, 'KUBECONFIG_NOT_FOUND'));
    assert.equal(error.message, `kubeconfig ${missing} does not exist`);
    assert.match(error.hint ?? '', /--kubeconfig/);
    return true;
  });
});

test('an explicit kubeconfig is the only file read, even if KUBECONFIG is set', async () => {
  const explicit = await put('explicit/one.yaml', 'current-context: from-explicit\n');
  const other = await put('explicit/two.yaml', 'current-context: from-env\n');
  const loaded = await loadKubeconfig({ explicitPath: explicit, env: { KUBECONFIG: other } });
  assert.equal(loaded.config['current-context'], 'from-explicit');
  assert.deepEqual(loaded.locations, { explicit: true, files: [explicit], fromEnv: false });
});

test('without KUBECONFIG the file under the given home directory is read; a missing one is an empty config', async () => {
  const home = path.join(dir, 'home');
  await put('home/.kube/config', 'current-context: home-ctx\n');
  const loaded = await loadKubeconfig({ env: {}, homeDir: home });
  assert.equal(loaded.config['current-context'], 'home-ctx');
  const empty = await loadKubeconfig({ env: { KUBECONFIG: '' }, homeDir: path.join(dir, 'empty-home') });
  assert.deepEqual(empty.files, []);
  assert.deepEqual(empty.config.clusters, []);
  assert.equal(empty.missing.length, 1);
});

test('relative paths in an entry resolve against the file that defined it, not the working directory', async () => {
  const first = await put(
    'rel/one/config',
    `clusters:
- name: a
  cluster: {server: https://a, certificate-authority: ca.crt}
users:
- name: a
  user:
    client-certificate: certs/client.crt
    client-key: ../keys/client.key
    tokenFile: /abs/token
    exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}
- name: on-path
  user:
    exec: {command: kubelogin, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}
`,
  );
  const second = await put(
    'rel/two/config',
    'clusters:\n- name: b\n  cluster: {server: https://b, certificate-authority: ca.crt}\nusers:\n- name: b\n  user: {tokenFile: token}\n',
  );
  const loaded = await loadKubeconfig({
    env: { KUBECONFIG: ['one/config', 'two/config'].join(path.delimiter) },
    cwd: path.join(dir, 'rel'),
  });
  const one = path.join(dir, 'rel/one');
  const two = path.join(dir, 'rel/two');
  const clusters = loaded.config.clusters ?? [];
  const users = loaded.config.users ?? [];
  assert.equal(clusters[0]?.cluster['certificate-authority'], path.join(one, 'ca.crt'));
  assert.equal(clusters[1]?.cluster['certificate-authority'], path.join(two, 'ca.crt'));
  assert.equal(users[0]?.user['client-certificate'], path.join(one, 'certs/client.crt'));
  assert.equal(users[0]?.user['client-key'], path.join(dir, 'rel/keys/client.key'));
  assert.equal(users[0]?.user.tokenFile, '/abs/token');
  assert.equal(users[0]?.user.exec?.command, path.join(one, 'bin/plugin'));
  assert.equal(
    users[1]?.user.exec?.command,
    'kubelogin',
    'a bare command is looked up on PATH, not resolved',
  );
  assert.equal(users[2]?.user.tokenFile, path.join(two, 'token'));
  // The files as read keep their relative paths, for writing back.
  assert.equal(loaded.files[0]?.path, first);
  assert.equal(loaded.files[1]?.path, second);
  assert.equal(loaded.files[0]?.config.clusters?.[0]?.cluster['certificate-authority'], 'ca.crt');
});

test('reading is injectable: no disk is touched when a reader is given', async () => {
  const texts = new Map([['/virtual/a', 'current-context: a\n']]);
  const loaded = await loadKubeconfig({
    env: { KUBECONFIG: `/virtual/a${path.delimiter}/virtual/b` },
    readFile: async (file) => texts.get(file),
  });
  assert.equal(loaded.config['current-context'], 'a');
  assert.deepEqual(loaded.missing, ['/virtual/b']);
});

test('KUBECONFIG paths are resolved against the working directory given, and repeats are dropped', () => {
  const locations = kubeconfigLocations({
    env: { KUBECONFIG: ['a', '', 'b', 'a'].join(path.delimiter) },
    cwd: '/work',
    homeDir: '/home/me',
  });
  assert.deepEqual(locations, { explicit: false, files: ['/work/a', '/work/b'], fromEnv: true });
  assert.deepEqual(kubeconfigLocations({ env: {}, homeDir: '/home/me' }).files, ['/home/me/.kube/config']);
});

test('a file of KUBECONFIG that is invalid fails the load, naming the file and line', async () => {
  const bad = await put('bad/config', 'clusters:\n- name: a\n  cluster:\n    server: 1\n');
  await assert.rejects(loadKubeconfig({ env: { KUBECONFIG: bad } }), (error) => {
    assert.ok(error instanceof KubeconfigInvalidError);
    assert.equal(error.message, `${bad}:4: clusters[0].cluster.server: expected a string, got a number (1)`);
    return true;
  });
});

test('a kubeconfig that exists but cannot be read is reported as such, not as missing', async () => {
  const directory = path.join(dir, 'is-a-dir');
  await mkdir(directory, { recursive: true });
  await assert.rejects(loadKubeconfig({ explicitPath: directory }), (error) => {
    assert.ok(isKgateError(error, 'KUBECONFIG_READ_FAILED'));
    assert.match(error.message, /EISDIR/);
    return true;
  });
});

test('a lenient load accepts dangling references like kubectl; a strict load lists every problem', async () => {
  const text = `current-context: gone
contexts:
- name: ok
  context: {cluster: a, user: u}
- name: broken
  context: {cluster: missing, user: u}
clusters:
- name: a
  cluster: {server: https://a}
users:
- name: u
  user: {token: t}
`;
  const first = await put('strict/a', 'clusters:\n- name: z\n  cluster: {server: https://z}\n');
  const file = await put('strict/config', text);
  const options = { env: { KUBECONFIG: [first, file].join(path.delimiter) } };
  const lenient = await loadKubeconfig(options);
  assert.equal(lenient.config.contexts?.length, 2);
  await assert.rejects(loadKubeconfig({ ...options, strict: true }), (error) => {
    assert.ok(error instanceof KubeconfigInvalidError);
    assert.deepEqual(
      error.problems.map((p) => [p.file, p.path, p.message]),
      [
        [file, 'contexts[1].context.cluster', 'contexts[1].context.cluster "missing" not found'],
        [file, 'current-context', 'current-context "gone" not found'],
      ],
    );
    return true;
  });
  assert.deepEqual(parseKubeconfig(text).contexts?.[1]?.context.cluster, 'missing');
});
