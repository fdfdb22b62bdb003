/**
 * The OIDC token cache and the credential it yields, without a provider: the cache key,
 * the checks on the cache folder and files, and the ExecCredential `get-token` prints.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { getTokenMain } from '../src/commands/oidc-login/get-token.ts';
import type { OidcLoginIO } from '../src/commands/oidc-login/io.ts';
import { EXPIRY_MARGIN_MS, type OidcCacheEntry } from '../src/oidc/cache/entry.ts';
import { type CacheKeySettings, oidcCacheKey } from '../src/oidc/cache/key.ts';
import { sha256Hex } from '../src/oidc/cache/sha256.ts';
import { oidcTokenCache } from '../src/oidc/cache/store.ts';
import { parseListenAddress } from '../src/oidc/loopback.ts';
import { parseDuration, parseOidcLoginArgs } from '../src/oidc/settings.ts';
import { sandbox } from './support/cli.ts';

const base: CacheKeySettings = {
  issuerUrl: 'https://idp.example.com',
  clientId: 'kubectl',
  extraScopes: ['email', 'groups'],
  caFile: undefined,
  authRequestExtraParams: [],
  grantType: 'auto',
  username: undefined,
};

test('the cache key hash is SHA-256, as node:crypto computes it', () => {
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex('é'), createHash('sha256').update('é').digest('hex'), 'strings as UTF-8');
  // Every padding case: lengths around the 56- and 64-byte block boundaries, and several blocks.
  for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4099]) {
    const data = randomBytes(length);
    assert.equal(sha256Hex(data), createHash('sha256').update(data).digest('hex'), `${length} bytes`);
  }
});

test('the cache key tells apart every setting that changes whose tokens they are', (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const key = oidcCacheKey(base);
  assert.match(key, /^[0-9a-f]{64}$/);
  const caA = box.file('a.pem', 'CA one');
  const caB = box.file('b.pem', 'CA two');
  const different: CacheKeySettings[] = [
    { ...base, issuerUrl: 'https://idp.example.com/' },
    { ...base, issuerUrl: 'https://other.example.com' },
    { ...base, clientId: 'kubectl-2' },
    { ...base, extraScopes: ['email'] },
    { ...base, caFile: caA },
    { ...base, authRequestExtraParams: [['audience', 'k8s']] },
    { ...base, grantType: 'password', username: 'ann' },
  ];
  const keys = new Set([key, ...different.map(oidcCacheKey)]);
  assert.equal(keys.size, different.length + 1, 'every change gives another key');
  assert.notEqual(
    oidcCacheKey({ ...base, caFile: caA }),
    oidcCacheKey({ ...base, caFile: caB }),
    'CA by content',
  );
  writeFileSync(caB, 'CA one');
  assert.equal(oidcCacheKey({ ...base, caFile: caA }), oidcCacheKey({ ...base, caFile: caB }), 'not by path');
  assert.notEqual(
    oidcCacheKey({ ...base, grantType: 'password', username: 'ann' }),
    oidcCacheKey({ ...base, grantType: 'password', username: 'bob' }),
  );
});

test('the cache key stays the same for settings that only change how the login happens', () => {
  const key = oidcCacheKey(base);
  assert.equal(oidcCacheKey({ ...base, extraScopes: ['groups', 'email'] }), key, 'scope order');
  assert.equal(
    oidcCacheKey({ ...base, extraScopes: ['email', 'groups', 'openid'] }),
    key,
    'openid is implied',
  );
  assert.equal(oidcCacheKey({ ...base, grantType: 'device-code' }), key, 'device code or browser');
  assert.equal(
    oidcCacheKey({ ...base, grantType: 'authcode', username: 'ann' }),
    key,
    'a username a browser login ignores',
  );
  const flags = (extra: string[]) =>
    parseOidcLoginArgs(
      ['--issuer-url=https://idp.example.com', '--client-id=kubectl', ...extra],
      {},
      'get-token',
    );
  const plain = flags([]);
  const tuned = flags([
    '--listen-address=127.0.0.1:9000',
    '--authentication-timeout=5m',
    '--skip-open-browser',
  ]);
  assert.ok(plain !== 'help' && tuned !== 'help');
  assert.equal(oidcCacheKey(plain), oidcCacheKey(tuned));
});

test('an unreadable --certificate-authority is named in the error', () => {
  assert.throws(
    () => oidcCacheKey({ ...base, caFile: '/nonexistent/ca.pem' }),
    (error: unknown) =>
      isKgateError(error, 'CA_FILE_INVALID') && error.message.includes('/nonexistent/ca.pem'),
  );
});

function jwt(claims: Record<string, unknown>): string {
  return [{ alg: 'RS256' }, claims]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .concat('signature')
    .join('.');
}

function entry(key: string, idExp: number, accessExp = idExp): OidcCacheEntry {
  return {
    version: 1,
    key,
    issuer: base.issuerUrl,
    clientId: base.clientId,
    idToken: jwt({ sub: 'ann', exp: idExp }),
    accessToken: `access-${accessExp}`,
    refreshToken: 'refresh',
    idTokenExpiresAt: new Date(idExp * 1000).toISOString(),
    accessTokenExpiresAt: new Date(accessExp * 1000).toISOString(),
  };
}

const nowS = () => Math.floor(Date.now() / 1000);

test('a saved entry is a 0600 file in a 0700 folder, written whole, and reads back', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const dir = path.join(box.home, '.kube', 'cache', 'kgate');
  const cache = oidcTokenCache({ dir, storage: 'disk', keyring: null });
  const saved = entry('a'.repeat(64), nowS() + 3600);
  const where = await cache.save(saved);
  assert.equal(where.where, path.join(dir, `${'a'.repeat(64)}.json`));
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(where.where).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), [`${'a'.repeat(64)}.json`], 'no temporary file is left');
  assert.deepEqual(await cache.load('a'.repeat(64)), saved);
  // A file renamed to another key's name is not that key's entry.
  writeFileSync(path.join(dir, `${'b'.repeat(64)}.json`), readFileSync(where.where), { mode: 0o600 });
  assert.equal(await cache.load('b'.repeat(64)), undefined);
});

/** Asserts that `run` fails with OIDC_CACHE_UNSAFE naming `target` and matching `detail`. */
async function assertUnsafe(run: () => Promise<unknown>, target: string, detail: RegExp): Promise<void> {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(isKgateError(error, 'OIDC_CACHE_UNSAFE'), String(error));
    assert.ok(error.message.includes(target), `the message names ${target}: ${error.message}`);
    assert.match(error.message, detail);
    assert.ok(error.hint, 'with a hint');
    return true;
  });
}

