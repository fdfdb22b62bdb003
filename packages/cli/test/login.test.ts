import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { loginAs, memoryKeyring, runKgate, sandbox } from './support/cli.ts';
import { type FakeCentral, startFakeCentral } from './support/fake-central.ts';

let central: FakeCentral;
before(async () => {
  central = await startFakeCentral();
});
after(() => central.close());

function tokenFile(kgateHome: string, server: string): string {
  const key = server.replace(/^https:\/\//, 'https_').replace(/[^A-Za-z0-9.-]+/g, '_');
  return path.join(kgateHome, 'tokens', `${key}.json`);
}

test('login with --password-stdin stores the session in a 0600 file when no keyring service runs', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const result = await loginAs(box, central);
  assert.equal(result.stdout, '', 'login prints nothing on stdout');
  assert.match(result.stderr, /no OS keyring is available/);
  assert.match(result.stderr, /Logged in to https:\/\/127\.0\.0\.1:\d+ as admin \(roles: admin\)/);

  const file = tokenFile(box.kgateHome, central.url);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
  assert.equal(statSync(box.kgateHome).mode & 0o777, 0o700);
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(stored.server, central.url);
  assert.equal(stored.user.username, 'admin');
  assert.ok(
    central.isRefreshTokenLive(stored.refreshToken),
    'the stored refresh token is the one central issued',
  );
  assert.equal(stored.caPem.trim(), central.caPem.trim());

  const config = parse(readFileSync(path.join(box.kgateHome, 'config.yaml'), 'utf8'));
  assert.equal(config.currentServer, central.url);
  assert.equal(config.servers[central.url].certificateAuthority, path.join(box.dir, 'central-ca.pem'));
  assert.doesNotMatch(
    readFileSync(path.join(box.kgateHome, 'config.yaml'), 'utf8'),
    /eyJ|kgr_/,
    'no token in config.yaml',
  );
});

test('login stores the session in the OS keyring when one works, and writes no token file', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const keyring = memoryKeyring();
  const result = await loginAs(box, central, 'admin', 'admin-password-123', { keyring: keyring.load });
  assert.doesNotMatch(result.stderr, /no OS keyring/);
  const entry = keyring.entries.get(`kgate|${central.url}`);
  assert.ok(entry, 'an entry under service kgate, account = server URL');
  assert.equal(JSON.parse(entry).user.username, 'admin');
  assert.throws(() => statSync(tokenFile(box.kgateHome, central.url)), /ENOENT/);
});

test('a wrong password is refused with a message naming the user and no stack', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const ca = box.file('ca.pem', central.caPem);
  const result = await runKgate(
    [
      'login',
      '--server',
      central.url,
      '--username',
      'admin',
      '--password-stdin',
      '--certificate-authority',
      ca,
    ],
    { env: box.env, stdin: 'wrong-password\n' },
  );
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `error: central at ${central.url} refused the login of "admin": wrong username or password\n` +
      'hint: check both and try again (the password is read from the prompt or --password-stdin)\n',
  );
});

test('login without central CA fails on TLS and says to pass --certificate-authority', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const result = await runKgate(
    ['login', '--server', central.url, '--username', 'admin', '--password-stdin'],
    {
      env: box.env,
      stdin: 'admin-password-123\n',
    },
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: central's certificate at https:\/\/127\.0\.0\.1:\d+ is not trusted/);
  assert.match(result.stderr, /hint: pass central's CA certificate with --certificate-authority FILE/);
});

test('the CA given once is remembered for the next login to that server', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central);
  const again = await runKgate(['login', '--username', 'admin', '--password-stdin'], {
    env: box.env,
    stdin: 'admin-password-123\n',
  });
  assert.equal(again.code, 0, again.stderr);
});

test('logging in again revokes the session it replaces', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central);
  const first = JSON.parse(readFileSync(tokenFile(box.kgateHome, central.url), 'utf8')).refreshToken;
  await loginAs(box, central);
  const second = JSON.parse(readFileSync(tokenFile(box.kgateHome, central.url), 'utf8')).refreshToken;
  assert.notEqual(first, second);
  assert.ok(!central.isRefreshTokenLive(first), 'the replaced refresh token is revoked');
  assert.ok(central.isRefreshTokenLive(second));
});

test('a CA file that holds no certificate is refused before anything is sent', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const bogus = box.file('bogus.pem', 'not a certificate\n');
  const before = central.requests.length;
  const result = await runKgate(
    [
      'login',
      '--server',
      central.url,
      '--username',
      'admin',
      '--password-stdin',
      '--certificate-authority',
      bogus,
    ],
    { env: box.env, stdin: 'admin-password-123\n' },
  );
  assert.equal(result.code, 1);
  assert.equal(result.stderr.split('\n')[0], `error: ${bogus} holds no PEM certificate`);
  assert.equal(central.requests.length, before);
});

test('login without a terminal and without --password-stdin asks for --password-stdin', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const ca = box.file('ca.pem', central.caPem);
  const result = await runKgate(
    ['login', '--server', central.url, '--username', 'admin', '--certificate-authority', ca],
    { env: box.env },
  );
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: a password is needed and stdin is not a terminal\nhint: pipe it in with --password-stdin/,
  );
});

test('a password on the command line is not accepted', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const result = await runKgate(
    ['login', '--server', central.url, '--username', 'admin', '--password', 'x'],
    {
      env: box.env,
    },
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /unknown option '--password'/);
});

test('an http:// server is refused: kubectl would send no credentials to it', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const result = await runKgate(
    ['login', '--server', 'http://127.0.0.1:1', '--username', 'a', '--password-stdin'],
    {
      env: box.env,
      stdin: 'x\n',
    },
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: --server "http:\/\/127\.0\.0\.1:1" is not https\n/);
});
