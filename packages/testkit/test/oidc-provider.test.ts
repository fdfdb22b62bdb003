/**
 * The OIDC provider fixture, proven with a real relying party (openid-client): discovery
 * over HTTPS with the fixture's CA, authorization code + PKCE through a loopback redirect
 * driven by `completeLogin`, ID-token claims, refresh, revocation, the device flow, token
 * lifetimes, the "no S256" discovery, the request counters and the forged tokens.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { type OidcProvider, type OidcProviderOptions, startOidcProvider } from '@kgate/testkit/oidc';
import { runProcess } from '@kgate/testkit/process';
import { createRemoteJWKSet, decodeJwt, customFetch as joseCustomFetch, jwtVerify } from 'jose';
import * as client from 'openid-client';

const ann = {
  sub: 'ann',
  email: 'ann@example.com',
  groups: ['devs', 'ops'],
  name: 'Ann',
  password: 'ann-pw',
};
const bob = { sub: 'bob', email: 'bob@example.com', emailVerified: false, password: 'bob-pw' };

/** The client's loopback redirect target: records each callback URL, answers like a CLI would. */
interface Loopback {
  /** `http://127.0.0.1:PORT/callback` */
  redirectUri: string;
  callbacks: URL[];
  close(): Promise<void>;
}

async function startLoopback(): Promise<Loopback> {
  const callbacks: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    callbacks.push(url);
    const ok = url.searchParams.has('code');
    res.writeHead(ok ? 200 : 400, { 'content-type': 'text/plain' });
    res.end(ok ? 'signed in, you can close this window' : `login failed: ${url.searchParams.get('error')}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    callbacks,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function start(options: Partial<OidcProviderOptions> = {}): Promise<OidcProvider> {
  return startOidcProvider({
    clients: [
      {
        clientId: 'kgate',
        redirectUris: ['http://127.0.0.1/callback', 'http://localhost/callback', 'urn:ietf:wg:oauth:2.0:oob'],
      },
      { clientId: 'web', clientSecret: 'web-secret', redirectUris: ['http://127.0.0.1/callback'] },
    ],
    users: [ann, bob],
    ...options,
  });
}

/** openid-client configured for `clientId` at the fixture, trusting its CA. */
function relyingParty(idp: OidcProvider, clientId = 'kgate', secret?: string): Promise<client.Configuration> {
  return client.discovery(
    new URL(idp.issuer),
    clientId,
    undefined,
    secret === undefined ? client.None() : client.ClientSecretBasic(secret),
    { [client.customFetch]: idp.fetch },
  );
}

interface Attempt {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function authorizationRequest(
  config: client.Configuration,
  redirectUri: string,
  scope = 'openid email groups profile offline_access',
): Promise<Attempt> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, verifier, state, nonce };
}

/** A browser login as ann, then the code exchange: the tokens a CLI would cache. */
async function login(idp: OidcProvider, config: client.Configuration, loopback: Loopback, scope?: string) {
  const attempt = await authorizationRequest(config, loopback.redirectUri, scope);
  const answer = await idp.completeLogin(attempt.url.href, {
    username: 'ann@example.com',
    password: 'ann-pw',
  });
  assert.equal(answer.status, 200, answer.body);
  return client.authorizationCodeGrant(config, new URL(answer.callbackUrl), {
    pkceCodeVerifier: attempt.verifier,
    expectedState: attempt.state,
    expectedNonce: attempt.nonce,
  });
}

let idp: OidcProvider;
let loopback: Loopback;
let config: client.Configuration;

before(async () => {
  idp = await start();
  loopback = await startLoopback();
  config = await relyingParty(idp);
});

after(async () => {
  await idp.close();
  await loopback.close();
});

describe('discovery', () => {
  test('the issuer is https on 127.0.0.1 and its discovery names the endpoints a CLI login needs', async () => {
    assert.match(idp.issuer, /^https:\/\/127\.0\.0\.1:\d+$/);
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, idp.issuer);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.equal(meta.revocation_endpoint, `${idp.issuer}/token/revocation`);
    assert.equal(meta.device_authorization_endpoint, `${idp.issuer}/device/auth`);
    for (const grant of [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ])
      assert.ok(meta.grant_types_supported?.includes(grant), grant);
    for (const scope of ['openid', 'email', 'profile', 'groups', 'offline_access'])
      assert.ok(meta.scopes_supported?.includes(scope), scope);
  });

  test('without the CA the issuer is not trusted', async () => {
    await assert.rejects(fetch(`${idp.issuer}/.well-known/openid-configuration`));
  });
});

describe('authorization code with PKCE through a loopback redirect', () => {
  test('a login gives an ID token with the email and groups claims and a refresh token', async () => {
    const tokens = await login(idp, config, loopback);
    const claims = tokens.claims();
    assert.equal(claims?.sub, 'ann');
    assert.equal(claims?.aud, 'kgate');
    assert.equal(claims?.iss, idp.issuer);
    assert.equal(claims?.email, 'ann@example.com');
    assert.equal(claims?.email_verified, true);
    assert.deepEqual(claims?.groups, ['devs', 'ops']);
    assert.equal(claims?.name, 'Ann');
    assert.equal(typeof tokens.refresh_token, 'string');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  });

  test('the ID token carries only the claims of the scopes asked for', async () => {
    const claims = (await login(idp, config, loopback, 'openid email')).claims();
    assert.equal(claims?.email, 'ann@example.com');
    assert.equal(claims?.groups, undefined);
    assert.equal(claims?.name, undefined);
  });

  test('the loopback redirect is accepted on any port, for 127.0.0.1 and localhost', async () => {
    const attempt = await authorizationRequest(
      config,
      loopback.redirectUri.replace('127.0.0.1', 'localhost'),
    );
    const answer = await idp.completeLogin(attempt.url.href, { username: 'ann', password: 'ann-pw' });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(new URL(answer.callbackUrl).hostname, 'localhost');
    assert.equal(new URL(answer.callbackUrl).searchParams.get('state'), attempt.state);
    assert.equal(new URL(answer.callbackUrl).searchParams.get('iss'), idp.issuer);
  });

  test('an unregistered redirect path is refused on the provider page, never redirected to', async () => {
    const attempt = await authorizationRequest(config, loopback.redirectUri.replace('/callback', '/other'));
    const before = loopback.callbacks.length;
    await assert.rejects(
      idp.completeLogin(attempt.url.href, { username: 'ann', password: 'ann-pw' }),
      (error) => {
        assert.ok(isKgateError(error, 'UNAUTHENTICATED'));
        assert.match(error.message, /redirect_uri/);
        return true;
      },
    );
    assert.equal(loopback.callbacks.length, before);
  });

  test('a request without code_challenge is sent back to the client as invalid_request', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: loopback.redirectUri,
      scope: 'openid',
      state: 's1',
    });
    const answer = await idp.completeLogin(url.href, { username: 'ann', password: 'ann-pw' });
    assert.equal(answer.status, 400);
    const callback = new URL(answer.callbackUrl);
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.match(callback.searchParams.get('error_description') ?? '', /PKCE/);
  });

  test('a wrong code_verifier is invalid_grant, and a replayed code also revokes what the code gave', async () => {
    const attempt = await authorizationRequest(config, loopback.redirectUri);
    const answer = await idp.completeLogin(attempt.url.href, { username: 'ann', password: 'ann-pw' });
    const callback = new URL(answer.callbackUrl);
    const checks = {
      pkceCodeVerifier: attempt.verifier,
      expectedState: attempt.state,
      expectedNonce: attempt.nonce,
    };
    await assert.rejects(
      client.authorizationCodeGrant(config, callback, {
        ...checks,
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
      }),
      { error: 'invalid_grant' },
    );
    // The failed attempt did not use the code up.
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    assert.equal(await idp.isActive(tokens.access_token), true);
    await assert.rejects(client.authorizationCodeGrant(config, callback, checks), { error: 'invalid_grant' });
    assert.equal(await idp.isActive(tokens.access_token), false);
    assert.equal(await idp.isActive(tokens.refresh_token ?? ''), false);
    assert.deepEqual(
      idp.requests.slice(-3).map((r) => [r.endpoint, r.grantType, r.status, r.error]),
      [
        ['token', 'authorization_code', 400, 'invalid_grant'],
        ['token', 'authorization_code', 200, undefined],
        ['token', 'authorization_code', 400, 'invalid_grant'],
      ],
    );
  });

  test('a forged state in the callback is caught by the client', async () => {
    const attempt = await authorizationRequest(config, loopback.redirectUri);
    const answer = await idp.completeLogin(attempt.url.href, {
      username: 'ann',
      password: 'ann-pw',
      editCallback: (url) => url.searchParams.set('state', 'forged'),
    });
    assert.equal(new URL(answer.callbackUrl).searchParams.get('state'), 'forged');
    await assert.rejects(
      client.authorizationCodeGrant(config, new URL(answer.callbackUrl), {
        pkceCodeVerifier: attempt.verifier,
        expectedState: attempt.state,
      }),
      (error: Error) => {
        assert.match(String(error.cause), /unexpected "state" response parameter value/);
        return true;
      },
    );
  });

  test('a wrong password is refused on the login page and nothing reaches the client', async () => {
    const attempt = await authorizationRequest(config, loopback.redirectUri);
    const before = loopback.callbacks.length;
    await assert.rejects(
      idp.completeLogin(attempt.url.href, { username: 'ann', password: 'wrong' }),
      (error) => {
        assert.ok(isKgateError(error, 'UNAUTHENTICATED'));
        assert.match(error.message, /refused the password of "ann"/);
        assert.doesNotMatch(error.message, /wrong/);
        return true;
      },
    );
    assert.equal(loopback.callbacks.length, before);
  });

  test('cancelling the login sends access_denied to the client', async () => {
    const attempt = await authorizationRequest(config, loopback.redirectUri);
    const answer = await idp.completeLogin(attempt.url.href, {
      username: 'ann',
      password: 'ann-pw',
      deny: true,
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body, 'login failed: access_denied');
    assert.equal(new URL(answer.callbackUrl).searchParams.get('state'), attempt.state);
  });

  test('a confidential client authenticates with its secret in the header or the body, and only with it', async () => {
    for (const auth of [client.ClientSecretBasic('web-secret'), client.ClientSecretPost('web-secret')]) {
      const web = await client.discovery(new URL(idp.issuer), 'web', undefined, auth, {
        [client.customFetch]: idp.fetch,
      });
      assert.equal((await login(idp, web, loopback)).claims()?.aud, 'web');
    }
    for (const auth of [client.ClientSecretBasic('wrong'), client.None()]) {
      const web = await client.discovery(new URL(idp.issuer), 'web', undefined, auth, {
        [client.customFetch]: idp.fetch,
      });
      await assert.rejects(login(idp, web, loopback));
      assert.deepEqual(
        [idp.requests.at(-1)?.endpoint, idp.requests.at(-1)?.status, idp.requests.at(-1)?.error],
        ['token', 401, 'invalid_client'],
      );
    }
  });

  test('a user whose email is not verified gets email_verified false', async () => {
    const attempt = await authorizationRequest(config, loopback.redirectUri);
    const answer = await idp.completeLogin(attempt.url.href, { username: 'bob', password: 'bob-pw' });
    const tokens = await client.authorizationCodeGrant(config, new URL(answer.callbackUrl), {
      pkceCodeVerifier: attempt.verifier,
      expectedState: attempt.state,
      expectedNonce: attempt.nonce,
    });
    assert.equal(tokens.claims()?.email, 'bob@example.com');
    assert.equal(tokens.claims()?.email_verified, false);
  });
});

describe('driving the login as a CLI would', () => {
  test('the browser command hands the URL over and the login reaches the loopback server', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kgate-oidc-browser-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const browser = await idp.browserCommand(dir, { username: 'ann', password: 'ann-pw' });
    const attempt = await authorizationRequest(config, loopback.redirectUri);
    idp.requests.length = 0;
    const opened = await runProcess(browser, [attempt.url.href]);
    assert.equal(opened.code, 0, opened.stderr);
    const started = idp.browserLogins.at(-1) ?? assert.fail('the browser command reached nobody');
    assert.equal(started.authorizationUrl, attempt.url.href);
    const answer = await started.done;
    assert.equal(answer.status, 200);
    assert.equal(loopback.callbacks.at(-1)?.searchParams.get('state'), attempt.state);
    assert.equal(idp.requests.filter((r) => r.endpoint === 'other').length, 0);
    assert.equal(idp.count('authorization'), 1);
  });

  test('a failed browser login is reported through browserLogins, not lost', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kgate-oidc-browser-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const browser = await idp.browserCommand(dir, { username: 'ann', password: 'not-hers' });
    const attempt = await authorizationRequest(config, loopback.redirectUri);
    assert.equal((await runProcess(browser, [attempt.url.href])).code, 0);
    await assert.rejects(idp.browserLogins.at(-1)?.done ?? assert.fail('no login'), /refused the password/);
  });

  test('an out-of-band redirect URI ends with the code in callbackUrl for the user to copy', async () => {
    const attempt = await authorizationRequest(config, 'urn:ietf:wg:oauth:2.0:oob');
    const answer = await idp.completeLogin(attempt.url.href, { username: 'ann', password: 'ann-pw' });
    assert.equal(answer.status, 0);
    const callback = new URL(answer.callbackUrl);
    assert.equal(callback.protocol, 'urn:');
    const code = callback.searchParams.get('code') ?? assert.fail('no code');
    // What a CLI does with the code the user pasted.
    const tokens = await client.genericGrantRequest(config, 'authorization_code', {
      code,
      redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
      code_verifier: attempt.verifier,
    });
    assert.equal(tokens.claims()?.sub, 'ann');
  });

  test('a redirect to a loopback port nobody listens on is reported as such', async () => {
    const closed = await startLoopback();
    await closed.close();
    const attempt = await authorizationRequest(config, closed.redirectUri);
    await assert.rejects(
      idp.completeLogin(attempt.url.href, { username: 'ann', password: 'ann-pw' }),
      (error) => {
        assert.ok(isKgateError(error, 'UNAVAILABLE'));
        assert.match(error.message, /nothing answered the redirect to http:\/\/127\.0\.0\.1:\d+\/callback/);
        return true;
      },
    );
  });
});

describe('refresh and revocation', () => {
  test('a refresh gives a new ID token with the same claims and rotates the refresh token', async () => {
    const first = await login(idp, config, loopback);
    const refreshToken = first.refresh_token ?? assert.fail('no refresh token');
    const refreshed = await client.refreshTokenGrant(config, refreshToken);
    assert.equal(refreshed.claims()?.email, 'ann@example.com');
    assert.deepEqual(refreshed.claims()?.groups, ['devs', 'ops']);
    assert.equal(refreshed.claims()?.nonce, first.claims()?.nonce);
    assert.notEqual(refreshed.refresh_token, refreshToken);
    assert.equal(await idp.isActive(refreshToken), false);
    assert.equal(await idp.isActive(refreshed.refresh_token ?? ''), true);
  });

  test('reusing a rotated refresh token fails and revokes the whole login', async () => {
    const first = await login(idp, config, loopback);
    const refreshToken = first.refresh_token ?? assert.fail('no refresh token');
    const second = await client.refreshTokenGrant(config, refreshToken);
    await assert.rejects(client.refreshTokenGrant(config, refreshToken), { error: 'invalid_grant' });
    assert.equal(await idp.isActive(second.refresh_token ?? ''), false);
    assert.equal(await idp.isActive(second.access_token), false);
  });

  test('revoking the refresh token ends the login at the provider and is recorded', async () => {
    const tokens = await login(idp, config, loopback);
    const refreshToken = tokens.refresh_token ?? assert.fail('no refresh token');
    await client.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
    assert.deepEqual(idp.revocations.at(-1), {
      token: refreshToken,
      tokenTypeHint: 'refresh_token',
      clientId: 'kgate',
      kind: 'refresh_token',
      status: 200,
    });
    assert.equal(await idp.isActive(refreshToken), false);
    assert.equal(await idp.isActive(tokens.access_token), false);
    await assert.rejects(client.refreshTokenGrant(config, refreshToken), { error: 'invalid_grant' });
    await client.tokenRevocation(config, 'not-a-token');
    assert.equal(idp.revocations.at(-1)?.kind, 'unknown');
  });

  test('refresh tokens can be tied to offline_access with prompt=consent, or not issued at all', async (t) => {
    const strict = await start({ refreshTokens: 'offline_access' });
    t.after(() => strict.close());
    const rp = await relyingParty(strict);
    const attempt = await authorizationRequest(rp, loopback.redirectUri);
    const withoutPrompt = await strict.completeLogin(attempt.url.href, {
      username: 'ann',
      password: 'ann-pw',
    });
    const plain = await client.authorizationCodeGrant(rp, new URL(withoutPrompt.callbackUrl), {
      pkceCodeVerifier: attempt.verifier,
      expectedState: attempt.state,
      expectedNonce: attempt.nonce,
    });
    assert.equal(plain.refresh_token, undefined);

    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: loopback.redirectUri,
      scope: 'openid offline_access',
      prompt: 'consent',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const consented = await strict.completeLogin(url.href, { username: 'ann', password: 'ann-pw' });
    const offline = await client.authorizationCodeGrant(rp, new URL(consented.callbackUrl), {
      pkceCodeVerifier: verifier,
    });
    assert.equal(typeof offline.refresh_token, 'string');

    const never = await start({ refreshTokens: 'never' });
    t.after(() => never.close());
    assert.equal((await login(never, await relyingParty(never), loopback)).refresh_token, undefined);
  });
});

describe('device authorization', () => {
  test('the device flow completes with the verification_uri_complete and polls quickly', async () => {
    const started = await client.initiateDeviceAuthorization(config, {
      scope: 'openid email groups offline_access',
    });
    assert.equal(started.interval, 1);
    assert.equal(started.verification_uri, `${idp.issuer}/device`);
    const complete = started.verification_uri_complete ?? assert.fail('no verification_uri_complete');
    const polling = client.pollDeviceAuthorizationGrant(config, started);
    const page = await idp.completeDeviceLogin(complete, { username: 'ann', password: 'ann-pw' });
    assert.equal(page.status, 200);
    assert.match(page.body, /Signed in to kgate/);
    const tokens = await polling;
    assert.equal(tokens.claims()?.email, 'ann@example.com');
    assert.deepEqual(tokens.claims()?.groups, ['devs', 'ops']);
    assert.equal(typeof tokens.refresh_token, 'string');
    assert.equal(idp.count('device_authorization') > 0, true);
  });

  test('the user code can be typed in, and a wrong one is refused', async () => {
    const started = await client.initiateDeviceAuthorization(config, { scope: 'openid email' });
    await assert.rejects(
      idp.completeDeviceLogin(started.verification_uri, {
        username: 'ann',
        password: 'ann-pw',
        userCode: 'BCDF-GHJK',
      }),
      /the code was not found/,
    );
    const polling = client.pollDeviceAuthorizationGrant(config, started);
    await idp.completeDeviceLogin(started.verification_uri, {
      username: 'ann',
      password: 'ann-pw',
      userCode: started.user_code,
    });
    assert.equal((await polling).claims()?.sub, 'ann');
  });

  test('aborting on the confirmation page gives the polling client access_denied', async () => {
    const started = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const polling = client.pollDeviceAuthorizationGrant(config, started);
    const page = await idp.completeDeviceLogin(started.verification_uri_complete ?? '', {
      username: 'ann',
      password: 'ann-pw',
      deny: true,
    });
    assert.match(page.body, /data-error="access_denied"/);
    await assert.rejects(polling, { error: 'access_denied' });
  });
});

describe('token lifetimes, discovery variants and counters', () => {
  test('ID and access token lifetimes follow the ttl option', async (t) => {
    const short = await start({ ttl: { idToken: 120, accessToken: 30 } });
    t.after(() => short.close());
    const tokens = await login(short, await relyingParty(short), loopback);
    const claims = tokens.claims() ?? assert.fail('no ID token');
    assert.equal(claims.exp - claims.iat, 120);
    assert.equal(tokens.expires_in, 30);
  });

  test('an IdP without S256, or without PKCE at all, can be simulated, and discovery edited freely', async (t) => {
    const plainOnly = await start({
      codeChallengeMethods: ['plain'],
      editDiscovery: (doc) => {
        delete doc.device_authorization_endpoint;
      },
    });
    t.after(() => plainOnly.close());
    const meta = (await relyingParty(plainOnly)).serverMetadata();
    assert.deepEqual(meta.code_challenge_methods_supported, ['plain']);
    assert.equal(meta.device_authorization_endpoint, undefined);

    const withoutPkce = await start({ codeChallengeMethods: [], pkceRequired: false });
    t.after(() => withoutPkce.close());
    const rp = await relyingParty(withoutPkce);
    assert.equal(rp.serverMetadata().code_challenge_methods_supported, undefined);
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: loopback.redirectUri,
      scope: 'openid',
      state: 's2',
    });
    const answer = await withoutPkce.completeLogin(url.href, { username: 'ann', password: 'ann-pw' });
    const tokens = await client.authorizationCodeGrant(rp, new URL(answer.callbackUrl), {
      expectedState: 's2',
    });
    assert.equal(tokens.claims()?.sub, 'ann');
  });

  test('counters show one login, then refreshes without any new login', async (t) => {
    const counted = await start();
    t.after(() => counted.close());
    const rp = await relyingParty(counted);
    counted.requests.length = 0;
    const tokens = await login(counted, rp, loopback);
    assert.equal(counted.count('authorization'), 1);
    assert.equal(counted.count('token'), 1);
    assert.equal(counted.count('token', 'authorization_code'), 1);
    assert.equal(counted.count('interaction') > 0, true);
    await client.refreshTokenGrant(rp, tokens.refresh_token ?? '');
    assert.equal(counted.count('authorization'), 1);
    assert.equal(counted.count('token', 'refresh_token'), 1);
    assert.equal(counted.count('revocation'), 0);
    counted.requests.length = 0;
    assert.equal(counted.count('token'), 0);
  });
});

describe('forged tokens for negative tests', () => {
  async function verify(token: string, audience = 'kgate') {
    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`), {
      [joseCustomFetch]: (url, init) => idp.fetch(url, init),
    });
    return jwtVerify(token, jwks, { issuer: idp.issuer, audience });
  }

  test('a minted ID token verifies like a real one, for the first user unless told otherwise', async () => {
    const { payload } = await verify(await idp.mintIdToken());
    assert.equal(payload.sub, 'ann');
    assert.equal(payload.email, 'ann@example.com');
    assert.deepEqual(payload.groups, ['devs', 'ops']);
    const bobs = decodeJwt(await idp.mintIdToken({ sub: 'bob', nonce: 'n1' }));
    assert.equal(bobs.email, 'bob@example.com');
    assert.equal(bobs.nonce, 'n1');
  });

  test('wrong audience, expiry and a key the issuer never published all fail verification', async () => {
    await assert.rejects(verify(await idp.mintIdToken({ aud: 'someone-else' })), {
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
    });
    const past = Math.floor(Date.now() / 1000) - 600;
    await assert.rejects(verify(await idp.mintIdToken({ iat: past - 60, exp: past })), {
      code: 'ERR_JWT_EXPIRED',
    });
    await assert.rejects(verify(await idp.mintIdToken({}, { wrongKey: true })), {
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  test('a token response with an ID token for another nonce is refused by the client', async (t) => {
    idp.rewriteTokenResponses(async (body) => ({
      ...body,
      id_token: await idp.mintIdToken({ ...decodeJwt(body.id_token ?? ''), nonce: 'not-the-one-sent' }),
    }));
    t.after(() => idp.rewriteTokenResponses(undefined));
    await assert.rejects(login(idp, config, loopback), (error: Error) => {
      assert.match(String(error.cause), /unexpected ID Token "nonce" claim value/);
      return true;
    });
  });
});