test('cache files and folders others could read, write or redirect are refused before any read or write', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const dir = path.join(box.dir, 'cache');
  const cache = oidcTokenCache({ dir, storage: 'disk', keyring: null });
  const key = 'c'.repeat(64);
  const file = path.join(dir, `${key}.json`);
  await cache.save(entry(key, nowS() + 3600));
  const text = readFileSync(file, 'utf8');

  chmodSync(file, 0o644);
  await assertUnsafe(() => cache.load(key), file, /mode 0644/);
  await assertUnsafe(() => cache.save(entry(key, nowS() + 7200)), file, /mode 0644/);
  assert.equal(readFileSync(file, 'utf8'), text, 'not replaced');
  chmodSync(file, 0o600);

  chmodSync(dir, 0o777);
  await assertUnsafe(() => cache.load(key), dir, /mode 0777: others can write to it/);
  chmodSync(dir, 0o770);
  await assertUnsafe(() => cache.save(entry(key, nowS() + 7200)), dir, /others can write to it/);
  assert.equal(readFileSync(file, 'utf8'), text, 'not replaced');
  chmodSync(dir, 0o700);

  const other = path.join(box.dir, 'elsewhere.json');
  writeFileSync(other, text, { mode: 0o600 });
  const linkKey = 'd'.repeat(64);
  symlinkSync(other, path.join(dir, `${linkKey}.json`));
  await assertUnsafe(() => cache.load(linkKey), path.join(dir, `${linkKey}.json`), /is a symbolic link/);

  const linkedDir = path.join(box.dir, 'linked-cache');
  symlinkSync(dir, linkedDir);
  const viaLink = oidcTokenCache({ dir: linkedDir, storage: 'disk', keyring: null });
  await assertUnsafe(() => viaLink.load(key), linkedDir, /is a symbolic link/);
  await assertUnsafe(() => viaLink.save(entry('e'.repeat(64), nowS() + 60)), linkedDir, /is a symbolic link/);
  assert.ok(!readdirSync(dir).includes(`${'e'.repeat(64)}.json`), 'nothing written through the link');
});

