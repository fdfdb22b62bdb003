/**
 * `kgate oidc-login` as kubectl runs it: real kubectl 1.33, the Kubernetes API fixture
 * trusting a real OpenID provider, and a kubeconfig written by `kgate oidc-login setup`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type ApiServer, startApiServer } from '@kgate/testkit/apiserver';
import { kubectlPath } from '@kgate/testkit/kubectl';
import type { OidcProvider } from '@kgate/testkit/oidc';
import { type ProcessResult, runProcess } from '@kgate/testkit/process';
import { parse } from 'yaml';
import { EXPIRY_MARGIN_MS } from '../src/oidc/cache/entry.ts';
import { ann, clientId, type OidcSandbox, oidcLogin, oidcSandbox, startIdp } from './oidc-support.ts';
import { runKgate } from './support/cli.ts';

/** Lifetime of the ID tokens: long enough for a second kubectl run from the cache, short enough to wait out. */
const ID_TOKEN_TTL_S = 25;

let idp: OidcProvider;
let api: ApiServer;

before(async () => {
  idp = await startIdp({ ttl: { idToken: ID_TOKEN_TTL_S } });
  api = await startApiServer({
    oidc: { issuerUrl: idp.issuer, clientId, usernameClaim: 'email', caPem: idp.caPem },
    rbac: [
      {
        subjects: [{ kind: 'User', name: ann.email }],
        verbs: ['list'],
        apiGroups: [''],
        resources: ['pods'],
      },
    ],
  });
});

after(async () => {
  await api.close();
  await idp.close();
});

/** A kubeconfig for the fixture whose user `oidc-exec` is written by `setup` (after a login). */
async function setUp(box: OidcSandbox, extraFlags: string[] = []): Promise<string> {
  const kubeconfig = path.join(box.dir, 'kubeconfig');
  await api.writeKubeconfig(kubeconfig, {
    context: 'oidc',
    user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'replaced-by-setup' } },
  });
  const setup = runKgate(
    [
      'oidc-login',
      'setup',
      // The API server takes the username from the email claim.
      ...box.flags(idp, ['--extra-scope=email', ...extraFlags]),
      '--kubeconfig',
      kubeconfig,
      '--user',
      'oidc-exec',
    ],
    { env: box.env },
  );
  const url = await box.browser.nextUrl();
  if (extraFlags.includes('--grant-type=device-code')) {
    await idp.completeDeviceLogin(url, { username: ann.email, password: ann.password });
  } else {
    await idp.completeLogin(url, { username: ann.email, password: ann.password });
  }
  const result = await setup;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /"email": "ann@example.com"/, 'setup shows the ID token claims');
  return kubeconfig;
}

function kubectl(box: OidcSandbox, kubeconfig: string): Promise<ProcessResult> {
  return runProcess(kubectlPath('1.33'), ['--kubeconfig', kubeconfig, 'get', 'pods'], {
    env: box.env,
    timeoutMs: 90_000,
  });
}

test('setup writes a kubeconfig user whose plugin pins this kgate and keeps the flags given', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const kubeconfig = await setUp(box);
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const user = config.users.find((u: { name: string }) => u.name === 'oidc-exec');
  const exec = user.user.exec;
  assert.equal(exec.apiVersion, 'client.authentication.k8s.io/v1');
  assert.equal(exec.interactiveMode, 'IfAvailable');
  assert.equal(exec.provideClusterInfo, false);
  assert.ok(path.isAbsolute(exec.command), 'the launcher is named by its absolute path');
  assert.deepEqual(exec.args.slice(0, 4), [
    'oidc-login',
    'get-token',
    `--issuer-url=${idp.issuer}`,
    `--client-id=${clientId}`,
  ]);
  assert.ok(exec.args.includes(`--certificate-authority=${box.caFile}`));
  assert.ok(exec.args.includes(`--browser-command=${box.browser.command}`));
  assert.equal(box.entries().length, 1, 'setup cached the login');
});

