import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRequestId, uuidV7ForTests } from '../src/audit/request-id.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const [name, make] of [
  ['newRequestId', newRequestId],
  ['the fallback for Node.js before 24.16', uuidV7ForTests],
] as const) {
  test(`${name} gives version 7 UUIDs whose first 48 bits are the time in ms`, () => {
    const before = Date.now();
    const id = make();
    const after = Date.now();
    assert.match(id, V7);
    const ms = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    assert.ok(ms >= before && ms <= after, `${ms} not within ${before}..${after}`);
  });

  test(`${name} gives distinct ids that sort by the millisecond they were made in`, async () => {
    const first = Array.from({ length: 200 }, make);
    assert.equal(new Set(first).size, first.length);
    await new Promise((resolve) => setTimeout(resolve, 3));
    const later = make();
    for (const id of first) assert.ok(id < later, `${id} should sort before ${later}`);
  });
}