test('a cache folder or file of another user is refused', {
  skip: process.getuid?.() !== 0 && 'needs root to chown',
}, async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const dir = path.join(box.dir, 'cache');
  const cache = oidcTokenCache({ dir, storage: 'disk', keyring: null });
  const key = 'f'.repeat(64);
  await cache.save(entry(key, nowS() + 3600));
  const file = path.join(dir, `${key}.json`);
  chownSync(file, 4242, 4242);
  await assertUnsafe(() => cache.load(key), file, /belongs to uid 4242/);
  chownSync(file, 0, 0);
  chownSync(dir, 4242, 4242);
  await assertUnsafe(() => cache.load(key), dir, /belongs to uid 4242/);
});

/** Runs get-token in-process with a stand-in slow path; returns what it printed and whether it went slow. */
async function runGetToken(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  let slow = false;
  const io: OidcLoginIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
    stdin: () => Readable.from([]),
    stdinIsTerminal: () => false,
  };
  const code = await getTokenMain(args, io, {
    keyring: null,
    loadSlowPath: async () => ({
      getTokenSlow: async () => {
        slow = true;
        return 7;
      },
    }),
  });
  return { code, stdout, stderr, slow };
}

const execInfo = (apiVersion: string) =>
  JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: { interactive: false } });

test('get-token prints only the ExecCredential of the cached ID token, v1 or the v1beta1 kubectl asks for', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const flags = [
    `--issuer-url=${base.issuerUrl}`,
    `--client-id=${base.clientId}`,
    '--extra-scope=email,groups',
  ];
  const settings = parseOidcLoginArgs(flags, box.env, 'get-token');
  assert.ok(settings !== 'help');
  const exp = nowS() + 1800;
  const cached = entry(oidcCacheKey(settings), exp, exp - 600);
  await oidcTokenCache({ dir: settings.cacheDir, storage: 'disk', keyring: null }).save(cached);

  for (const [env, apiVersion] of [
    [{}, 'client.authentication.k8s.io/v1'],
    [
      { KUBERNETES_EXEC_INFO: execInfo('client.authentication.k8s.io/v1') },
      'client.authentication.k8s.io/v1',
    ],
    [
      { KUBERNETES_EXEC_INFO: execInfo('client.authentication.k8s.io/v1beta1') },
      'client.authentication.k8s.io/v1beta1',
    ],
  ] as const) {
    const result = await runGetToken(flags, { ...box.env, ...env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(result.slow, false, 'from the cache');
    const credential = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(credential), ['kind', 'apiVersion', 'spec', 'status']);
    assert.equal(credential.apiVersion, apiVersion);
    assert.equal(credential.status.token, cached.idToken);
    const expiry = Date.parse(credential.status.expirationTimestamp);
    assert.ok(expiry <= exp * 1000, 'expirationTimestamp is not later than the ID token exp');
    assert.ok(expiry > exp * 1000 - 2000, 'and not needlessly early');
  }

  const access = await runGetToken([...flags, '--use-access-token'], box.env);
  const credential = JSON.parse(access.stdout);
  assert.equal(credential.status.token, cached.accessToken);
  assert.ok(
    Date.parse(credential.status.expirationTimestamp) <= (exp - 600) * 1000,
    'the access token expiry',
  );
});

