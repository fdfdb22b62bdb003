/**
 * What `kgate oidc-login get-token` refuses: every answer of the IdP (or of someone posing
 * as its callback) that does not check out fails the run with a message that says why, and
 * nothing is cached. The plugin runs as a process, without a terminal, as under kubectl.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { OidcProvider } from '@kgate/testkit/oidc';
import { localServerTls } from '@kgate/testkit/tls';
import { decodeJwt } from 'jose';
import {
  ann,
  errorLine,
  getToken,
  oidcLogin,
  oidcSandbox,
  redirectUriOf,
  startIdp,
  stateOf,
} from './oidc-support.ts';

let idp: OidcProvider;

before(async () => {
  idp = await startIdp();
});

after(() => idp.close());

const signIn = { username: ann.email, password: ann.password };

/** Sends one GET to the loopback server, as a browser (or an attacker's page) would. */
async function visit(url: URL): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

test('a forged callback that reaches the loopback server first ends the login: wrong state, nothing cached', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  idp.requests.length = 0;
  const run = getToken(box, box.flags(idp));
  const url = await box.browser.nextUrl();
  // Another program on this machine races the browser to the callback with a code of its own.
  const forged = redirectUriOf(url);
  forged.searchParams.set('code', 'attacker-code');
  forged.searchParams.set('state', 'attacker-state');
  forged.searchParams.set('iss', idp.issuer);
  const answer = await visit(forged);
  assert.equal(answer.status, 400);
  assert.match(answer.body, /Login failed/);
  // The real browser comes too late: the one callback was spent, the server is gone.
  await assert.rejects(idp.completeLogin(url, signIn));
  const result = await run;
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '', 'no credential printed');
  assert.match(errorLine(result.stderr), /state does not match/);
  assert.equal(idp.count('token'), 0, 'the forged code was never sent to the IdP');
  assert.deepEqual(box.entries(), [], 'nothing cached');
});

test('a callback with another state from the real browser is refused', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const run = getToken(box, box.flags(idp));
  const url = await box.browser.nextUrl();
  const callback = await idp.completeLogin(url, {
    ...signIn,
    editCallback: (u) => u.searchParams.set('state', 'forged'),
  });
  assert.equal(callback.status, 400);
  const result = await run;
  assert.equal(result.code, 1);
  assert.match(errorLine(result.stderr), /state does not match/);
  assert.deepEqual(box.entries(), []);
});

test('a stray request to the loopback server does not spend the callback, and the server is gone after it', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const run = getToken(box, box.flags(idp));
  const url = await box.browser.nextUrl();
  const redirect = redirectUriOf(url);
  // A request elsewhere on the server does not spend the callback.
  assert.equal((await visit(new URL('/favicon.ico', redirect))).status, 404);
  const callback = await idp.completeLogin(url, signIn);
  assert.equal(callback.status, 200);
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  await assert.rejects(visit(new URL(callback.callbackUrl)), 'the server closed after its one callback');
});

test('a replayed authorization code is refused by the IdP and nothing is cached', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const first = getToken(box, box.flags(idp));
  const used = await idp.completeLogin(await box.browser.nextUrl(), signIn);
  assert.equal((await first).code, 0);

  const other = oidcSandbox(idp);
  t.after(other.cleanup);
  idp.requests.length = 0;
  const second = getToken(other, other.flags(idp));
  const url = await other.browser.nextUrl();
  // The spent code, with this login's state so that only the code itself is wrong.
  const replay = redirectUriOf(url);
  replay.search = new URL(used.callbackUrl).search;
  replay.searchParams.set('state', stateOf(url));
  const answer = await visit(replay);
  assert.equal(answer.status, 400);
  const result = await second;
  assert.equal(result.code, 1);
  assert.match(errorLine(result.stderr), /the provider answered invalid_grant/);
  assert.equal(idp.requests.find((r) => r.endpoint === 'token')?.error, 'invalid_grant');
  assert.deepEqual(other.entries(), []);
});

/** Runs a login whose token response the IdP rewrites with `forge(idToken)`; returns the run. */
async function loginWithForgedIdToken(
  t: { after(fn: () => void): void },
  forge: (claims: Record<string, unknown>) => Promise<string>,
) {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  idp.rewriteTokenResponses(async (body) => ({
    ...body,
    id_token: await forge(decodeJwt(body.id_token ?? '')),
  }));
  t.after(() => idp.rewriteTokenResponses(undefined));
  const run = getToken(box, box.flags(idp));
  const callback = await idp.completeLogin(await box.browser.nextUrl(), signIn);
  assert.equal(callback.status, 400, 'the browser is told the login failed');
  assert.doesNotMatch(callback.body, /eyJ/, 'and is shown no token');
  const result = await run;
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.deepEqual(box.entries(), [], 'nothing cached');
  return result;
}

test('an ID token with another nonce than the one sent is refused', async (t) => {
  const result = await loginWithForgedIdToken(t, (claims) =>
    idp.mintIdToken({ ...claims, nonce: 'not-the-one-sent' }),
  );
  assert.match(errorLine(result.stderr), /nonce is not the one this login sent/);
});

test('an ID token for another audience is refused', async (t) => {
  const result = await loginWithForgedIdToken(t, (claims) =>
    idp.mintIdToken({ ...claims, aud: 'someone-else' }),
  );
  assert.match(errorLine(result.stderr), /issued to another client \(aud\)/);
});

test('an expired ID token is refused', async (t) => {
  const past = Math.floor(Date.now() / 1000) - 3600;
  const result = await loginWithForgedIdToken(t, (claims) =>
    idp.mintIdToken({ ...claims, iat: past - 60, auth_time: past - 60, exp: past }),
  );
  assert.match(errorLine(result.stderr), /the ID token has expired/);
});

