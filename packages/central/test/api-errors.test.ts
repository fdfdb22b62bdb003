import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTP_STATUS_BY_CODE, httpStatusOf } from '@kgate/central';
import { coreErrorCodes } from '@kgate/core/errors';
import { removeDataDir, startTestCentral, type TestCentral } from './helpers/central.ts';

let t: TestCentral;
let admin: string;
before(async () => {
  t = await startTestCentral();
  admin = (await t.login('admin', t.adminPassword)).access;
});
after(async () => {
  await t.stop();
  removeDataDir(t.dataDir);
});

test('every error code of @kgate/core has an HTTP status in the one table', () => {
  const missing = Object.keys(coreErrorCodes).filter((code) => !(code in HTTP_STATUS_BY_CODE));
  assert.deepEqual(
    missing,
    [],
    `add these codes to HTTP_STATUS_BY_CODE in packages/central/src/api/errors.ts`,
  );
  for (const [code, status] of Object.entries(HTTP_STATUS_BY_CODE)) {
    assert.ok(status >= 400 && status <= 599, `${code} → ${status}`);
    assert.ok(code in coreErrorCodes, `${code} is mapped but not a documented core code`);
  }
  assert.equal(httpStatusOf('SOMETHING_NEW'), 500);
  assert.equal(httpStatusOf('UNAUTHENTICATED'), 401);
});

test('malformed JSON, an empty body, a wrong content type, a huge body and __proto__ each get a JSON error', async () => {
  const cases: Array<[string, Parameters<TestCentral['req']>[2], number, string]> = [
    ['malformed', { rawBody: '{"username": ', token: admin }, 400, 'INVALID_ARGUMENT'],
    ['empty', { rawBody: '', token: admin }, 400, 'INVALID_ARGUMENT'],
    ['array', { body: [1, 2], token: admin }, 400, 'INVALID_ARGUMENT'],
    [
      'text/plain',
      { rawBody: 'name=x', headers: { 'content-type': 'text/plain' }, token: admin },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['huge', { body: { name: 'x'.repeat(100_000) }, token: admin }, 413, 'PAYLOAD_TOO_LARGE'],
    ['proto', { rawBody: '{"name":"x","__proto__":{"admin":true}}', token: admin }, 400, 'INVALID_ARGUMENT'],
  ];
  for (const [name, options, status, code] of cases) {
    const res = await t.req('POST', '/clusters', options);
    assert.equal(res.status, status, `${name}: ${res.text}`);
    assert.equal(res.headers['content-type']?.toString().split(';')[0], 'application/json', name);
    assert.deepEqual(Object.keys(res.json), ['error'], name);
    assert.equal(res.json.error.code, code, name);
    assert.equal(typeof res.json.error.message, 'string', name);
  }
});

test('an unknown route is a JSON 404 for a signed-in user, and a 401 for anyone else', async () => {
  const res = await t.req('GET', '/no/such/route', { token: admin });
  assert.equal(res.status, 404);
  assert.equal(res.json.error.code, 'NOT_FOUND');
  assert.match(res.json.error.message, /GET \/no\/such\/route/);
  assert.equal((await t.req('GET', '/no/such/route')).status, 401);
});

test('GET /healthz answers without a token; every other API route needs one', async () => {
  const health = await t.req<{ status: string }>('GET', '/healthz');
  assert.equal(health.status, 200);
  assert.equal(health.json.status, 'ok');
  for (const [method, path] of [
    ['GET', '/clusters'],
    ['POST', '/clusters'],
    ['DELETE', '/clusters/x'],
    ['POST', '/clusters/x/join-tokens'],
    ['GET', '/users'],
    ['POST', '/users'],
    ['PUT', '/users/x/roles'],
    ['DELETE', '/users/x'],
    ['GET', '/auth/whoami'],
  ] as const) {
    const res = await t.req(method, path, { body: method === 'POST' || method === 'PUT' ? {} : undefined });
    assert.equal(res.status, 401, `${method} ${path}`);
    assert.equal(res.json.error.code, 'UNAUTHENTICATED');
  }
});

test('internal failures answer 500 INTERNAL without details, and are logged', async () => {
  // Closing the database under a running server is the simplest genuine internal failure.
  const c = await startTestCentral();
  const token = (await c.login('admin', c.adminPassword)).access;
  await c.central.store.db.destroy();
  const res = await c.req('GET', '/clusters', { token });
  assert.equal(res.status, 500);
  assert.equal(res.json.error.code, 'INTERNAL');
  assert.ok(!/destroyed|sqlite|stack/i.test(res.text), res.text);
  assert.match(c.logs(), /"level":50/);
  await c.stop();
  removeDataDir(c.dataDir);
});
