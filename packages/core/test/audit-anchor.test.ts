import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAuditAnchor, parseAuditAnchor } from '@kgate/core/audit-anchor';
import { KgateError } from '@kgate/core/errors';

const hash = 'ab'.repeat(32);

test('an anchor prints as SEQ:HASH and reads back, upper-case hex read as lower', () => {
  assert.equal(formatAuditAnchor({ seq: 42, hash }), `42:${hash}`);
  assert.deepEqual(parseAuditAnchor(`42:${hash}`), { seq: 42, hash });
  assert.deepEqual(parseAuditAnchor(` 42:${hash.toUpperCase()}\n`), { seq: 42, hash });
  assert.deepEqual(parseAuditAnchor(`0:${'0'.repeat(64)}`), { seq: 0, hash: '0'.repeat(64) });
});

test('a malformed anchor is an INVALID_ARGUMENT naming it, with a hint', () => {
  for (const bad of [
    '',
    '42',
    `42:${hash.slice(1)}`,
    `-1:${hash}`,
    `4.2:${hash}`,
    `42:${'g'.repeat(64)}`,
    `42;${hash}`,
  ]) {
    assert.throws(
      () => parseAuditAnchor(bad),
      (error: unknown) =>
        error instanceof KgateError &&
        error.code === 'INVALID_ARGUMENT' &&
        error.message === `audit anchor "${bad}" is not SEQ:HASH` &&
        typeof error.hint === 'string',
    );
  }
});
