/**
 * What single sign-on refuses, and how: every bad ID token gets 401 saying which check
 * failed (never echoing the token) and creates no user; failures are throttled; password
 * login can be switched off; `GET /info` tells the CLI how to log in.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type OidcProvider, startOidcProvider } from '@kgate/testkit/oidc';
import { type HttpResult, removeDataDir, type SessionJson, startTestCentral } from './helpers/central.ts';
import {
  CLIENT_ID,
  endedAuditEvents,
  idTokenByBrowser,
  PASSWORD,
  startIdp,
  startSsoCentral,
} from './sso-support.ts';

let idp: OidcProvider;
let t: Awaited<ReturnType<typeof startSsoCentral>>;
before(async () => {
  idp = await startIdp();
  t = await startSsoCentral(idp);
});
after(async () => {
  await t.cleanup();
  await idp.close();
});

async function nonce(): Promise<string> {
  const res = await t.req<{ nonce: string }>('POST', '/auth/sso/start');
  assert.equal(res.status, 200);
  return res.json.nonce;
}

/**
 * Posts an ID token that must be refused, then moves central's clock past the throttle
 * window: these tests refuse more tokens in a row than the throttle lets through.
 */
async function refusal(idToken: string): Promise<HttpResult> {
  const res = await t.req('POST', '/auth/sso', { body: { id_token: idToken } });
  t.clock.advance(61_000);
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json.error.code, 'UNAUTHENTICATED');
  assert.match(res.json.error.message, /^single sign-on refused: /);
  assert.ok(!res.text.includes(idToken.split('.')[2] ?? idToken), 'the refusal does not echo the token');
  return res;
}

const seconds = () => Math.floor(t.clock().getTime() / 1000);

test('GET /info tells the CLI the IdP, the client and the scopes to log in with', async () => {
  const info = await t.req<{ sso: unknown; password_login: boolean }>('GET', '/info');
  assert.equal(info.status, 200);
  assert.deepEqual(info.json.sso, {
    issuer_url: idp.issuer,
    client_id: CLIENT_ID,
    scopes: ['openid', 'email', 'profile', 'groups'],
  });
  assert.equal(info.json.password_login, true);
});

