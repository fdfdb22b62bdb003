import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Config,
  KubeconfigInvalidError,
  mergeEntries,
  parseKubeconfig,
  serializeKubeconfig,
} from '@kgate/core/kubeconfig';
import { configSpec, type ObjectSpec } from '../src/kubeconfig/schema.ts';

/** A file in kubectl's own layout, with unknown fields and extensions at every level. */
const withUnknowns = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: QUJD
    extensions:
    - extension:
        config:
          audience: prod
          "on": true
        kind: Vendor
      name: client.authentication.k8s.io/exec
    server: https://prod.example.com:6443
    vendor-tier: gold
  name: prod
  x-note: keep me
contexts:
- context:
    cluster: prod
    namespace: "no"
    user: alice
    zone: eu-1
  name: prod
current-context: prod
extensions:
- extension:
    owner: platform
    tags:
    - a
    - b
  name: example.com/meta
kind: Config
preferences:
  colors: true
  theme: dark
users:
- name: alice
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - get-token
      - --cluster=prod
      command: kgate
      env:
      - name: KGATE_PROFILE
        value: "yes"
      installHint: install kgate
      interactiveMode: IfAvailable
      provideClusterInfo: true
      sandbox: strict
    future-auth:
      kind: ttl
      seconds: 3600
x-top-level:
  nested:
  - 1
  - two
