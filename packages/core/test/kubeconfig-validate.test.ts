import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import {
  assertValidConfig,
  type Config,
  formatProblem,
  KubeconfigInvalidError,
  mergeKubeconfigFiles,
  type NamedAuthInfo,
  type NamedCluster,
  type NamedContext,
  validateConfig,
} from '@kgate/core/kubeconfig';

const cluster: NamedCluster = { name: 'c', cluster: { server: 'https://c.example.com' } };
const user: NamedAuthInfo = { name: 'u', user: { token: 't' } };
const context: NamedContext = { name: 'x', context: { cluster: 'c', user: 'u' } };
const exec = { command: 'kgate', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' };

function config(parts: Partial<Config>): Config {
  return { clusters: [cluster], users: [user], contexts: [context], 'current-context': 'x', ...parts };
}

test('a complete kubeconfig has no problems', () => {
  assert.deepEqual(validateConfig(config({})), []);
  assert.doesNotThrow(() => assertValidConfig(config({})));
});

const cases: Array<{ what: string; config: Config; messages: string[] }> = [
  {
    what: 'a context naming a missing cluster',
    config: config({
      contexts: [context, { ...context, name: 'z' }, { name: 'y', context: { cluster: 'x', user: 'u' } }],
    }),
    messages: ['contexts[2].context.cluster "x" not found'],
  },
  {
    what: 'a context naming a missing user',
    config: config({ contexts: [{ name: 'x', context: { cluster: 'c', user: 'nobody' } }] }),
    messages: ['contexts[0].context.user "nobody" not found'],
  },
  {
    what: 'a context without cluster or user',
    config: config({ contexts: [{ name: 'x', context: { cluster: '', user: '' } }] }),
    messages: ['contexts[0].context.cluster is not set', 'contexts[0].context.user is not set'],
  },
  {
    what: 'an invalid namespace',
    config: config({ contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'Team_A' } }] }),
    messages: ['contexts[0].context.namespace "Team_A" is not a valid namespace name'],
  },
  {
    what: 'a current-context that does not exist',
    config: config({ 'current-context': 'gone' }),
    messages: ['current-context "gone" not found'],
  },
  {
    what: 'two clusters with one name',
    config: config({ clusters: [cluster, cluster] }),
    messages: ['clusters[1].name "c" duplicates clusters[0]'],
  },
  {
    what: 'a user without a name',
    config: config({ users: [user, { name: '', user: { token: 'x' } }] }),
    messages: ['users[1].name is empty'],
  },
  {
    what: 'a cluster without server',
    config: config({ clusters: [{ name: 'c', cluster: {} }] }),
    messages: ['clusters[0].cluster.server is not set'],
  },
  {
    what: 'a CA given as both file and data',
    config: config({
      clusters: [
        {
          name: 'c',
          cluster: {
            server: 'https://c',
            'certificate-authority': '/ca',
            'certificate-authority-data': 'QUJD',
          },
        },
      ],
    }),
    messages: ['clusters[0].cluster: certificate-authority and certificate-authority-data are both set'],
  },
  {
    what: 'a proxy-url with an unsupported scheme',
    config: config({
      clusters: [{ name: 'c', cluster: { server: 'https://c', 'proxy-url': 'ftp://proxy:21' } }],
    }),
    messages: ['clusters[0].cluster.proxy-url "ftp://proxy:21" is not an http, https or socks5 URL'],
  },
  {
    what: 'token and tokenFile',
    config: config({ users: [{ name: 'u', user: { token: 't', tokenFile: '/t' } }] }),
    messages: ['users[0].user: token and tokenFile are both set'],
  },
  {
    what: 'token and basic auth',
    config: config({ users: [{ name: 'u', user: { token: 't', username: 'a', password: 'b' } }] }),
    messages: ['users[0].user: token and username/password are both set'],
  },
  {
    what: 'a client certificate without key',
    config: config({ users: [{ name: 'u', user: { 'client-certificate-data': 'QUJD' } }] }),
    messages: ['users[0].user: a client certificate is set but no client-key or client-key-data'],
  },
  {
    what: 'a client key without certificate',
    config: config({ users: [{ name: 'u', user: { 'client-key': '/k' } }] }),
    messages: ['users[0].user: a client key is set but no client-certificate or client-certificate-data'],
  },
  {
    what: 'a certificate given as both file and data',
    config: config({
      users: [
        {
          name: 'u',
          user: { 'client-certificate': '/c', 'client-certificate-data': 'QUJD', 'client-key': '/k' },
        },
      ],
    }),
    messages: ['users[0].user: client-certificate and client-certificate-data are both set'],
  },
  {
    what: 'impersonation extras without a user to impersonate',
    config: config({ users: [{ name: 'u', user: { token: 't', 'as-groups': ['admins'] } }] }),
    messages: ['users[0].user: as-uid, as-groups or as-user-extra is set without as'],
  },
  {
    what: 'an exec plugin without command and apiVersion',
    config: config({ users: [{ name: 'u', user: { exec: { interactiveMode: 'Never' } } }] }),
    messages: ['users[0].user.exec.command is not set', 'users[0].user.exec.apiVersion is not set'],
  },
  {
    what: 'a v1 exec plugin without interactiveMode',
    config: config({ users: [{ name: 'u', user: { exec: { ...exec, interactiveMode: undefined } } }] }),
    messages: ['users[0].user.exec.interactiveMode is not set'],
  },
  {
    what: 'an exec plugin with an unknown interactiveMode',
    config: config({ users: [{ name: 'u', user: { exec: { ...exec, interactiveMode: 'Sometimes' } } }] }),
    messages: ['users[0].user.exec.interactiveMode "Sometimes" is not Never, IfAvailable or Always'],
  },
  {
    what: 'an exec env entry without name',
    config: config({
      users: [
        {
          name: 'u',
          user: {
            exec: {
              ...exec,
              env: [
                { name: 'A', value: '1' },
                { name: '', value: '2' },
              ],
            },
          },
        },
      ],
    }),
    messages: ['users[0].user.exec.env[1].name is not set'],
  },
  {
    what: 'exec together with auth-provider',
    config: config({ users: [{ name: 'u', user: { exec, 'auth-provider': { name: 'oidc' } } }] }),
    messages: ['users[0].user: exec and auth-provider are both set'],
  },
];