test('kubectl logs in once, then uses the cache without asking the IdP, then refreshes after expiry', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const kubeconfig = await setUp(box);
  const cleaned = await oidcLogin(box, ['clean']);
  assert.equal(cleaned.code, 0, cleaned.stderr);
  assert.deepEqual(box.entries(), [], 'clean emptied the cache');

  // First run: no cached token, so the plugin opens the browser and kubectl waits for the login.
  idp.requests.length = 0;
  const first = kubectl(box, kubeconfig);
  const url = await box.browser.nextUrl();
  const callback = await idp.completeLogin(url, { username: ann.email, password: ann.password });
  assert.equal(callback.status, 200);
  assert.doesNotMatch(callback.body, /eyJ/, 'the success page shows no token');
  const firstRun = await first;
  assert.equal(firstRun.code, 0, firstRun.stderr);
  assert.match(firstRun.stdout + firstRun.stderr, /No resources found|NAME/);
  assert.equal(idp.count('authorization'), 1);
  assert.equal(idp.count('token', 'authorization_code'), 1);
  assert.equal(api.requests.at(-1)?.user, ann.email, 'the API server saw the ID token of ann');

  // Second run: the cached ID token, and not one request to the IdP.
  idp.requests.length = 0;
  const second = await kubectl(box, kubeconfig);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(idp.requests, [], 'no IdP request for a cached token');
  assert.equal(box.browser.opened().length, 2, 'no browser was opened (setup and the first run only)');

  // After the ID token's expiry (less the margin): the refresh token, one token call, no login.
  const [entryFile] = box.entries();
  assert.ok(entryFile);
  const entry = JSON.parse(readFileSync(path.join(box.cacheDir, entryFile), 'utf8'));
  const wait = Date.parse(entry.idTokenExpiresAt) - EXPIRY_MARGIN_MS - Date.now() + 200;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  idp.requests.length = 0;
  const third = await kubectl(box, kubeconfig);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(idp.count('token'), 1, 'one token-endpoint call');
  assert.equal(idp.count('token', 'refresh_token'), 1, 'and it is a refresh');
  assert.equal(idp.count('authorization'), 0, 'no login');
  assert.equal(box.browser.opened().length, 2, 'no browser');
  const refreshed = JSON.parse(readFileSync(path.join(box.cacheDir, entryFile), 'utf8'));
  assert.notEqual(refreshed.idToken, entry.idToken, 'the cache holds the new ID token');
});

test('ten kubectl processes started at once cause exactly one browser login', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const kubeconfig = await setUp(box);
  assert.equal((await oidcLogin(box, ['clean'])).code, 0);
  idp.requests.length = 0;
  const runs = Array.from({ length: 10 }, () => kubectl(box, kubeconfig));
  const url = await box.browser.nextUrl(60_000);
  await idp.completeLogin(url, { username: ann.email, password: ann.password });
  const results = await Promise.all(runs);
  for (const run of results) assert.equal(run.code, 0, run.stderr);
  assert.equal(idp.count('authorization'), 1, 'the authorization endpoint was hit once');
  assert.equal(idp.count('token', 'authorization_code'), 1);
  assert.equal(box.browser.opened().length, 2, 'one browser for the ten (and one for setup)');
});

test('a device-code login through kubectl shows the code and works end to end', async (t) => {
  const box = oidcSandbox(idp);
  t.after(box.cleanup);
  const kubeconfig = await setUp(box, ['--grant-type=device-code']);
  assert.equal((await oidcLogin(box, ['clean'])).code, 0);
  idp.requests.length = 0;
  const run = kubectl(box, kubeconfig);
  const url = await box.browser.nextUrl();
  assert.match(url, /user_code=/, 'the browser got the verification URI with the code');
  await idp.completeDeviceLogin(url, { username: ann.email, password: ann.password });
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /enter the code [A-Z0-9-]+/, 'kubectl passed the code on to the user');
  assert.equal(idp.count('device_authorization'), 1);
  assert.equal(idp.count('authorization'), 0, 'no browser login');
  assert.ok(idp.count('token', 'urn:ietf:params:oauth:grant-type:device_code') >= 1);
  assert.equal(api.requests.at(-1)?.user, ann.email);
});