`;

test('a kubeconfig with unknown fields and extensions reads and writes back byte for byte', () => {
  const config = parseKubeconfig(withUnknowns, '/k/config');
  assert.equal(serializeKubeconfig(config), withUnknowns);
  assert.equal(config.clusters?.[0]?.cluster['vendor-tier'], 'gold');
  assert.equal(config.users?.[0]?.user['future-auth'] !== undefined, true);
  assert.equal(config.contexts?.[0]?.context.namespace, 'no');
});

test('unknown fields and extensions survive a merge of new entries unchanged', () => {
  const config = parseKubeconfig(withUnknowns, '/k/config');
  const { config: merged } = mergeEntries(config, {
    cluster: { name: 'dev', cluster: { server: 'https://dev.example.com' } },
    user: { name: 'bob', user: { token: 'secret' } },
    context: { name: 'dev', context: { cluster: 'dev', user: 'bob' } },
  });
  const written = serializeKubeconfig(merged);
  const reread = parseKubeconfig(written);
  // Every original entry is unchanged, down to the unknown fields.
  assert.deepEqual(reread.clusters?.[0], config.clusters?.[0]);
  assert.deepEqual(reread.users?.[0], config.users?.[0]);
  assert.deepEqual(reread.contexts?.[0], config.contexts?.[0]);
  assert.deepEqual(reread.extensions, config.extensions);
  assert.deepEqual(reread.preferences, config.preferences);
  assert.deepEqual(reread['x-top-level'], config['x-top-level']);
  // And so is their text: removing the two added entries gives the original file back.
  const withoutAdded = written
    .replace('- cluster:\n    server: https://dev.example.com\n  name: dev\n', '')
    .replace('- context:\n    cluster: dev\n    user: bob\n  name: dev\n', '')
    .replace('- name: bob\n  user:\n    token: secret\n', '');
  assert.equal(withoutAdded, withUnknowns);
});

test('values YAML 1.1 would read as booleans or numbers are written quoted, so kubectl reads strings', () => {
  const config: Config = {
    contexts: [{ name: 'on', context: { cluster: 'y', user: '0123', namespace: 'no' } }],
  };
  const text = serializeKubeconfig(config);
  assert.match(text, /cluster: "y"/);
  assert.match(text, /namespace: "no"/);
  assert.match(text, /user: "0123"/);
  assert.match(text, /name: "on"/);
  assert.deepEqual(parseKubeconfig(text).contexts, config.contexts);
});

test('a missing apiVersion and kind are written as kubectl writes them', () => {
  assert.equal(serializeKubeconfig({}), 'apiVersion: v1\nkind: Config\n');
});

test('an empty file is an empty kubeconfig, as in kubectl', () => {
  assert.deepEqual(parseKubeconfig('', '/k'), {});
  assert.deepEqual(parseKubeconfig('# only a comment\n', '/k'), {});
});

function problemsOf(text: string): string[] {
  try {
    parseKubeconfig(text, '/k/config');
  } catch (error) {
    assert.ok(error instanceof KubeconfigInvalidError, String(error));
    assert.equal(error.code, 'KUBECONFIG_INVALID');
    assert.ok(error.hint, 'a parse error has a hint');
    return error.problems.map((p) => `${p.file}:${p.line ?? '?'}: ${p.message}`);
  }
  assert.fail('expected the file to be refused');
}

const refused: Array<{ what: string; text: string; problems: string[] }> = [
  {
    what: 'broken YAML names the file and line',
    text: 'apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: [\n',
    problems: [
      '/k/config:5: invalid YAML at line 5: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
  {
    what: 'a duplicate YAML key',
    text: 'apiVersion: v1\napiVersion: v1\n',
    problems: ['/k/config:2: invalid YAML at line 2: Map keys must be unique'],
  },
  {
    what: 'a list at the top level',
    text: '- a\n',
    problems: [
      '/k/config:1: the top level is a list, not a mapping with apiVersion, kind, clusters, users and contexts',
    ],
  },
  {
    what: 'a number where kubectl wants a string',
    text: 'clusters:\n- name: a\n  cluster:\n    server: 6443\n',
    problems: ['/k/config:4: clusters[0].cluster.server: expected a string, got a number (6443)'],
  },
  {
    what: 'a bare yes that YAML 1.1 reads as a boolean',
    text: 'contexts:\n- name: a\n  context: {cluster: a, user: a, namespace: yes}\n',
    problems: ['/k/config:3: contexts[0].context.namespace: expected a string, got a boolean (true)'],
  },
  {
    what: 'a string where kubectl wants a boolean',
    text: 'clusters:\n- name: a\n  cluster: {server: x, insecure-skip-tls-verify: "true"}\n',
    problems: [
      '/k/config:3: clusters[0].cluster.insecure-skip-tls-verify: expected true or false, got a string ("true")',
    ],
  },
  {
    what: 'clusters given as a mapping',
    text: 'clusters:\n  a: {server: x}\n',
    problems: ['/k/config:2: clusters: expected a list, got a mapping'],
  },
  {
    what: 'bad base64 in a -data field',
    text: 'users:\n- name: u\n  user:\n    client-key-data: "@@"\n',
    problems: ['/k/config:4: users[0].user.client-key-data: not valid base64'],
  },
  {
    what: 'exec args that are not strings',
    text: 'users:\n- name: u\n  user:\n    exec: {command: x, args: [1]}\n',
    problems: ['/k/config:4: users[0].user.exec.args: expected a list of strings, got a list'],
  },
  {
    what: 'two clusters with one name, and two users with one name',
    text: 'clusters:\n- name: a\n  cluster: {server: x}\n- name: a\n  cluster: {server: z}\nusers:\n- name: u\n  user: {}\n- name: u\n  user: {}\n',
    problems: [
      '/k/config:4: clusters[1].name "a" duplicates clusters[0]',
      '/k/config:9: users[1].name "u" duplicates users[0]',
    ],
  },
  {
    what: 'two extensions with one name inside a cluster',
    text: 'clusters:\n- name: a\n  cluster:\n    server: x\n    extensions:\n    - {name: e, extension: 1}\n    - {name: e, extension: 2}\n',
    problems: [
      '/k/config:7: clusters[0].cluster.extensions[1].name "e" duplicates clusters[0].cluster.extensions[0]',
    ],
  },
  {
    what: 'another apiVersion',
    text: 'apiVersion: v2\nkind: Config\n',
    problems: ['/k/config:1: apiVersion "v2" is not v1'],
  },
  {
    what: 'another kind',
    text: 'apiVersion: v1\nkind: Pod\n',
    problems: ['/k/config:2: kind "Pod" is not Config'],
  },
];

for (const { what, text, problems } of refused) {
  test(`a file kubectl refuses is refused with a located message: ${what}`, () => {
    assert.deepEqual(problemsOf(text), problems);
  });
}

test('duplicate names inside an unknown field are not refused (kubectl ignores unknown fields)', () => {
  const config = parseKubeconfig('x-vendor:\n  extensions:\n  - {name: a}\n  - {name: a}\n');
  assert.ok(config['x-vendor']);
});

test('null where kubectl writes null is kept, elsewhere it reads as "not set"', () => {
  const config = parseKubeconfig(
    'clusters: null\nusers: ~\ncontexts:\n- name: c\n  context: {cluster: a, user: b, namespace: null}\n',
  );
  assert.equal(config.clusters, null);
  assert.equal(config.users, null);
  assert.deepEqual(config.contexts, [{ name: 'c', context: { cluster: 'a', user: 'b' } }]);
});

test('an entry without name or body reads as kubectl reads it: empty name, empty body', () => {
  const config = parseKubeconfig('clusters:\n- cluster: {server: x}\ncontexts:\n- name: c\n');
  assert.deepEqual(config.clusters, [{ name: '', cluster: { server: 'x' } }]);
  assert.deepEqual(config.contexts, [{ name: 'c', context: { cluster: '', user: '' } }]);
});

test('known fields are declared in kubectl order (sorted), so written files match kubectl byte for byte', () => {
  const seen = new Set<ObjectSpec>();
  const visit = (spec: ObjectSpec) => {
    if (seen.has(spec)) return;
    seen.add(spec);
    const keys = Object.keys(spec.fields);
    assert.deepEqual(keys, [...keys].sort(), `fields of ${spec.name}`);
    for (const type of Object.values(spec.fields))
      if (type.kind === 'object' || type.kind === 'list') visit(type.spec);
  };
  visit(configSpec);
  assert.ok(seen.size >= 10);
});

test('a __proto__ key in a file stays data and does not change any prototype', () => {
  const config = parseKubeconfig(
    'clusters:\n- name: a\n  cluster:\n    server: x\n    __proto__: {polluted: true}\n',
  );
  const cluster = config.clusters?.[0]?.cluster;
  assert.ok(cluster);
  assert.equal(Object.getPrototypeOf(cluster), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.match(serializeKubeconfig(config), / {4}__proto__:\n {6}polluted: true\n/);
});