test('get-token goes to the IdP when the cached token expires within the margin, and for unknown flags fails at once', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const flags = [`--issuer-url=${base.issuerUrl}`, `--client-id=${base.clientId}`];
  const settings = parseOidcLoginArgs(flags, box.env, 'get-token');
  assert.ok(settings !== 'help');
  const cache = oidcTokenCache({ dir: settings.cacheDir, storage: 'disk', keyring: null });
  await cache.save(entry(oidcCacheKey(settings), nowS() + Math.floor(EXPIRY_MARGIN_MS / 1000) - 1));
  const result = await runGetToken(flags, box.env);
  assert.equal(result.slow, true);
  assert.equal(result.code, 7);
  assert.equal(result.stdout, '');

  const bad = await runGetToken([...flags, '--listen-adress=127.0.0.1:1'], box.env);
  assert.equal(bad.code, 1);
  assert.equal(bad.slow, false);
  assert.match(bad.stderr, /^kgate oidc-login: .*listen-adress/);
});

test('flags that could leak the login or make no sense are refused with the flag named', () => {
  assert.throws(
    () => parseListenAddress('0.0.0.0:8000'),
    /--listen-address 0\.0\.0\.0:8000 is not a loopback address/,
  );
  assert.throws(() => parseListenAddress('192.168.1.5:8000'), /not a loopback address/);
  assert.throws(() => parseListenAddress('localhost'), /is not HOST:PORT/);
  assert.deepEqual(parseListenAddress('127.0.0.1:8000'), { host: '127.0.0.1', port: 8000 });
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
  const parse = (flags: string[]) => parseOidcLoginArgs(flags, {}, 'get-token');
  assert.throws(
    () => parse(['--issuer-url=http://idp.example.com', '--client-id=x']),
    /--issuer-url .* is not https/,
  );
  assert.throws(() => parse(['--issuer-url=https://idp.example.com']), /--client-id is required/);
  assert.throws(
    () => parse(['--issuer-url=https://i.example', '--client-id=x', '--grant-type=implicit']),
    /--grant-type "implicit" is not valid/,
  );
  assert.throws(
    () => parse(['--issuer-url=https://i.example', '--client-id=x', '--kubeconfig=k']),
    /--kubeconfig is a flag of `setup` only/,
  );
  assert.equal(parseDuration('180s', 'f'), 180_000);
  assert.equal(parseDuration('1m30s', 'f'), 90_000);
  assert.equal(parseDuration('90', 'f'), 90_000);
  assert.throws(
    () => parseDuration('soon', '--authentication-timeout'),
    /--authentication-timeout "soon" is not a duration/,
  );
});

test('the client secret can come from the environment instead of the process arguments', () => {
  const settings = parseOidcLoginArgs(
    ['--issuer-url=https://i.example', '--client-id=x'],
    { KGATE_OIDC_CLIENT_SECRET: 'from-env' },
    'get-token',
  );
  assert.ok(settings !== 'help');
  assert.equal(settings.clientSecret, 'from-env');
});

test('a cache folder that does not exist yet is created 0700 under a HOME whose .kube is missing', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  mkdirSync(box.home, { recursive: true });
  const dir = path.join(box.home, '.kube', 'cache', 'kgate');
  const cache = oidcTokenCache({ dir, storage: 'disk', keyring: null });
  assert.equal(await cache.load('a'.repeat(64)), undefined, 'a miss, no error');
  await cache.save(entry('a'.repeat(64), nowS() + 60));
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});
