import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removeDataDir, type SessionJson, startTestCentral, type UserJson } from './helpers/central.ts';

test('an access token expires after 15 minutes and the error says so', async (t) => {
  const c = await startTestCentral();
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  const { access, refresh } = await c.login('admin', c.adminPassword);
  c.clock.advance(14 * 60_000);
  assert.equal((await c.req('GET', '/auth/whoami', { token: access })).status, 200);
  c.clock.advance(60_000 + 1000);
  const expired = await c.req('GET', '/auth/whoami', { token: access });
  assert.equal(expired.status, 401);
  assert.match(expired.json.error.message, /expired/);
  const renewed = await c.req<SessionJson>('POST', '/auth/refresh', { body: { refresh_token: refresh } });
  assert.equal(renewed.status, 200, 'the refresh token still works');
  assert.equal((await c.req('GET', '/auth/whoami', { token: renewed.json.access_token })).status, 200);
});

test('the access token lifetime follows auth.access_token_ttl, and refresh tokens expire after refresh_token_ttl', async (t) => {
  const c = await startTestCentral({ fileText: 'auth:\n  access_token_ttl: 2m\n  refresh_token_ttl: 1h\n' });
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  const res = await c.req<SessionJson>('POST', '/auth/login', {
    body: { username: 'admin', password: c.adminPassword },
  });
  assert.equal(res.json.expires_in, 120);
  c.clock.advance(60 * 60_000 + 1000);
  const refreshed = await c.req('POST', '/auth/refresh', { body: { refresh_token: res.json.refresh_token } });
  assert.equal(refreshed.status, 401);
});

test('five failed logins in a minute pause that user from that address with 429 and Retry-After, then lift', async (t) => {
  const c = await startTestCentral();
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  for (let i = 0; i < 5; i++) {
    const res = await c.req('POST', '/auth/login', { body: { username: 'admin', password: `wrong-${i}` } });
    assert.equal(res.status, 401);
    c.clock.advance(1000);
  }
  const limited = await c.req('POST', '/auth/login', {
    body: { username: 'admin', password: c.adminPassword },
  });
  assert.equal(limited.status, 429, 'even the right password waits');
  assert.equal(limited.json.error.code, 'RATE_LIMITED');
  const retryAfter = Number(limited.headers['retry-after']);
  assert.ok(retryAfter > 50 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  const otherUser = await c.req('POST', '/auth/login', { body: { username: 'someone', password: 'x' } });
  assert.equal(otherUser.status, 401, 'another user name is not paused');
  c.clock.advance(retryAfter * 1000);
  const ok = await c.req('POST', '/auth/login', { body: { username: 'admin', password: c.adminPassword } });
  assert.equal(ok.status, 200);
});

test('a deleted user’s access token stops working at once, and removed roles are removed at once', async (t) => {
  const c = await startTestCentral();
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  const admin = await c.login('admin', c.adminPassword);
  const created = await c.req<UserJson>('POST', '/users', {
    token: admin.access,
    body: { username: 'bob', password: 'bob-password-123', roles: ['admin', 'dev'] },
  });
  assert.equal(created.status, 201);
  const bob = await c.login('bob', 'bob-password-123');
  assert.equal((await c.req('GET', '/users', { token: bob.access })).status, 200);
  await c.req('PUT', `/users/${created.json.id}/roles`, { token: admin.access, body: { roles: ['dev'] } });
  const denied = await c.req('GET', '/users', { token: bob.access });
  assert.equal(denied.status, 403, 'the token still says admin, but the store does not');
  await c.req('DELETE', `/users/${created.json.id}`, { token: admin.access });
  const gone = await c.req('GET', '/auth/whoami', { token: bob.access });
  assert.equal(gone.status, 401);
  assert.equal((await c.req('POST', '/auth/refresh', { body: { refresh_token: bob.refresh } })).status, 401);
});

test('a missing user costs as much time as a wrong password (a dummy hash is checked)', async (t) => {
  // Real cost here: the point is the time scrypt takes.
  const c = await startTestCentral({ scryptCost: { ln: 14, r: 8, p: 1 } });
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  const admin = await c.login('admin', c.adminPassword);
  for (let i = 0; i < 5; i++) {
    await c.req('POST', '/users', {
      token: admin.access,
      body: { username: `u${i}`, password: 'a-long-password', roles: [] },
    });
  }
  const time = async (username: string) => {
    const start = performance.now();
    const res = await c.req('POST', '/auth/login', { body: { username, password: 'not-the-password' } });
    assert.equal(res.status, 401);
    return performance.now() - start;
  };
  const wrong: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 5; i++) {
    wrong.push(await time(`u${i}`));
    unknown.push(await time(`ghost${i}`));
  }
  // Without the dummy hash an unknown user answers ~100x faster than a wrong password
  // (no scrypt at all); the wide band only absorbs this shared machine's noise.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const ratio = median(unknown) / median(wrong);
  assert.ok(
    ratio > 0.2 && ratio < 5,
    `unknown ${median(unknown).toFixed(1)} ms vs wrong ${median(wrong).toFixed(1)} ms`,
  );
});
