/**
 * Single sign-on against a real OpenID provider, on SQLite and PostgreSQL: the user is
 * created with the roles their groups map to, updated at each login, and each ID token
 * (nonce, or device-code token) is good for one login only.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before } from 'node:test';
import type { OidcProvider } from '@kgate/testkit/oidc';
import type { SessionJson } from './helpers/central.ts';
import { databaseTest } from './helpers/databases.ts';
import { endedAuditEvents, idTokenByBrowser, startIdp, startSsoCentral } from './sso-support.ts';

let idp: OidcProvider;
before(async () => {
  idp = await startIdp();
});
after(() => idp.close());

interface StartJson {
  nonce: string;
  expires_in: number;
}

/** Runs `fn` against a central with SSO, on a fresh database of each driver. */
function ssoTest(name: string, fn: (t: Awaited<ReturnType<typeof startSsoCentral>>) => Promise<void>): void {
  databaseTest(name, async (database) => {
    const t = await startSsoCentral(idp, { database });
    try {
      await fn(t);
    } finally {
      await t.cleanup();
    }
  });
}

ssoTest(
  'logging in through the IdP creates the user with the roles of their groups, and the session works',
  async (t) => {
    const start = await t.req<StartJson>('POST', '/auth/sso/start');
    assert.equal(start.status, 200);
    assert.equal(start.json.expires_in, 600);
    assert.equal(start.headers['cache-control'], 'no-store');
    const idToken = await idTokenByBrowser(idp, start.json.nonce, 'ann');

    const login = await t.req<SessionJson>('POST', '/auth/sso', { body: { id_token: idToken } });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.headers['cache-control'], 'no-store');
    assert.equal(login.json.token_type, 'Bearer');
    // The email claim, lowercased; platform.team maps to admin and ops.
    assert.deepEqual(login.json.user.username, 'ann@example.com');
    assert.deepEqual(login.json.user.roles, ['admin', 'ops']);

    const whoami = await t.req<{ username: string; roles: string[] }>('GET', '/auth/whoami', {
      token: login.json.access_token,
    });
    assert.deepEqual(whoami.json, {
      id: login.json.user.id,
      username: 'ann@example.com',
      roles: ['admin', 'ops'],
    });
    const refreshed = await t.req<SessionJson>('POST', '/auth/refresh', {
      body: { refresh_token: login.json.refresh_token },
    });
    assert.equal(refreshed.status, 200);

    const stored = await t.central.store.users.findByUsername('ann@example.com');
    assert.equal(stored?.passwordHash, null, 'an SSO user has no password');

    // The audit log names the user of each call, and nowhere is the ID token kept.
    const sso = await endedAuditEvents(t, '/auth/sso');
    const events = await t.central.services.audit.query({});
    assert.deepEqual(
      sso.map((e) => [e.user, e.user_id, e.status]),
      [['ann@example.com', login.json.user.id, 200]],
    );
    assert.equal(events.filter((e) => e.path === '/auth/sso/start').length, 1);
    const signature = idToken.split('.')[2] ?? idToken;
    assert.ok(!JSON.stringify(events).includes(signature), 'the audit log holds no ID token');
    assert.ok(!t.logs().includes(signature), 'the log holds no ID token');
    const nonces = await t.central.store.db.selectFrom('sso_nonces').selectAll().execute();
    assert.deepEqual(
      nonces.map((n) => n.nonce_hash),
      [createHash('sha256').update(start.json.nonce).digest('hex')],
      'only the hash of the nonce is stored',
    );
  },
);

