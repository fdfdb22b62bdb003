import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ACCESS_TOKEN_AUDIENCE, REFRESH_TOKEN_PREFIX } from '@kgate/central';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  importPKCS8,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { removeDataDir, type SessionJson, startTestCentral, type TestCentral } from './helpers/central.ts';

let t: TestCentral;
before(async () => {
  t = await startTestCentral();
});
after(async () => {
  await t.stop();
  removeDataDir(t.dataDir);
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('logging in returns an access token, a kgr_ refresh token and the user with its roles', async () => {
  const res = await t.req<SessionJson>('POST', '/auth/login', {
    body: { username: 'admin', password: t.adminPassword },
  });
  assert.equal(res.status, 200);
  assert.equal(res.json.token_type, 'Bearer');
  assert.equal(res.json.expires_in, 900);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(res.json.user.roles, ['admin']);
  assert.equal(res.json.user.username, 'admin');
  assert.match(res.json.refresh_token, new RegExp(`^${REFRESH_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`));
  const header = decodeProtectedHeader(res.json.access_token);
  assert.equal(header.alg, 'RS256');
  assert.ok(header.kid);
  const claims = decodeJwt(res.json.access_token);
  assert.equal(claims.iss, t.central.url);
  assert.equal(claims.aud, ACCESS_TOKEN_AUDIENCE);
  assert.equal(claims.sub, res.json.user.id);
  assert.equal(claims.name, 'admin');
  assert.deepEqual(claims.roles, ['admin']);
  assert.ok(claims.jti);
  assert.equal(Number(claims.exp) - Number(claims.iat), 900);
});

test('the access token verifies against GET /.well-known/jwks.json, which needs no token', async () => {
  const { access } = await t.login('admin', t.adminPassword);
  const jwks = await t.req<{ keys: JWK[] }>('GET', '/.well-known/jwks.json');
  assert.equal(jwks.status, 200);
  assert.equal(jwks.json.keys.length, 1);
  assert.equal(jwks.json.keys[0]?.d, undefined, 'no private part is published');
  const { payload } = await jwtVerify(access, createLocalJWKSet(jwks.json), {
    issuer: t.central.url,
    audience: 'kgate',
  });
  assert.equal(payload.name, 'admin');
});

test('whoami names the caller; without a token it is 401 with the error shape', async () => {
  const { access } = await t.login('admin', t.adminPassword);
  const me = await t.req<{ id: string; username: string; roles: string[] }>('GET', '/auth/whoami', {
    token: access,
  });
  assert.equal(me.status, 200);
  assert.equal(me.json.username, 'admin');
  assert.deepEqual(me.json.roles, ['admin']);
  const anonymous = await t.req('GET', '/auth/whoami');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.json.error.code, 'UNAUTHENTICATED');
  const garbage = await t.req('GET', '/auth/whoami', { token: 'not-a-jwt' });
  assert.equal(garbage.status, 401);
  assert.equal(garbage.json.error.code, 'UNAUTHENTICATED');
});

test('an unknown user and a wrong password get the same 401 and the same body', async () => {
  const wrong = await t.req('POST', '/auth/login', {
    body: { username: 'admin', password: 'wrong-password-1' },
  });
  const unknown = await t.req('POST', '/auth/login', {
    body: { username: 'nobody', password: 'wrong-password-1' },
  });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, wrong.status);
  assert.equal(unknown.text, wrong.text);
  assert.equal(wrong.json.error.code, 'UNAUTHENTICATED');
});

test('refreshing gives a new pair each time, and the new tokens work', async () => {
  const first = await t.login('admin', t.adminPassword);
  const rotated = await t.req<SessionJson>('POST', '/auth/refresh', {
    body: { refresh_token: first.refresh },
  });
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.json.refresh_token, first.refresh);
  assert.equal(rotated.json.user.username, 'admin');
  const whoami = await t.req('GET', '/auth/whoami', { token: rotated.json.access_token });
  assert.equal(whoami.status, 200);
  const again = await t.req<SessionJson>('POST', '/auth/refresh', {
    body: { refresh_token: rotated.json.refresh_token },
  });
  assert.equal(again.status, 200);
});

