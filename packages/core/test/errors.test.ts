import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coreErrorCodes, formatError, isKgateError, KgateError } from '@kgate/core/errors';

test('a user error prints its message and hint without a stack', () => {
  const err = new KgateError('KUBECONFIG_INVALID', 'contexts[2].context.cluster "x" not found', {
    hint: 'add the cluster or fix the context',
  });
  assert.equal(err.user, true);
  assert.equal(
    formatError(err),
    'error: contexts[2].context.cluster "x" not found\nhint: add the cluster or fix the context',
  );
  assert.ok(isKgateError(err, 'KUBECONFIG_INVALID'));
  assert.ok(!isKgateError(err, 'INTERNAL'));
});

test('an internal error keeps its cause and shows the stack only when verbose', () => {
  const cause = new Error('disk full');
  const err = new KgateError('KUBECONFIG_WRITE_FAILED', 'could not write /x/config', { cause });
  assert.equal(err.user, false);
  assert.equal(err.cause, cause);
  assert.equal(formatError(err), 'error: could not write /x/config');
  assert.match(formatError(err, true), /errors\.test\.ts/);
});

test('every core error code is documented with a description', () => {
  for (const [code, entry] of Object.entries(coreErrorCodes)) {
    assert.match(code, /^[A-Z_]+$/);
    assert.ok(entry.description.length > 10, `${code} has no description`);
  }
});
