import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { removeDataDir, startTestCentral, type TestCentral, type UserJson } from './helpers/central.ts';

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

test('an admin creates a user who can then log in, and the list shows both without password hashes', async () => {
  const created = await t.req<UserJson>('POST', '/users', {
    token: admin,
    body: { username: 'carol', password: 'carol-password-1', roles: ['dev', 'ops', 'dev'] },
  });
  assert.equal(created.status, 201);
  assert.deepEqual(created.json.roles, ['dev', 'ops']);
  assert.match(created.json.id, /^[0-9a-f-]{36}$/);
  const session = await t.login('carol', 'carol-password-1');
  assert.ok(session.access);
  const list = await t.req<{ users: UserJson[] }>('GET', '/users', { token: admin });
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.json.users.map((u) => u.username),
    ['admin', 'carol'],
  );
  assert.ok(!list.text.includes('scrypt'), 'no hash leaks');
  const stored = await t.central.store.users.findByUsername('carol');
  assert.match(stored?.passwordHash ?? '', /^\$scrypt\$ln=\d+,r=8,p=1\$/);
  assert.ok(!stored?.passwordHash?.includes('carol-password-1'));
});

test('setting roles replaces them; a non-admin can neither list nor change users', async () => {
  const dave = await t.req<UserJson>('POST', '/users', {
    token: admin,
    body: { username: 'dave', password: 'dave-password-1' },
  });
  assert.deepEqual(dave.json.roles, []);
  const updated = await t.req<UserJson>('PUT', `/users/${dave.json.id}/roles`, {
    token: admin,
    body: { roles: ['viewer'] },
  });
  assert.equal(updated.status, 200);
  assert.deepEqual(updated.json.roles, ['viewer']);
  const daveToken = (await t.login('dave', 'dave-password-1')).access;
  for (const [method, path, body] of [
    ['GET', '/users', undefined],
    ['POST', '/users', { username: 'eve', password: 'eve-password-12' }],
    ['PUT', `/users/${dave.json.id}/roles`, { roles: ['admin'] }],
    ['DELETE', `/users/${dave.json.id}`, undefined],
  ] as const) {
    const res = await t.req(method, path, { token: daveToken, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.json.error.code, 'PERMISSION_DENIED');
  }
  assert.equal(await t.central.store.users.findByUsername('eve'), undefined);
});

test('bad user input is refused with the field named and leaves no user behind', async () => {
  const before = await t.central.store.users.count();
  const cases: Array<[unknown, RegExp]> = [
    [{ username: 'Frank', password: 'frank-password-1' }, /body\.username/],
    [{ username: 'frank', password: 'short' }, /body\.password: must be at least 12 characters/],
    [{ username: 'frank', password: 'frank-password-1', roles: ['Admin!'] }, /body\.roles\.0/],
    [{ username: 'frank', password: 'frank-password-1', roles: 'admin' }, /body\.roles/],
    [{ username: 'frank', password: 'frank-password-1', is_admin: true }, /unknown field "is_admin"/],
    [{ password: 'frank-password-1' }, /body\.username/],
  ];
  for (const [body, message] of cases) {
    const res = await t.req('POST', '/users', { token: admin, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.error.code, 'INVALID_ARGUMENT');
    assert.match(res.json.error.message, message);
    assert.ok(!res.text.includes('frank-password-1'), 'the password is never echoed');
  }
  assert.equal(await t.central.store.users.count(), before);
  const dup = await t.req('POST', '/users', {
    token: admin,
    body: { username: 'admin', password: 'another-password' },
  });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.code, 'ALREADY_EXISTS');
});

test('deleting users: 204, then 404; the last admin can be neither deleted nor demoted', async () => {
  const gina = await t.req<UserJson>('POST', '/users', {
    token: admin,
    body: { username: 'gina', password: 'gina-password-1', roles: ['dev'] },
  });
  assert.equal((await t.req('DELETE', `/users/${gina.json.id}`, { token: admin })).status, 204);
  const again = await t.req('DELETE', `/users/${gina.json.id}`, { token: admin });
  assert.equal(again.status, 404);
  assert.equal(again.json.error.code, 'NOT_FOUND');
  assert.equal(
    (await t.req('PUT', '/users/no-such-id/roles', { token: admin, body: { roles: [] } })).status,
    404,
  );

  const me = (await t.req<{ id: string }>('GET', '/auth/whoami', { token: admin })).json;
  const demote = await t.req('PUT', `/users/${me.id}/roles`, { token: admin, body: { roles: ['dev'] } });
  assert.equal(demote.status, 409);
  assert.equal(demote.json.error.code, 'FAILED_PRECONDITION');
  const remove = await t.req('DELETE', `/users/${me.id}`, { token: admin });
  assert.equal(remove.status, 409);
  assert.deepEqual(
    (await t.central.store.users.findById(me.id))?.roles,
    ['admin'],
    'unchanged after the refusal',
  );

  // With a second admin, the first may step down.
  await t.req('POST', '/users', {
    token: admin,
    body: { username: 'hank', password: 'hank-password-1', roles: ['admin'] },
  });
  assert.equal(
    (await t.req('PUT', `/users/${me.id}/roles`, { token: admin, body: { roles: ['dev'] } })).status,
    200,
  );
});