test('an ID token for another client is refused as the wrong audience', async () => {
  const res = await refusal(await idp.mintIdToken({ sub: 'ann', nonce: await nonce(), aud: 'another-app' }));
  assert.match(res.json.error.message, /audience is not this server's client "kgate"/);
});

test('an ID token with several audiences needs azp naming kgate', async () => {
  const res = await refusal(
    await idp.mintIdToken({
      sub: 'ann',
      nonce: await nonce(),
      aud: [CLIENT_ID, 'another-app'],
      azp: 'another-app',
    }),
  );
  assert.match(res.json.error.message, /authorized party \(azp\)/);
});

test('an expired ID token is refused as expired', async () => {
  const now = seconds();
  const res = await refusal(
    await idp.mintIdToken({ sub: 'ann', nonce: await nonce(), iat: now - 900, exp: now - 120 }),
  );
  assert.match(res.json.error.message, /the ID token has expired/);
});

test('a nonce central never handed out is refused', async () => {
  const res = await refusal(await idp.mintIdToken({ sub: 'ann', nonce: 'made-up-by-an-attacker' }));
  assert.match(res.json.error.message, /nonce is unknown to this server/);
});

test('a nonce older than ten minutes is refused as expired', async () => {
  const old = await nonce();
  t.clock.advance(11 * 60_000);
  const now = seconds();
  const res = await refusal(await idp.mintIdToken({ sub: 'ann', nonce: old, iat: now, exp: now + 300 }));
  assert.match(res.json.error.message, /nonce has expired/);
});

test('an ID token signed with a key the IdP does not publish is refused', async () => {
  const res = await refusal(await idp.mintIdToken({ sub: 'ann', nonce: await nonce() }, { wrongKey: true }));
  assert.match(res.json.error.message, /signature does not verify with the keys of https:\/\/127\.0\.0\.1:/);
});

test('an ID token from another issuer is refused, even for the same client and user', async (ctx) => {
  const foreign = await startOidcProvider({
    clients: [{ clientId: CLIENT_ID, redirectUris: ['http://127.0.0.1/callback'] }],
    users: [{ sub: 'ann', email: 'ann@example.com', groups: ['platform.team'], password: PASSWORD }],
  });
  ctx.after(() => foreign.close());
  const res = await refusal(await foreign.mintIdToken({ nonce: await nonce() }));
  assert.match(res.json.error.message, new RegExp(`not issued by ${idp.issuer.replaceAll('.', '\\.')}`));
});

test('an ID token without the username claim is refused, and so is an unverified e-mail', async () => {
  const noMail = await refusal(await idTokenByBrowser(idp, await nonce(), 'nomail'));
  assert.match(noMail.json.error.message, /has no "email" claim to name the user/);
  const unverified = await refusal(await idp.mintIdToken({ sub: 'unverified', nonce: await nonce() }));
  assert.match(unverified.json.error.message, /e-mail address of this account is not verified/);
});

test('something that is not a JWT is refused without a server error', async () => {
  const res = await refusal('not.a-jwt');
  assert.match(res.json.error.message, /not a valid signed JWT/);
  const empty = await t.req('POST', '/auth/sso', { body: { id_token: '' } });
  assert.equal(empty.status, 400);
});

test('no refused login created a user, and each refusal is in the audit log', async () => {
  assert.deepEqual(
    (await t.central.store.users.list()).map((u) => u.username),
    ['admin'],
  );
  const events = await endedAuditEvents(t, '/auth/sso');
  assert.ok(events.length >= 9);
  assert.ok(events.every((e) => e.status === 401 || e.status === 400));
});

test('after 5 failed SSO logins in a minute, even a good token waits (429 with Retry-After)', async () => {
  for (let i = 0; i < 5; i++) {
    const res = await t.req('POST', '/auth/sso', {
      body: { id_token: await idp.mintIdToken({ sub: 'ann', nonce: `bad-${i}` }) },
    });
    assert.equal(res.status, 401);
  }
  const good = await idp.mintIdToken({ sub: 'ann', nonce: await nonce() });
  const paused = await t.req('POST', '/auth/sso', { body: { id_token: good } });
  assert.equal(paused.status, 429);
  assert.equal(paused.json.error.code, 'RATE_LIMITED');
  assert.ok(Number(paused.headers['retry-after']) > 0);
  t.clock.advance(61_000);
  const later = await t.req<SessionJson>('POST', '/auth/sso', { body: { id_token: good } });
  assert.equal(later.status, 200, later.text);
  assert.equal(later.json.user.username, 'ann@example.com');
});

test('with password login off, POST /auth/login is 403 pointing to kgate login --sso, and SSO still works', async (ctx) => {
  const off = await startSsoCentral(idp, { extraAuth: ['  password_login: false'] });
  ctx.after(() => off.cleanup());
  const password = await off.req('POST', '/auth/login', {
    body: { username: 'admin', password: off.adminPassword },
  });
  assert.equal(password.status, 403);
  assert.equal(password.json.error.code, 'PERMISSION_DENIED');
  assert.match(password.json.error.message, /password login is disabled/);
  assert.match(password.json.error.hint ?? '', /kgate login --sso/);
  const info = await off.req<{ password_login: boolean }>('GET', '/info');
  assert.equal(info.json.password_login, false);

  const start = await off.req<{ nonce: string }>('POST', '/auth/sso/start');
  const sso = await off.req<SessionJson>('POST', '/auth/sso', {
    body: { id_token: await idTokenByBrowser(idp, start.json.nonce, 'ann') },
  });
  assert.equal(sso.status, 200, sso.text);
  assert.deepEqual(sso.json.user.roles, ['admin', 'ops']);
});

test('without auth.oidc, GET /info shows no sso and the SSO endpoints say it is not configured', async (ctx) => {
  const plain = await startTestCentral();
  ctx.after(async () => {
    await plain.stop();
    removeDataDir(plain.dataDir);
  });
  const info = await plain.req<Record<string, unknown>>('GET', '/info');
  assert.equal(info.json.sso, undefined);
  const start = await plain.req('POST', '/auth/sso/start');
  assert.equal(start.status, 409);
  assert.match(start.json.error.message, /single sign-on is not configured/);
  const sso = await plain.req('POST', '/auth/sso', { body: { id_token: 'x.y.z' } });
  assert.equal(sso.status, 409);
});

test('central starts while the IdP is down, and an SSO login then answers 503 naming the IdP', async (ctx) => {
  const gone = await startIdp();
  const t2 = await startSsoCentral(gone);
  ctx.after(() => t2.cleanup());
  const token = await gone.mintIdToken({});
  await gone.close();
  const res = await t2.req('POST', '/auth/sso', { body: { id_token: token } });
  assert.equal(res.status, 503);
  assert.equal(res.json.error.code, 'UNAVAILABLE');
  assert.match(res.json.error.message, /cannot reach the identity provider https:\/\/127\.0\.0\.1:/);
  // Password login is unaffected.
  assert.equal(
    (await t2.req('POST', '/auth/login', { body: { username: 'admin', password: t2.adminPassword } })).status,
    200,
  );
});

test('a certificate_authority file that cannot be read stops central at start, naming the key', async (ctx) => {
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'kgate-sso-')), 'data');
  ctx.after(() => removeDataDir(dataDir));
  await assert.rejects(
    startTestCentral({
      dataDir,
      fileText: [
        'auth:',
        '  oidc:',
        `    issuer_url: ${idp.issuer}`,
        `    client_id: ${CLIENT_ID}`,
        '    certificate_authority: /nonexistent/idp-ca.pem',
      ].join('\n'),
    }),
    (error: Error) => {
      assert.match(
        error.message,
        /auth\.oidc\.certificate_authority \/nonexistent\/idp-ca\.pem: cannot read it \(ENOENT\)/,
      );
      return true;
    },
  );
});
