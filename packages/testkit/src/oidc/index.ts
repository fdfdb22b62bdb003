/**
 * `@kgate/testkit/oidc`: a real OpenID provider (`oidc-provider`, panva, v9) started in
 * the test's process, over HTTPS on 127.0.0.1 with a fresh test CA, for the tests of
 * kgate's OIDC login (authorization code + PKCE through a loopback redirect, device code,
 * refresh, revocation) and of anything that verifies its ID tokens.
 *
 * The registered clients are native applications (RFC 8252: a loopback redirect URI
 * matches on any port), PKCE is required (S256), ID tokens carry the claims of the
 * granted scopes (`email`, `email_verified`, `groups`, `name`), and logins happen without
 * a browser: {@link OidcProvider.completeLogin} plays the user on the provider's pages.
 *
 * @example
 * ```ts
 * import { startOidcProvider } from '@kgate/testkit/oidc';
 *
 * const idp = await startOidcProvider({
 *   clients: [{ clientId: 'kgate', redirectUris: ['http://127.0.0.1/callback'] }],
 *   users: [{ sub: 'ann', email: 'ann@example.com', groups: ['devs'], password: 'pw' }],
 *   ttl: { idToken: 300 },
 * });
 * // Run the plugin with --oidc-issuer-url idp.issuer and the CA file (idp.caPem); take the
 * // authorization URL it opened (its --browser-command), then sign in as the user would:
 * const answer = await idp.completeLogin(authorizationUrl, { username: 'ann', password: 'pw' });
 * assert.equal(answer.status, 200); // what the plugin's loopback server answered
 * assert.equal(idp.count('token', 'authorization_code'), 1);
 * await idp.close();
 * ```
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KgateError } from '@kgate/core/errors';
import { localServerTls } from '../tls.ts';
import { MemoryStore } from './adapter.ts';
import {
  completeDeviceLogin,
  completeLogin,
  type DeviceLoginOptions,
  type LoginOptions,
  type LoginResult,
} from './browser.ts';
import { BrowserCommands, type BrowserLogin } from './browser-command.ts';
import { fetchTrusting, type TrustingFetch } from './fetch.ts';
import {
  type InspectionState,
  inspection,
  type OidcEndpoint,
  type OidcRequestRecord,
  type OidcRevocation,
  type TokenResponseHook,
} from './inspection.ts';
import { interactionRoutes } from './interactions.ts';
import { deviceConfirmPage, deviceInputPage, deviceSuccessPage, errorPage } from './pages.ts';
import { createProvider, describeError, type KoaContext } from './provider-module.ts';
import { createSigningKey, type IdTokenClaims, signIdToken } from './signing.ts';

export type { Credentials, DeviceLoginOptions, LoginOptions, LoginResult } from './browser.ts';
export type { BrowserLogin } from './browser-command.ts';
export type { TrustingFetch } from './fetch.ts';
export type {
  OidcEndpoint,
  OidcRequestRecord,
  OidcRevocation,
  TokenResponse,
  TokenResponseHook,
} from './inspection.ts';
export type { IdTokenClaims } from './signing.ts';

/** The grant types a client may use. */
export type OidcGrantType =
  | 'authorization_code'
  | 'refresh_token'
  | 'urn:ietf:params:oauth:grant-type:device_code';

/** A client (relying party) registered with the provider. */
export interface OidcClient {
  clientId: string;
  /**
   * Makes it a confidential client (the secret is accepted in the Authorization header or
   * the form body); without it the client is public (`token_endpoint_auth_method` none) and
   * any secret it sends fails with `invalid_client`.
   */
  clientSecret?: string;
  /**
   * Registered redirect URIs. Loopback `http://127.0.0.1/…`, `http://localhost/…` and
   * `http://[::1]/…` match on any port (RFC 8252 §7.3); path and query must be exactly
   * equal, except that a root is registered with and without its slash.
   */
  redirectUris: string[];
  /** Default: all three (authorization_code, refresh_token, device_code). */
  grantTypes?: OidcGrantType[];
}

/** A user who can sign in (by `sub` or `email`) with `password`. */
export interface OidcUser {
  sub: string;
  password: string;
  /** The `email` claim (scope `email`). */
  email?: string;
  /** The `email_verified` claim when there is an email (default true). */
  emailVerified?: boolean;
  /** The `groups` claim (scope `groups`). */
  groups?: string[];
  /** The `name` claim (scope `profile`). */
  name?: string;
  /** More claims, put in every ID token of this user (scope `openid`). */
  claims?: Record<string, unknown>;
}

