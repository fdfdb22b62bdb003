/**
 * `kgate login --sso` end to end: the real kgate-central configured for a real OpenID
 * provider (`@kgate/testkit/oidc`); the test plays the user at the provider (a fake
 * `--browser-command` hands it the login URL, or it reads the device code kgate prints),
 * then uses the stored session with `kgate status` and `kgate clusters list`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { type Central, resolveCentralConfig, startCentral } from '@kgate/central';
import { type OidcProvider, startOidcProvider } from '@kgate/testkit/oidc';
import { decodeJwt } from 'jose';
import { main } from '../src/main.ts';
import { fakeBrowser } from './oidc-support.ts';
import { noKeyringService, runKgate, type Sandbox, sandbox } from './support/cli.ts';

const ann = { sub: 'ann', email: 'ann@example.com', groups: ['platform-team'], password: 'ann-password-1' };
const dev = { sub: 'dev', email: 'dev@example.com', groups: ['developers'], password: 'dev-password-1' };

let idp: OidcProvider;
let central: Central;
let dir: string;
before(async () => {
  idp = await startOidcProvider({
    clients: [{ clientId: 'kgate', redirectUris: ['http://127.0.0.1/callback'] }],
    users: [ann, dev],
  });
  dir = mkdtempSync(path.join(tmpdir(), 'kgate-cli-sso-'));
  const idpCa = path.join(dir, 'idp-ca.pem');
  writeFileSync(idpCa, idp.caPem);
  const config = resolveCentralConfig({
    file: {
      path: path.join(dir, 'central.yaml'),
      text: [
        'auth:',
        '  oidc:',
        `    issuer_url: ${idp.issuer}`,
        '    client_id: kgate',
        `    certificate_authority: ${idpCa}`,
        '    extra_scopes: [groups]',
        '    role_mapping:',
        '      platform-team: [admin]',
        '      developers: [developer]',
      ].join('\n'),
    },
    env: {},
    flags: {
      dataDir: path.join(dir, 'data'),
      listen: '127.0.0.1:0',
      agentListen: '127.0.0.1:0',
      logLevel: 'warn',
    },
    home: dir,
  });
  central = await startCentral({
    config,
    bootstrapAdminPassword: 'admin-password-123',
    notices: { write: () => true },
    logDestination: { write: () => true },
    scryptCost: { ln: 10, r: 8, p: 1 },
  });
  await central.services.rbac.apply({
    roles: [
      { name: 'developer', rules: [{ clusters: ['dev-*'], resources: ['pods'], verbs: ['get', 'list'] }] },
    ],
  });
  for (const name of ['prod', 'dev-1']) {
    await central.store.clusters.create({ id: `id-${name}`, name, createdAt: new Date() });
  }
});
after(async () => {
  await central.close();
  await idp.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `--certificate-authority`: central's CA, and the IdP's (a company CA would sign both). */
function caBundle(box: Sandbox): string {
  return box.file('cas.pem', `${central.caCertPem.trim()}\n${idp.caPem.trim()}\n`);
}

/** Runs kgate in-process, with what it prints on stderr readable while it runs. */
function startKgate(
  argv: string[],
  box: Sandbox,
): { stderr: () => string; done: Promise<{ code: number; stderr: string }> } {
  let stderr = '';
  const done = main(argv, {
    keyring: noKeyringService,
    env: box.env,
    stdin: Readable.from([]),
    stdout: { write: () => true },
    stderr: {
      write: (chunk: string) => {
        stderr += chunk;
      },
    },
  }).then((code) => ({ code, stderr }));
  return { stderr: () => stderr, done };
}

async function waitFor<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('kgate login --sso logs in through the browser; status shows the IdP user with mapped roles, and clusters list works', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const browser = fakeBrowser(box.dir);
  const run = startKgate(
    [
      'login',
      '--sso',
      '--server',
      central.url,
      '--certificate-authority',
      caBundle(box),
      '--browser-command',
      browser.command,
    ],
    box,
  );
  const url = new URL(await browser.nextUrl());
  assert.equal(url.origin, idp.issuer);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  assert.equal(url.searchParams.get('scope'), 'openid email profile groups');
  assert.ok(url.searchParams.get('nonce'), 'the nonce central handed out');
  const answer = await idp.completeLogin(url.href, { username: 'ann', password: ann.password });
  assert.equal(answer.status, 200);
  const login = await run.done;
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, /Logged in to https:\/\/127\.0\.0\.1:\d+ as ann@example\.com \(roles: admin\)/);

  // Stored like a password login: a 0600 token file, no ID token in it.
  const tokens = path.join(box.kgateHome, 'tokens');
  const [file] = readdirSync(tokens);
  assert.ok(file);
  const stored = readFileSync(path.join(tokens, file), 'utf8');
  assert.equal(JSON.parse(stored).user.username, 'ann@example.com');
  const jwts = stored.match(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g) ?? [];
  assert.equal(jwts.length, 1, 'only the access token');
  assert.deepEqual(
    jwts.map((jwt) => decodeJwt(jwt).iss),
    [central.url],
    "central's own token, not the IdP's",
  );

  const status = await runKgate(['status'], { env: box.env });
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /User: +ann@example\.com/);
  assert.match(status.stdout, /Roles: +admin\n/);

  const clusters = await runKgate(['clusters', 'list'], { env: box.env });
  assert.equal(clusters.code, 0, clusters.stderr);
  assert.match(clusters.stdout, /\bprod\b/);
  assert.match(clusters.stdout, /\bdev-1\b/);
});

test('kgate login --sso --device-code logs in with a code entered elsewhere; the roles follow the IdP groups', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const run = startKgate(
    ['login', '--sso', '--device-code', '--server', central.url, '--certificate-authority', caBundle(box)],
    box,
  );
  const verification = await waitFor(
    'the device code prompt',
    () => /open (https:\/\/\S+) on any device/.exec(run.stderr())?.[1],
  );
  const page = await idp.completeDeviceLogin(verification, { username: 'dev', password: dev.password });
  assert.equal(page.status, 200);
  const login = await run.done;
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, /enter the code \S+/);
  assert.match(login.stderr, /as dev@example\.com \(roles: developer\)/);

  const status = await runKgate(['status'], { env: box.env });
  assert.match(status.stdout, /Roles: +developer\n/);
  // The developer role reaches dev-* clusters only.
  const clusters = await runKgate(['clusters', 'list'], { env: box.env });
  assert.equal(clusters.code, 0, clusters.stderr);
  assert.match(clusters.stdout, /\bdev-1\b/);
  assert.doesNotMatch(clusters.stdout, /\bprod\b/);
});

test('the SSO flags are checked: --device-code needs --sso, and --sso asks for no username', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const misuse = await runKgate(['login', '--device-code', '--server', central.url], { env: box.env });
  assert.equal(misuse.code, 1);
  assert.match(misuse.stderr, /go with --sso/);
  const both = await runKgate(
    [
      'login',
      '--sso',
      '--username',
      'ann',
      '--server',
      central.url,
      '--certificate-authority',
      caBundle(box),
    ],
    { env: box.env },
  );
  assert.equal(both.code, 1);
  assert.match(both.stderr, /--sso takes no --username/);
});