test('reusing a rotated refresh token revokes every token of that login, but not other logins', async () => {
  const stolen = await t.login('admin', t.adminPassword);
  const other = await t.login('admin', t.adminPassword);
  const legit = await t.req<SessionJson>('POST', '/auth/refresh', {
    body: { refresh_token: stolen.refresh },
  });
  assert.equal(legit.status, 200);
  const replay = await t.req('POST', '/auth/refresh', { body: { refresh_token: stolen.refresh } });
  assert.equal(replay.status, 401);
  assert.equal(replay.json.error.code, 'UNAUTHENTICATED');
  const afterTheft = await t.req('POST', '/auth/refresh', {
    body: { refresh_token: legit.json.refresh_token },
  });
  assert.equal(afterTheft.status, 401, 'the newest token of the family is revoked too');
  const unrelated = await t.req('POST', '/auth/refresh', { body: { refresh_token: other.refresh } });
  assert.equal(unrelated.status, 200, 'another login is untouched');
  assert.match(t.logs(), /revoked refresh token reused/);
});

test('logout revokes the refresh token (204) and it can no longer refresh', async () => {
  const session = await t.login('admin', t.adminPassword);
  const out = await t.req('POST', '/auth/logout', { body: { refresh_token: session.refresh } });
  assert.equal(out.status, 204);
  assert.equal(out.text, '');
  const res = await t.req('POST', '/auth/refresh', { body: { refresh_token: session.refresh } });
  assert.equal(res.status, 401);
  const unknown = await t.req('POST', '/auth/logout', { body: { refresh_token: 'kgr_unknown' } });
  assert.equal(unknown.status, 204, 'logout says nothing about whether a token existed');
});

test('refresh with a made-up or malformed token is 401/400 with the error shape', async () => {
  const res = await t.req('POST', '/auth/refresh', {
    body: { refresh_token: `${REFRESH_TOKEN_PREFIX}${'A'.repeat(43)}` },
  });
  assert.equal(res.status, 401);
  const missing = await t.req('POST', '/auth/refresh', { body: {} });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.code, 'INVALID_ARGUMENT');
  assert.match(missing.json.error.message, /body\.refresh_token/);
});

test('tokens are refused when forged: alg none, HS256 keyed with the public key, unknown kid, tampered, foreign key', async () => {
  const { access } = await t.login('admin', t.adminPassword);
  const [headerPart, payloadPart] = access.split('.');
  const header = decodeProtectedHeader(access);
  const claims = decodeJwt(access);
  const jwks = (await t.req<{ keys: JWK[] }>('GET', '/.well-known/jwks.json')).json;
  const publicPem = createPublicKey({ key: jwks.keys[0] as JWK & { kty: string }, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();

  const forgeries: Record<string, string> = {};
  forgeries.algNone = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${payloadPart}.`;
  const hsHeader = b64url({ alg: 'HS256', kid: header.kid, typ: 'at+jwt' });
  const hsSig = createHmac('sha256', publicPem).update(`${hsHeader}.${payloadPart}`).digest('base64url');
  forgeries.hs256WithPublicKey = `${hsHeader}.${payloadPart}.${hsSig}`;
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreignKey = await importPKCS8(
    foreign.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    'RS256',
  );
  forgeries.foreignKeySameKid = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: 'at+jwt' })
    .sign(foreignKey);
  forgeries.unknownKid = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'some-other-kid', typ: 'at+jwt' })
    .sign(foreignKey);
  forgeries.tamperedRoles = `${headerPart}.${b64url({ ...claims, roles: ['admin', 'root'] })}.${access.split('.')[2]}`;

  for (const [name, token] of Object.entries(forgeries)) {
    const res = await t.req('GET', '/auth/whoami', { token });
    assert.equal(res.status, 401, `${name} must be refused`);
    assert.equal(res.json.error.code, 'UNAUTHENTICATED', name);
  }
  assert.equal(
    (await t.req('GET', '/auth/whoami', { token: access })).status,
    200,
    'the genuine token still works',
  );
});

test("a token signed with central's own key but for another audience, issuer or type is refused", async () => {
  const { access } = await t.login('admin', t.adminPassword);
  const claims = decodeJwt(access);
  const header = decodeProtectedHeader(access);
  const row = await t.central.store.db
    .selectFrom('signing_keys')
    .select('private_key_pem')
    .where('kid', '=', String(header.kid))
    .executeTakeFirstOrThrow();
  const key = await importPKCS8(row.private_key_pem, 'RS256');
  const sign = (payload: Record<string, unknown>, typ = 'at+jwt') =>
    new SignJWT({ ...claims, ...payload })
      .setProtectedHeader({ alg: 'RS256', kid: header.kid, typ })
      .sign(key);
  const control = await sign({});
  assert.equal(
    (await t.req('GET', '/auth/whoami', { token: control })).status,
    200,
    'control: same key and claims pass',
  );
  for (const token of [
    await sign({ aud: 'kgate-agent:prod' }),
    await sign({ iss: 'https://evil.example.com' }),
    await sign({}, 'JWT'),
  ]) {
    assert.equal((await t.req('GET', '/auth/whoami', { token })).status, 401);
  }
});