/** Options of {@link startOidcProvider}. */
export interface OidcProviderOptions {
  clients: OidcClient[];
  users: OidcUser[];
  /** Lifetimes in seconds (defaults: ID and access token 3600, refresh token 14 days, device code 600). */
  ttl?: { idToken?: number; accessToken?: number; refreshToken?: number; deviceCode?: number };
  /**
   * When a client with the refresh_token grant gets a refresh token: `always` (default; the
   * login's scopes do not matter), `never`, or `offline_access`: only when that scope was
   * granted, which for the authorization code flow also takes `prompt=consent` in the
   * authorization request (OIDC Core §11, enforced by oidc-provider; without it the scope
   * is silently dropped). The device flow keeps `offline_access` without a prompt.
   */
  refreshTokens?: 'offline_access' | 'always' | 'never';
  /**
   * Whether each refresh returns a new refresh token and consumes the old one (reusing a
   * consumed one revokes the whole grant). Default: oidc-provider's policy, which rotates
   * on every refresh for public clients.
   */
  rotateRefreshTokens?: boolean;
  /**
   * `code_challenge_methods_supported` in discovery (default `['S256']`; `[]` leaves the
   * field out). Only what is advertised changes: the provider still verifies S256 only
   * (oidc-provider has no `plain`), which is what a test of "the IdP offers no S256" needs.
   */
  codeChallengeMethods?: string[];
  /**
   * Whether an authorization request without `code_challenge` is refused (default true).
   * With false (and `codeChallengeMethods: []`) the provider acts like an IdP without PKCE.
   */
  pkceRequired?: boolean;
  /** `interval` (seconds) of device authorization responses (default 1, to keep polling tests fast). */
  deviceIntervalSeconds?: number;
  /** Edits the discovery document served (after `codeChallengeMethods` is applied). */
  editDiscovery?: (document: Record<string, unknown>) => void;
}

/** Options of {@link OidcProvider.mintIdToken}. */
export interface MintOptions {
  /** Sign with a key the provider never published (same `kid`): the signature must not verify. */
  wrongKey?: boolean;
}

/** A running provider. */
export interface OidcProvider {
  /** `https://127.0.0.1:PORT` (no trailing slash), exactly the `iss` of its tokens. */
  readonly issuer: string;
  /** The CA that signed the provider's certificate: trust it to talk to the issuer. */
  readonly caPem: string;
  /** Every request the provider answered, oldest first; clear with `requests.length = 0`. */
  readonly requests: OidcRequestRecord[];
  /** Every call of the revocation endpoint, oldest first. */
  readonly revocations: OidcRevocation[];
  /** A fetch that trusts {@link caPem} and never follows redirects (e.g. openid-client's `customFetch`). */
  readonly fetch: TrustingFetch;
  /** How many requests went to `endpoint` (for the token endpoint: optionally of one `grant_type`). */
  count(endpoint: OidcEndpoint, grantType?: string): number;
  /**
   * Plays the user in a fresh browser: opens `authorizationUrl`, signs in on the login page,
   * lets consent happen, then follows the redirect to the client's redirect_uri and returns
   * what it answered. Rejects (KgateError `UNAUTHENTICATED`) when the password is refused or
   * the provider shows an error page instead of redirecting (e.g. an unregistered redirect_uri).
   */
  completeLogin(authorizationUrl: string, options: LoginOptions): Promise<LoginResult>;
  /**
   * Writes an executable to `dir` for a CLI's `--browser-command`: run with an authorization
   * URL as its last argument, it hands the URL to this process and exits 0 at once (like a
   * browser launcher), and this process plays {@link completeLogin} with `login` in the
   * background. Each URL opened is added to {@link browserLogins}.
   */
  browserCommand(dir: string, login: LoginOptions): Promise<string>;
  /** The logins started through {@link browserCommand}, oldest first. */
  readonly browserLogins: BrowserLogin[];
  /**
   * Plays the user of a device authorization on `verificationUri` (the `verification_uri`
   * with `userCode`, or the `verification_uri_complete`): enters the code, confirms, signs
   * in. Resolves with the last page (status 200 and a success page when it worked).
   */
  completeDeviceLogin(
    verificationUri: string,
    options: DeviceLoginOptions,
  ): Promise<{ status: number; body: string }>;
  /**
   * An ID token signed with the provider's key, as the provider would issue it to the
   * first client for the first user (or the user whose `sub` is given), with `claims`
   * overriding (`undefined` removes one): e.g. `{ aud: 'other' }`, `{ exp: past }`, `{ nonce: 'x' }`.
   */
  mintIdToken(claims?: IdTokenClaims, options?: MintOptions): Promise<string>;
  /**
   * Rewrites every later successful token response (undefined: stop), e.g. to hand the
   * client an ID token with a wrong nonce: `(body) => ({ ...body, id_token: forged })`.
   */
  rewriteTokenResponses(hook: TokenResponseHook | undefined): void;
  /** Whether the provider still accepts `token` (an access or refresh token it issued). */
  isActive(token: string): Promise<boolean>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const deviceCodeGrant = 'urn:ietf:params:oauth:grant-type:device_code';

function invalid(message: string, hint: string): KgateError {
  return new KgateError('INVALID_ARGUMENT', message, { hint });
}

function accountClaims(user: OidcUser): Record<string, unknown> {
  const claims: Record<string, unknown> = { ...user.claims, sub: user.sub };
  if (user.email !== undefined) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified ?? true;
  }
  if (user.groups !== undefined) claims.groups = [...user.groups];
  if (user.name !== undefined) claims.name = user.name;
  return claims;
}