ssoTest(
  'each SSO login sets the roles from the groups again; undefined roles are skipped and logged',
  async (t) => {
    const first = await t.req<StartJson>('POST', '/auth/sso/start');
    const bob = await t.req<SessionJson>('POST', '/auth/sso', {
      body: { id_token: await idTokenByBrowser(idp, first.json.nonce, 'bob') },
    });
    assert.equal(bob.status, 200, bob.text);
    // developers → dev and ghost; ghost is no role, so only dev.
    assert.deepEqual(bob.json.user.roles, ['dev']);
    assert.match(t.logs(), /"roles":\["ghost"\].*name roles that are not defined/);

    // An admin gives bob a role by hand; the next login puts back what the IdP says.
    await t.central.store.users.setRoles(bob.json.user.id, ['dev', 'root']);
    const second = await t.req<StartJson>('POST', '/auth/sso/start');
    const moved = await t.req<SessionJson>('POST', '/auth/sso', {
      body: {
        id_token: await idp.mintIdToken({ sub: 'bob', nonce: second.json.nonce, groups: ['platform.team'] }),
      },
    });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.json.user.id, bob.json.user.id, 'the same user');
    assert.deepEqual(moved.json.user.roles, ['admin', 'ops']);

    // In no mapped group: default_roles.
    const third = await t.req<StartJson>('POST', '/auth/sso/start');
    const left = await t.req<SessionJson>('POST', '/auth/sso', {
      body: {
        id_token: await idp.mintIdToken({ sub: 'bob', nonce: third.json.nonce, groups: ['unmapped'] }),
      },
    });
    assert.deepEqual(left.json.user.roles, ['viewer']);
    assert.deepEqual((await t.central.store.users.findById(bob.json.user.id))?.roles, ['viewer']);
    assert.equal(
      (await t.central.store.users.list()).filter((u) => u.username === 'bob@example.com').length,
      1,
    );
  },
);

ssoTest('an ID token cannot be used twice: its nonce is used up', async (t) => {
  const start = await t.req<StartJson>('POST', '/auth/sso/start');
  const idToken = await idTokenByBrowser(idp, start.json.nonce, 'cat');
  assert.equal((await t.req('POST', '/auth/sso', { body: { id_token: idToken } })).status, 200);
  const replay = await t.req('POST', '/auth/sso', { body: { id_token: idToken } });
  assert.equal(replay.status, 401);
  assert.equal(replay.json.error.code, 'UNAUTHENTICATED');
  assert.match(replay.json.error.message, /nonce was already used/);
  assert.ok(!replay.text.includes(idToken.split('.')[2] ?? idToken), 'the refusal does not echo the token');
  // The refused replay is audited under the user the token names.
  const events = await endedAuditEvents(t, '/auth/sso');
  assert.deepEqual(
    events.map((e) => [e.user, e.status]),
    [
      ['cat@example.com', 200],
      ['cat@example.com', 401],
    ],
  );
});

ssoTest('a device-code ID token (no nonce) logs in once, and only while fresh', async (t) => {
  const idToken = await idp.mintIdToken({ sub: 'cat' });
  const login = await t.req<SessionJson>('POST', '/auth/sso', { body: { id_token: idToken } });
  assert.equal(login.status, 200, login.text);
  assert.equal(login.json.user.username, 'cat@example.com');
  assert.deepEqual(login.json.user.roles, ['viewer']);
  const replay = await t.req('POST', '/auth/sso', { body: { id_token: idToken } });
  assert.equal(replay.status, 401);
  assert.match(replay.json.error.message, /this ID token was already used/);
  const used = await t.central.store.db.selectFrom('sso_used_tokens').select('token_hash').execute();
  assert.deepEqual(
    used.map((u) => u.token_hash),
    [createHash('sha256').update(idToken).digest('hex')],
  );

  const now = Math.floor(t.clock().getTime() / 1000);
  const stale = await idp.mintIdToken({ sub: 'cat', iat: now - 10 * 60, exp: now + 3600 });
  const refused = await t.req('POST', '/auth/sso', { body: { id_token: stale } });
  assert.equal(refused.status, 401);
  assert.match(refused.json.error.message, /has no nonce and was issued more than 5 minutes ago/);
});