for (const { what, config: input, messages } of cases) {
  test(`validation names the entry, index and field: ${what}`, () => {
    const problems = validateConfig(input);
    assert.deepEqual(
      problems.map((p) => p.message),
      messages,
    );
    for (const problem of problems) {
      assert.ok(problem.hint.length > 10, `a hint for: ${problem.message}`);
      assert.ok(problem.message.startsWith(problem.path), `${problem.message} starts with ${problem.path}`);
    }
    assert.throws(
      () => assertValidConfig(input),
      (error) => isKgateError(error, 'KUBECONFIG_INVALID') && error.message.includes(messages[0] ?? '?'),
    );
  });
}

test('a v1beta1 exec plugin may leave interactiveMode out (client-go defaults it)', () => {
  const input = config({
    users: [
      { name: 'u', user: { exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1beta1' } } },
    ],
  });
  assert.deepEqual(validateConfig(input), []);
});

test('all problems are thrown at once, each on the error', () => {
  const input = config({ 'current-context': 'gone', clusters: [{ name: 'c', cluster: {} }] });
  assert.throws(
    () => assertValidConfig(input),
    (error) => {
      assert.ok(error instanceof KubeconfigInvalidError);
      assert.equal(error.problems.length, 2);
      assert.equal(
        error.message,
        '2 problems in the kubeconfig: clusters[0].cluster.server is not set; current-context "gone" not found',
      );
      return true;
    },
  );
});

test('problems of a merged kubeconfig name the file and the index within it', () => {
  const merged = mergeKubeconfigFiles(
    [
      { path: '/first', config: { clusters: [cluster] } },
      {
        path: '/second',
        config: {
          users: [user],
          contexts: [
            context,
            { name: 'ok-2', context: context.context },
            { name: 'bad', context: { cluster: 'x', user: 'u' } },
          ],
        },
      },
    ],
    { resolvePaths: false },
  );
  const [problem, ...rest] = validateConfig(merged.config, { origins: merged.origins });
  assert.equal(rest.length, 0);
  assert.ok(problem);
  assert.equal(formatProblem(problem), '/second: contexts[2].context.cluster "x" not found');
  assert.equal(problem.path, 'contexts[2].context.cluster');
});