/**
 * The redirect URIs to register: a loopback root is registered with and without its
 * slash, since oidc-provider compares the strings (`http://localhost:8000`, as kubelogin
 * sends it, would not match `http://localhost/`).
 */
function redirectUrisOf(client: OidcClient): string[] {
  const uris = new Set<string>();
  for (const uri of client.redirectUris) {
    uris.add(uri);
    const parsed = URL.parse(uri);
    if (parsed?.protocol !== 'http:' || parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '')
      continue;
    uris.add(uri.endsWith('/') ? uri.slice(0, -1) : `${uri}/`);
  }
  return [...uris];
}

function clientMetadata(client: OidcClient): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    client_id: client.clientId,
    application_type: 'native',
    redirect_uris: redirectUrisOf(client),
    grant_types: [...(client.grantTypes ?? ['authorization_code', 'refresh_token', deviceCodeGrant])],
    response_types: (client.grantTypes ?? ['authorization_code']).includes('authorization_code')
      ? ['code']
      : [],
    token_endpoint_auth_method: client.clientSecret === undefined ? 'none' : 'client_secret_basic',
  };
  if (client.clientSecret !== undefined) metadata.client_secret = client.clientSecret;
  return metadata;
}

/** Starts a provider on 127.0.0.1 (a free port) with its own CA, clients and users. */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const firstClient = options.clients[0];
  const firstUser = options.users[0];
  if (firstClient === undefined)
    throw invalid('startOidcProvider: no clients', 'register at least one client');
  if (firstUser === undefined) throw invalid('startOidcProvider: no users', 'add at least one user');
  const ttl = {
    idToken: 3600,
    accessToken: 3600,
    refreshToken: 14 * 24 * 3600,
    deviceCode: 600,
    ...options.ttl,
  };
  const refreshTokens = options.refreshTokens ?? 'always';
  const users = new Map(options.users.map((u) => [u.sub, u]));

  const tls = await localServerTls();
  const server = https.createServer({ cert: tls.cert, key: tls.key });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = await createSigningKey(`kgate-test-${randomBytes(4).toString('hex')}`);
  const store = new MemoryStore();
  const extraClaims = [...new Set(options.users.flatMap((u) => Object.keys(u.claims ?? {})))];

  const configuration = {
    adapter: store.adapterFor,
    clients: options.clients.map(clientMetadata),
    jwks: { keys: [signingKey.privateJwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub', ...extraClaims],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // The claims of the granted scopes go into the ID token itself, not only to userinfo:
    // kube-apiserver and the plugin read email and groups from the ID token.
    conformIdTokenClaims: false,
    // Exact expiry: a test that waits for a 2 s token to expire must not wait 15 s more.
    clockTolerance: 0,
    pkce: { required: () => options.pkceRequired ?? true },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = users.get(sub);
      return user === undefined ? undefined : { accountId: sub, claims: async () => accountClaims(user) };
    },
    interactions: {
      url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    issueRefreshToken: async (
      _ctx: unknown,
      client: { grantTypeAllowed(type: string): boolean },
      code: { scopes: Set<string> },
    ) =>
      client.grantTypeAllowed('refresh_token') &&
      (refreshTokens === 'always' ||
        (refreshTokens === 'offline_access' && code.scopes.has('offline_access'))),
    ...(options.rotateRefreshTokens === undefined ? {} : { rotateRefreshToken: options.rotateRefreshTokens }),
    // Tokens outlive the browser session: the CLI's login is not tied to a browser cookie.
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: ttl.accessToken,
      AuthorizationCode: 60,
      DeviceCode: ttl.deviceCode,
      Grant: 14 * 24 * 3600,
      IdToken: ttl.idToken,
      Interaction: 3600,
      RefreshToken: ttl.refreshToken,
      Session: 14 * 24 * 3600,
    },
    renderError: async (ctx: KoaContext, out: { error?: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = errorPage(out.error ?? 'server_error', out.error_description ?? '');
    },
    features: {
      devInteractions: { enabled: false },
      // No resource indicators: a `resource` parameter would need resource servers configured.
      resourceIndicators: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) =>
          token.clientId === client.clientId,
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx: KoaContext, form: string, _out: unknown, err?: Error) => {
          ctx.body = deviceInputPage(form, err);
        },
        userCodeConfirmSource: async (
          ctx: KoaContext,
          form: string,
          client: { clientId: string },
          _info: unknown,
          userCode: string,
        ) => {
          ctx.body = deviceConfirmPage(form, client.clientId, userCode);
        },
        successSource: async (ctx: KoaContext) => {
          ctx.body = deviceSuccessPage(ctx.oidc?.client?.clientId ?? '');
        },
      },
    },
  };

  let provider: Awaited<ReturnType<typeof createProvider>>;
  try {
    provider = await createProvider(issuer, configuration);
    // Static clients are validated on first use; a bad one should fail here, not as invalid_client later.
    for (const client of options.clients) await provider.Client.find(client.clientId);
  } catch (error) {
    server.close();
    throw invalid(
      `startOidcProvider: the provider refused its configuration: ${describeError(error)}`,
      'check the clients (redirect URIs, grant types) and users passed to startOidcProvider',
    );
  }

  const state: InspectionState = {
    requests: [],
    revocations: [],
    codeChallengeMethods: options.codeChallengeMethods ?? ['S256'],
    editDiscovery: options.editDiscovery,
    deviceIntervalSeconds: options.deviceIntervalSeconds ?? 1,
    tokenResponseHook: undefined,
  };
  const fetch = fetchTrusting(tls.ca);
  const browserCommands = new BrowserCommands(issuer, tls.ca, (url, login) =>
    completeLogin(fetch, issuer, url, login),
  );
  // First, so that the browser stand-in's own requests stay out of the request log.
  provider.use(browserCommands.middleware());
  provider.use(inspection(state));
  provider.use(
    interactionRoutes(provider, (username, password) => {
      const user = options.users.find(
        (u) => u.sub === username || (u.email !== undefined && u.email === username),
      );
      return user !== undefined && user.password === password ? user.sub : undefined;
    }),
  );
  server.on('request', provider.callback());

  return {
    issuer,
    caPem: tls.ca,
    requests: state.requests,
    revocations: state.revocations,
    fetch,
    count: (endpoint, grantType) =>
      state.requests.filter(
        (r) => r.endpoint === endpoint && (grantType === undefined || r.grantType === grantType),
      ).length,
    completeLogin: (authorizationUrl, login) => completeLogin(fetch, issuer, authorizationUrl, login),
    browserCommand: (dir, login) => browserCommands.write(dir, login),
    browserLogins: browserCommands.logins,
    completeDeviceLogin: (verificationUri, login) =>
      completeDeviceLogin(fetch, issuer, verificationUri, login),
    mintIdToken: async (claims = {}, mint = {}) => {
      const subject = typeof claims.sub === 'string' ? users.get(claims.sub) : firstUser;
      const now = Math.floor(Date.now() / 1000);
      const base: IdTokenClaims = {
        ...(subject === undefined ? {} : accountClaims(subject)),
        iss: issuer,
        aud: firstClient.clientId,
        iat: now,
        auth_time: now,
        exp: now + ttl.idToken,
      };
      const key = mint.wrongKey ? await createSigningKey(signingKey.kid) : signingKey;
      return signIdToken({ ...base, ...claims }, key);
    },
    rewriteTokenResponses: (hook) => {
      state.tokenResponseHook = hook;
    },
    isActive: async (token) => {
      for (const model of [provider.AccessToken, provider.RefreshToken]) {
        const found = await model.find(token).catch(() => undefined);
        if (found !== undefined) return !found.isExpired && !found.consumed;
      }
      return false;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
