import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { type Config, currentContext, minify } from '@kgate/core/kubeconfig';

const config: Config = {
  clusters: [
    { name: 'a', cluster: { server: 'https://a' } },
    { name: 'b', cluster: { server: 'https://b' } },
  ],
  users: [
    { name: 'ua', user: { token: 'ta' } },
    { name: 'ub', user: { token: 'tb' } },
  ],
  contexts: [
    { name: 'ctx-a', context: { cluster: 'a', user: 'ua', namespace: 'n' } },
    { name: 'ctx-b', context: { cluster: 'b', user: 'ub' }, 'x-note': 'kept' },
    { name: 'anonymous', context: { cluster: 'a', user: '' } },
    { name: 'broken', context: { cluster: 'gone', user: 'nobody' } },
  ],
  'current-context': 'ctx-a',
  preferences: { colors: true },
  extensions: [{ name: 'e', extension: 1 }],
};

test('the current context resolves to its cluster and user', () => {
  const resolved = currentContext(config);
  assert.equal(resolved.name, 'ctx-a');
  assert.equal(resolved.cluster.cluster.server, 'https://a');
  assert.equal(resolved.user?.user.token, 'ta');
  assert.equal(resolved.context.namespace, 'n');
  assert.equal(currentContext(config, 'ctx-b').user?.name, 'ub');
});

test('a context without a user resolves with no user, as kubectl connects without credentials', () => {
  assert.equal(currentContext(config, 'anonymous').user, undefined);
});

const failures: Array<{ what: string; input: Config; name?: string; message: string }> = [
  {
    what: 'no current context',
    input: { ...config, 'current-context': '' },
    message: 'no current context is set in the kubeconfig',
  },
  {
    what: 'an unknown context',
    input: config,
    name: 'nope',
    message: 'context "nope" not found in the kubeconfig',
  },
  {
    what: 'a context naming a missing cluster and user',
    input: config,
    name: 'broken',
    message:
      'context "broken": contexts[3].context.cluster "gone" not found; contexts[3].context.user "nobody" not found',
  },
];

for (const { what, input, name, message } of failures) {
  test(`resolving a context names what is missing: ${what}`, () => {
    assert.throws(
      () => currentContext(input, name),
      (error) => {
        assert.ok(isKgateError(error, 'KUBECONFIG_CONTEXT_NOT_FOUND'));
        assert.equal(error.message, message);
        assert.ok(error.hint);
        return true;
      },
    );
  });
}

test('minify keeps only one context with its cluster and user, plus preferences and extensions', () => {
  assert.deepEqual(minify(config, 'ctx-b'), {
    clusters: [{ name: 'b', cluster: { server: 'https://b' } }],
    users: [{ name: 'ub', user: { token: 'tb' } }],
    contexts: [{ name: 'ctx-b', context: { cluster: 'b', user: 'ub' }, 'x-note': 'kept' }],
    'current-context': 'ctx-b',
    preferences: { colors: true },
    extensions: [{ name: 'e', extension: 1 }],
  });
  assert.deepEqual(
    minify(config).contexts?.map((c) => c.name),
    ['ctx-a'],
  );
});
