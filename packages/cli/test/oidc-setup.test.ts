/**
 * `kgate oidc-login setup` without a kubeconfig to write (it prints the user entry), with a
 * confidential client, and the credential-plugin bundle's cached path.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runProcess } from '@kgate/testkit/process';
import { parse } from 'yaml';
import { oidcBundlePath } from '../src/commands/oidc-login/bundle-path.ts';
import { oidcCacheKey } from '../src/oidc/cache/key.ts';
import { oidcTokenCache } from '../src/oidc/cache/store.ts';
import { parseOidcLoginArgs } from '../src/oidc/settings.ts';
import { ann, oidcLogin, oidcSandbox, startIdp } from './oidc-support.ts';
import { kgateBin, runKgate, sandbox } from './support/cli.ts';

test('setup of a confidential client prints a user entry that keeps the secret out of the arguments, and it works', async (t) => {
  const secret = 'the-client-secret-42';
  const idp = await startIdp({
    clients: [
      { clientId: 'confidential', clientSecret: secret, redirectUris: ['http://127.0.0.1/callback'] },
    ],
  });
  t.after(() => idp.close());
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const flags = box
    .flags(idp)
    .map((f) => (f.startsWith('--client-id=') ? '--client-id=confidential' : f))
    .concat(`--client-secret=${secret}`);
  const setup = runKgate(['oidc-login', 'setup', ...flags], { env: box.env });
  await idp.completeLogin(await box.browser.nextUrl(), { username: ann.email, password: ann.password });
  const result = await setup;
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, new RegExp(secret), 'no secret in messages');
  const yaml = result.stdout.slice(result.stdout.indexOf('users:'));
  const exec = parse(yaml).users[0].user.exec;
  assert.ok(!exec.args.some((arg: string) => arg.includes(secret)), 'the secret is not an argument');
  assert.deepEqual(exec.env, [{ name: 'KGATE_OIDC_CLIENT_SECRET', value: secret }]);

  // The entry as kubectl would run it: the secret reaches the token endpoint from the environment.
  assert.equal((await oidcLogin(box, ['clean'])).code, 0);
  idp.requests.length = 0;
  const env = { ...box.env, KGATE_OIDC_CLIENT_SECRET: secret };
  const run = runProcess(exec.command, exec.args, { env, timeoutMs: 60_000 });
  await idp.completeLogin(await box.browser.nextUrl(), { username: ann.email, password: ann.password });
  const plugin = await run;
  assert.equal(plugin.code, 0, plugin.stderr);
  const token = idp.requests.find((r) => r.endpoint === 'token');
  assert.equal(token?.status, 200, 'the provider accepted the client secret');
  assert.equal(token?.clientId, 'confidential');
});

test('the OIDC credential-plugin bundle is built from neither commander, openid-client, yaml nor the login code', () => {
  const meta = JSON.parse(readFileSync(oidcBundlePath.replace(/\.cjs$/, '.meta.json'), 'utf8'));
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.some((i) => i.endsWith('src/commands/oidc-login/get-token.ts')));
  for (const heavy of [
    'node_modules/commander/',
    'node_modules/openid-client/',
    'node_modules/oauth4webapi/',
    'node_modules/jose/',
    'node_modules/@napi-rs/',
    'node_modules/yaml/',
    'src/main.ts',
    'src/oidc/login.ts',
    'src/commands/oidc-login/obtain.ts',
  ]) {
    assert.ok(!inputs.some((i) => i.includes(heavy)), `${heavy} is not in the bundle`);
  }
});

test('kgate oidc-login get-token with a cached token loads no CLI framework, OIDC library, keyring addon or yaml', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const flags = ['--issuer-url=https://idp.example.com', '--client-id=kubectl'];
  const settings = parseOidcLoginArgs(flags, box.env, 'get-token');
  assert.ok(settings !== 'help');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const idToken = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
  await oidcTokenCache({ dir: settings.cacheDir, storage: 'disk', keyring: null }).save({
    version: 1,
    key: oidcCacheKey(settings),
    issuer: settings.issuerUrl,
    clientId: settings.clientId,
    idToken,
    accessToken: 'access',
    idTokenExpiresAt: new Date(exp * 1000).toISOString(),
    accessTokenExpiresAt: new Date(exp * 1000).toISOString(),
  });
  const preload = path.resolve(import.meta.dirname, 'support/report-loaded-modules.cjs');
  // Keyring storage (the default) with a file present: the addon must still not be loaded.
  const env = { ...box.env, KGATE_KEYRING: '' };
  const result = spawnSync(process.execPath, ['-r', preload, kgateBin, 'oidc-login', 'get-token', ...flags], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).status.token, idToken);
  const loaded = JSON.parse(String(result.output[3]));
  const files: string[] = loaded.files;
  assert.ok(files.includes(oidcBundlePath), 'the bundle ran');
  for (const heavy of ['commander', 'openid-client', 'oauth4webapi', 'jose', '@napi-rs', 'yaml']) {
    assert.ok(!files.some((f) => f.includes(`node_modules/${heavy}`)), `${heavy} was not loaded`);
  }
  assert.ok(!loaded.builtins.includes('NativeModule https'), 'node:https was not loaded');
  assert.ok(!loaded.builtins.includes('NativeModule crypto'), 'node:crypto was not loaded');
  assert.ok(!loaded.builtins.includes('NativeModule tty'), 'node:tty was not loaded');
  assert.ok(!loaded.builtins.includes('NativeModule http'), 'node:http was not loaded');
});