test('an ID token signed with a key the IdP never published is refused', async (t) => {
  const result = await loginWithForgedIdToken(t, (claims) => idp.mintIdToken(claims, { wrongKey: true }));
  assert.match(errorLine(result.stderr), /signature does not verify with the provider's published keys/);
});

test('an IdP that does not list S256 for PKCE gets no login at all', async (t) => {
  const plain = await startIdp({ codeChallengeMethods: ['plain'] });
  t.after(() => plain.close());
  const box = oidcSandbox(plain);
  t.after(box.cleanup);
  const result = await getToken(box, box.flags(plain));
  assert.equal(result.code, 1);
  assert.match(errorLine(result.stderr), /does not list S256 in code_challenge_methods_supported/);
  assert.deepEqual(box.browser.opened(), [], 'no browser was opened');
  const again = await getToken(box, box.flags(plain));
  assert.match(
    errorLine(again.stderr),
    /does not list S256/,
    'a refused login is not a login attempt to throttle',
  );
  assert.equal(plain.count('authorization'), 0);
  assert.deepEqual(box.entries(), []);
});

test('a program already listening on the preferred port is left alone and the login uses another port', async (t) => {
  const foreign = createServer();
  let connections = 0;
  foreign.on('connection', (socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  t.after(() => foreign.close());
  const port = (foreign.address() as { port: number }).port;
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const flags = box.flags(idp).filter((f) => !f.startsWith('--listen-address'));
  const run = getToken(box, [...flags, `--listen-address=127.0.0.1:${port}`]);
  const url = await box.browser.nextUrl();
  const redirect = redirectUriOf(url);
  assert.notEqual(redirect.port, String(port), 'another port');
  assert.equal(redirect.hostname, '127.0.0.1');
  await idp.completeLogin(url, signIn);
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(connections, 0, 'the other program got no connection');
  assert.equal(JSON.parse(result.stdout).kind, 'ExecCredential');
});

test('a cache file readable by others (0644) is refused, not read, not replaced, and the IdP is not asked', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const first = getToken(box, box.flags(idp));
  await idp.completeLogin(await box.browser.nextUrl(), signIn);
  assert.equal((await first).code, 0);
  const [name] = box.entries();
  assert.ok(name);
  const file = path.join(box.cacheDir, name);
  chmodSync(file, 0o644);
  const before = readFileSync(file, 'utf8');
  idp.requests.length = 0;
  const result = await getToken(box, box.flags(idp));
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.ok(errorLine(result.stderr).includes(file), 'the message names the file');
  assert.match(errorLine(result.stderr), /mode 0644/);
  assert.match(result.stderr, /kgate oidc-login clean|chmod 600/, 'and says how to fix it');
  assert.equal(readFileSync(file, 'utf8'), before, 'the file was not replaced');
  assert.deepEqual(idp.requests, [], 'no login was started');
});

test('a symbolically linked cache folder is refused and nothing is written through it', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const elsewhere = path.join(box.dir, 'elsewhere');
  mkdirSync(elsewhere, { mode: 0o700 });
  mkdirSync(path.dirname(box.cacheDir), { recursive: true });
  symlinkSync(elsewhere, box.cacheDir);
  const result = await getToken(box, box.flags(idp));
  assert.equal(result.code, 1);
  assert.ok(errorLine(result.stderr).includes(box.cacheDir), 'the message names the folder');
  assert.match(errorLine(result.stderr), /is a symbolic link/);
  assert.deepEqual(readdirSync(elsewhere), [], 'nothing was written where the link points');
  assert.deepEqual(box.browser.opened(), [], 'no login was started');
});

test('without a terminal, no second browser login starts right after one that did not complete', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const first = getToken(box, box.flags(idp));
  // The user cancels at the IdP: the plugin gets access_denied.
  await idp.completeLogin(await box.browser.nextUrl(), { ...signIn, deny: true });
  const denied = await first;
  assert.equal(denied.code, 1);
  assert.match(errorLine(denied.stderr), /access_denied/);
  idp.requests.length = 0;
  const again = await getToken(box, box.flags(idp));
  assert.equal(again.code, 1);
  assert.match(errorLine(again.stderr), /did not complete .* not opening another one without a terminal/);
  assert.equal(box.browser.opened().length, 1, 'no second browser');
  assert.equal(idp.count('authorization'), 0);
  // `clean` resets the guard: the next run may log in again.
  const cleaned = await oidcLogin(box, ['clean']);
  assert.equal(cleaned.code, 0, cleaned.stderr);
  const third = getToken(box, box.flags(idp));
  await idp.completeLogin(await box.browser.nextUrl(), signIn);
  assert.equal((await third).code, 0);
});

test('an IdP whose certificate the given CA did not sign is refused, naming the CA file', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  writeFileSync(box.caFile, (await localServerTls()).ca);
  const result = await getToken(box, box.flags(idp));
  assert.equal(result.code, 1);
  const line = errorLine(result.stderr);
  assert.match(line, /certificate at https:\/\/127\.0\.0\.1:\d+ is not trusted/);
  assert.ok(line.includes(box.caFile), 'the CA file is named');
  assert.deepEqual(box.browser.opened(), []);
});

test('password and authcode-keyboard logins without a terminal say they need one, before any prompt', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  for (const grant of ['password', 'authcode-keyboard']) {
    const result = await getToken(box, [...box.flags(idp), `--grant-type=${grant}`, '--username=ann']);
    assert.equal(result.code, 1);
    assert.match(errorLine(result.stderr), new RegExp(`--grant-type ${grant}.* needs a terminal`));
    assert.doesNotMatch(result.stderr, /Password|enter the code/, 'no prompt was shown');
  }
  assert.deepEqual(box.browser.opened(), []);
  assert.deepEqual(box.entries(), []);
});
