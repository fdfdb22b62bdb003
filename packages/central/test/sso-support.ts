/**
 * Single sign-on test fixtures: a real OpenID provider (`@kgate/testkit/oidc`) with the
 * users the SSO tests log in as, central configured for it, and an ID token got the way
 * the CLI gets one (authorization code + PKCE through a loopback redirect).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type OidcProvider, startOidcProvider } from '@kgate/testkit/oidc';
import * as client from 'openid-client';
import type { AuditEvent } from '../src/audit/index.ts';
import { startTestCentral, type TestCentral } from './helpers/central.ts';
import type { TestDatabase } from './helpers/databases.ts';

/** The CLI's public client at the provider. */
export const CLIENT_ID = 'kgate';

/** Every test user's password at the provider. */
export const PASSWORD = 'idp-password-1';

/**
 * Role mapping of the tests: `ghost` is mapped but no role defines it (it must be
 * skipped). Roles `ops`, `dev` and `viewer` are among the helper's test roles.
 */
export const ROLE_MAPPING_YAML = [
  '    role_mapping:',
  '      platform.team: [admin, ops]',
  '      developers: [dev, ghost]',
  '    default_roles: [viewer]',
];

/** Starts the provider: ann (platform.team), bob (developers), and users lacking what SSO needs. */
export function startIdp(): Promise<OidcProvider> {
  return startOidcProvider({
    clients: [{ clientId: CLIENT_ID, redirectUris: ['http://127.0.0.1/callback'] }],
    users: [
      { sub: 'ann', email: 'Ann@Example.com', groups: ['platform.team'], password: PASSWORD },
      { sub: 'bob', email: 'bob@example.com', groups: ['developers', 'unmapped'], password: PASSWORD },
      { sub: 'cat', email: 'cat@example.com', groups: [], password: PASSWORD },
      { sub: 'nomail', groups: ['platform.team'], password: PASSWORD },
      { sub: 'unverified', email: 'eve@example.com', emailVerified: false, password: PASSWORD },
    ],
  });
}

/** A central whose `auth.oidc` points at `idp`, with the CA in a file as an operator would have it. */
export async function startSsoCentral(
  idp: OidcProvider,
  options: { database?: TestDatabase; extraAuth?: string[] } = {},
): Promise<TestCentral & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-sso-'));
  const caFile = path.join(dir, 'idp-ca.pem');
  writeFileSync(caFile, idp.caPem);
  const fileText = [
    'auth:',
    ...(options.extraAuth ?? []),
    '  oidc:',
    `    issuer_url: ${idp.issuer}`,
    `    client_id: ${CLIENT_ID}`,
    `    certificate_authority: ${caFile}`,
    '    extra_scopes: [groups]',
    ...ROLE_MAPPING_YAML,
    '',
  ].join('\n');
  const database = options.database?.config;
  const env: Record<string, string> =
    database === undefined
      ? {}
      : database.driver === 'postgres'
        ? { KGATE_DATABASE_DRIVER: 'postgres', KGATE_DATABASE_URL: database.url }
        : { KGATE_DATABASE_DRIVER: 'sqlite', KGATE_DATABASE_PATH: database.path };
  const t = await startTestCentral({ fileText, env });
  return {
    ...t,
    async cleanup() {
      await t.stop();
      rmSync(path.dirname(t.dataDir), { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Logs `username` in at the provider as `kgate login --sso` does (authorization code +
 * PKCE S256, redirect to a loopback server, `nonce` from central) and returns the ID token.
 */
export async function idTokenByBrowser(idp: OidcProvider, nonce: string, username: string): Promise<string> {
  const config = await client.discovery(new URL(idp.issuer), CLIENT_ID, undefined, client.None(), {
    [client.customFetch]: idp.fetch,
  });
  const loopback = http.createServer((_req, res) => res.end('you may close this window'));
  await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
  try {
    const redirectUri = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}/callback`;
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile groups',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const login = await idp.completeLogin(url.href, { username, password: PASSWORD });
    const tokens = await client.authorizationCodeGrant(config, new URL(login.callbackUrl), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    if (tokens.id_token === undefined) throw new Error('the provider returned no ID token');
    return tokens.id_token;
  } finally {
    loopback.close();
  }
}

/**
 * The audit events of `path` once every one has ended: a call's end row is written
 * after its answer was sent, so a test reading right after the answer may be early.
 */
export async function endedAuditEvents(t: TestCentral, path: string): Promise<AuditEvent[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const events = (await t.central.services.audit.query({})).filter((e) => e.path === path);
    if (events.every((e) => e.status !== null) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
