/** `kgate oidc-login logout` and `clean`: what leaves the machine, and what the IdP is told. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { OidcProvider } from '@kgate/testkit/oidc';
import { ann, getToken, type OidcSandbox, oidcLogin, oidcSandbox, startIdp } from './oidc-support.ts';
import { memoryKeyring, runKgate } from './support/cli.ts';

let idp: OidcProvider;

before(async () => {
  idp = await startIdp();
});

after(() => idp.close());

const signIn = { username: ann.email, password: ann.password };

/** Logs in with get-token; returns the cached entry. */
async function logIn(box: OidcSandbox, provider: OidcProvider, extra: string[] = []) {
  const run = getToken(box, box.flags(provider, extra));
  await provider.completeLogin(await box.browser.nextUrl(), signIn);
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  const names = box.entries();
  const name = names.at(-1);
  assert.ok(name);
  return JSON.parse(readFileSync(path.join(box.cacheDir, name), 'utf8'));
}

test('logout revokes the refresh token at the IdP and removes the cached tokens', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const entry = await logIn(box, idp);
  assert.ok(entry.refreshToken, 'the login cached a refresh token');
  assert.equal(await idp.isActive(entry.refreshToken), true);
  idp.revocations.length = 0;
  const result = await oidcLogin(box, ['logout', ...box.flags(idp)]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Revoked the refresh token/);
  assert.equal(idp.revocations.length, 1);
  assert.equal(idp.revocations[0]?.token, entry.refreshToken);
  assert.equal(idp.revocations[0]?.kind, 'refresh_token', 'the provider found and revoked it');
  assert.equal(await idp.isActive(entry.refreshToken), false, 'the IdP no longer accepts it');
  assert.deepEqual(box.entries(), [], 'the cache entry is gone');
  // The next run logs in again instead of using anything left behind.
  idp.requests.length = 0;
  const again = getToken(box, box.flags(idp));
  await idp.completeLogin(await box.browser.nextUrl(), signIn);
  assert.equal((await again).code, 0);
  assert.equal(idp.count('authorization'), 1);
});

test('logout at an IdP without a revocation endpoint still removes the tokens, and says so', async (t) => {
  const noRevocation = await startIdp({ editDiscovery: (doc) => delete doc.revocation_endpoint });
  t.after(() => noRevocation.close());
  const box = oidcSandbox(noRevocation);
  t.after(box.cleanup);
  await logIn(box, noRevocation);
  const result = await oidcLogin(box, ['logout', ...box.flags(noRevocation)]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /has no revocation endpoint; only the cached tokens are removed/);
  assert.deepEqual(noRevocation.revocations, []);
  assert.deepEqual(box.entries(), []);
});

test('logout of flags with nothing cached changes nothing and succeeds', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  idp.requests.length = 0;
  const result = await oidcLogin(box, ['logout', ...box.flags(idp)]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Nothing is cached/);
  assert.deepEqual(idp.requests, [], 'the IdP was not asked');
});

test('clean removes every cached login, and the next run logs in again', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  await logIn(box, idp);
  await logIn(box, idp, ['--extra-scope=email']);
  assert.equal(box.entries().length, 2, 'two flag sets, two entries');
  const result = await oidcLogin(box, ['clean']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr.match(/\.json/g)?.length, 2, 'both files are named');
  assert.deepEqual(box.entries(), []);
  idp.requests.length = 0;
  const again = getToken(box, box.flags(idp));
  await idp.completeLogin(await box.browser.nextUrl(), signIn);
  assert.equal((await again).code, 0);
  assert.equal(idp.count('authorization'), 1, 'a new login');
});

test('with a working keyring the tokens go there, the file beside them holds none, and clean removes both', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const keyring = memoryKeyring();
  const flags = box.flags(idp).filter((f) => f !== '--token-cache-storage=disk');
  const run = runKgate(['oidc-login', 'get-token', ...flags], { env: box.env, keyring: keyring.load });
  await idp.completeLogin(await box.browser.nextUrl(), signIn);
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  const token = JSON.parse(result.stdout).status.token;
  assert.equal(keyring.entries.size, 1, 'one keyring entry');
  const [secret] = [...keyring.entries.values()];
  assert.ok(secret?.includes(token), 'it holds the tokens');
  const [name] = box.entries();
  assert.ok(name);
  const stub = readFileSync(path.join(box.cacheDir, name), 'utf8');
  assert.doesNotMatch(stub, /eyJ/, 'the file holds no token');
  assert.match(stub, /"storage": "keyring"/);
  // A second run reads the keyring (no login).
  idp.requests.length = 0;
  const cached = await runKgate(['oidc-login', 'get-token', ...flags], {
    env: box.env,
    keyring: keyring.load,
  });
  assert.equal(cached.code, 0, cached.stderr);
  assert.equal(JSON.parse(cached.stdout).status.token, token);
  assert.deepEqual(idp.requests, []);
  const cleaned = await runKgate(['oidc-login', 'clean'], { env: box.env, keyring: keyring.load });
  assert.equal(cleaned.code, 0, cleaned.stderr);
  assert.match(cleaned.stderr, /OS keyring/);
  assert.equal(keyring.entries.size, 0, 'the keyring entry is gone');
  assert.deepEqual(box.entries(), [], 'and the file');
});
