/**
 * Logging in to an OpenID provider from a terminal program, with openid-client: discovery,
 * authorization code + PKCE S256 through a loopback redirect (or a code typed in),
 * device authorization, password, refresh and revocation. Nothing here knows about kubectl
 * or caches: `kgate oidc-login` and `kgate login --sso` build on it.
 *
 * What is checked, and fails closed: the discovery document names the issuer asked for;
 * the provider lists S256 for PKCE (no plain, no PKCE-less fallback); `state` and `nonce`
 * match; the ID token's issuer, audience, expiry and signature (the provider's JWKS) hold.
 *
 * @example
 * ```ts
 * const provider = await discoverOidcProvider({ issuerUrl, clientId, scopes: ['openid', 'email'] });
 * const tokens = await provider.login(
 *   { grant: 'authcode', openUrl: (url) => openBrowser(url, undefined) },
 *   { timeoutMs: 180_000 },
 * );
 * ```
 */

import { isKgateError } from '@kgate/core/errors';
import * as oidc from 'openid-client';
import { userError } from '../errors.ts';
import { httpsFetch, type TrustedCa } from './http.ts';
import { type ListenAddress, startLoopbackServer } from './loopback.ts';

/** Who the client is and where its provider is. */
export interface OidcProviderOptions {
  /** The issuer URL; the discovery document must name exactly this issuer. */
  issuerUrl: string;
  clientId: string;
  /** For confidential clients; sent with HTTP Basic when the provider supports it. */
  clientSecret?: string;
  /** The CA to trust for the provider's TLS instead of the system roots. */
  ca?: TrustedCa;
  /** Scopes to ask for; `openid` is added when missing. */
  scopes?: readonly string[];
  /** Extra parameters of the authorization (and device authorization) request. */
  authRequestParams?: readonly (readonly [string, string])[];
  /** Per HTTP request (default 30 s). */
  requestTimeoutMs?: number;
}

/** The tokens of a login or a refresh. */
export interface OidcTokenSet {
  idToken: string;
  accessToken: string;
  refreshToken?: string;
  /** The ID token's `exp`. */
  idTokenExpiresAt: Date;
  /** From `expires_in`, else the access token's own `exp` if it is a JWT, else the ID token's. */
  accessTokenExpiresAt: Date;
  /** The claims of the ID token, verified. */
  claims: Readonly<Record<string, unknown>>;
}

/** What a device login shows the user. */
export interface DeviceCodePrompt {
  verificationUri: string;
  /** The URI with the code filled in, when the provider offers one. */
  verificationUriComplete?: string;
  userCode: string;
  expiresInSeconds: number;
}

/** How to log in. */
export type OidcLoginMethod =
  | {
      grant: 'authcode';
      /** Tried in order; then any free port on the first one's host (default 127.0.0.1:0). */
      listenAddresses?: readonly ListenAddress[];
      /** The redirect URI's path (default `/callback`). */
      callbackPath?: string;
      /** Sends the user to the authorization URL (opens a browser, prints it). */
      openUrl(url: string): void | Promise<void>;
    }
  | {
      grant: 'authcode-keyboard';
      /** Default `urn:ietf:wg:oauth:2.0:oob`: the provider shows the code for the user to type. */
      redirectUri?: string;
      /**
       * Shows `url` and returns what the user typed: the code, or the whole redirect URL.
       * `signal` aborts at the timeout: stop reading then.
       */
      readCode(url: string, signal: AbortSignal): Promise<string>;
    }
  | { grant: 'device-code'; showCode(prompt: DeviceCodePrompt): void | Promise<void> }
  | { grant: 'password'; username: string; password: string };

/** Options of {@link OidcProvider.login}. */
export interface OidcLoginOptions {
  /** The user's time to finish (default 180 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * The `nonce` of an authorization-code login, when a third party must find it in the ID
   * token (kgate-central issues one per SSO login); default: a fresh random one.
   */
  nonce?: string;
}

/** A discovered provider, for one client. */
export interface OidcProvider {
  /** The issuer, as discovery confirmed it. */
  readonly issuer: string;
  /** Whether discovery lists a revocation endpoint (RFC 7009). */
  readonly canRevoke: boolean;
  /** Logs in; the result has a verified ID token. */
  login(method: OidcLoginMethod, options?: OidcLoginOptions): Promise<OidcTokenSet>;
  /**
   * Spends a refresh token. When the provider sends no new ID token, `previous`'s is kept
   * (with its expiry, which may have passed).
   */
  refresh(
    refreshToken: string,
    previous?: Pick<OidcTokenSet, 'idToken' | 'idTokenExpiresAt'>,
  ): Promise<OidcTokenSet>;
  /** Revokes a token at the provider (RFC 7009). */
  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<void>;
}

/** The out-of-band redirect URI of installed apps: the provider shows the code. */
export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob';

/** Parameters kgate sets itself and a user's extra parameters may not replace. */
const reservedParams = new Set([
  'client_id',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

/** Text from the provider, made safe to print on a terminal. */
function clean(text: unknown): string {
  return (
    String(text)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
      .slice(0, 300)
  );
}

/** What a check of openid-client found wrong, said for the user (`undefined`: no better words). */
function explain(detail: string): string | undefined {
  if (/"state"/.test(detail)) {
    return 'the callback does not answer this login (its state does not match): a forged or stale callback';
  }
  if (/response parameter "iss"|"iss" \(issuer\) response parameter/.test(detail)) {
    return 'the callback does not name the issuer (iss) of this login';
  }
  if (/"nonce" claim/.test(detail)) return "the ID token's nonce is not the one this login sent";
  if (/"aud" \(audience\)|"azp"/.test(detail)) return 'the ID token was issued to another client (aud)';
  if (/"exp" \(expiration time\) claim value/.test(detail)) return 'the ID token has expired';
  if (/"iss" \(issuer\) claim/.test(detail)) return 'the ID token was issued by another issuer (iss)';
  if (/signature verification failed/.test(detail)) {
    return "the ID token's signature does not verify with the provider's published keys (JWKS)";
  }
  return undefined;
}

/** Why openid-client refused something, in a sentence (never a token: its messages hold none). */
function describe(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
    const description = error.error_description ? ` (${clean(error.error_description)})` : '';
    return `the provider answered ${clean(error.error)}${description}`;
  }
  if (error instanceof Error) {
    // openid-client's message is generic ("invalid response encountered"); its cause says what.
    const detail = error.cause instanceof Error && error.cause.message ? clean(error.cause.message) : '';
    const plain = explain(detail || error.message);
    if (plain !== undefined) return `${plain} (${detail || clean(error.message)})`;
    return detail === '' ? clean(error.message) : `${clean(error.message)}: ${detail}`;
  }
  return clean(error);
}

/** Our own errors (an unreachable provider) pass through; openid-client's become `code`. */
function wrap(
  error: unknown,
  code: 'OIDC_LOGIN_FAILED' | 'OIDC_DISCOVERY_INVALID',
  what: string,
  hint: string,
) {
  if (isKgateError(error)) return error;
  if (error instanceof Error && isKgateError(error.cause)) return error.cause;
  return userError(code, `${what}: ${describe(error)}`, hint, { cause: error });
}

function jwtExp(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

/**
 * The token set of a token-endpoint answer openid-client has checked. A login without an
 * ID token, or with one that has expired already, is refused here.
 */
function tokenSet(
  response: TokenResponse,
  issuer: string,
  previous?: Pick<OidcTokenSet, 'idToken' | 'idTokenExpiresAt'>,
): OidcTokenSet {
  const claims = response.claims();
  let idToken: string;
  let idTokenExpiresAt: Date;
  if (response.id_token !== undefined && claims !== undefined) {
    idToken = response.id_token;
    idTokenExpiresAt = new Date(claims.exp * 1000);
  } else if (previous !== undefined) {
    ({ idToken, idTokenExpiresAt } = previous);
  } else {
    throw userError(
      'OIDC_LOGIN_FAILED',
      `${issuer} returned no ID token`,
      'check that the client may use the openid scope at the provider',
    );
  }
  // openid-client allows 30 s of clock skew; a token that is already over is of no use, and
  // would make every later run log in again.
  if (claims !== undefined && idTokenExpiresAt.getTime() <= Date.now()) {
    throw userError(
      'OIDC_LOGIN_FAILED',
      `${issuer} returned an ID token that expired at ${idTokenExpiresAt.toISOString()}`,
      "check this machine's clock and the provider's",
    );
  }
  const expiresIn = response.expiresIn();
  const accessExp = jwtExp(response.access_token);
  const accessTokenExpiresAt =
    expiresIn !== undefined
      ? new Date(Date.now() + expiresIn * 1000)
      : accessExp !== undefined
        ? new Date(accessExp * 1000)
        : idTokenExpiresAt;
  return {
    idToken,
    accessToken: response.access_token,
    ...(response.refresh_token === undefined ? {} : { refreshToken: response.refresh_token }),
    idTokenExpiresAt,
    accessTokenExpiresAt,
    claims: claims === undefined ? {} : { ...claims },
  };
}

function timeoutError(issuer: string, timeoutMs: number) {
  return userError(
    'OIDC_LOGIN_TIMEOUT',
    `the login at ${issuer} was not completed within ${Math.round(timeoutMs / 1000)} s`,
    'run the command again and finish the login in the browser, or raise --authentication-timeout',
  );
}

/** The user's typed answer as a callback URL: a whole redirect URL, or a bare code. */
function keyboardCallback(typed: string, redirectUri: string, state: string): URL {
  const text = typed.trim();
  if (text === '') {
    throw userError('OIDC_LOGIN_FAILED', 'no authorization code was entered', 'run the command again');
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) && text.includes('code=')) {
    const pasted = new URL(text);
    const url = new URL(redirectUri);
    // The pasted URL's parameters are checked (state included); its address is not ours to trust.
    url.search = pasted.search;
    return url;
  }
  const url = new URL(redirectUri);
  url.searchParams.set('code', text);
  // A bare code comes with no state to check; PKCE binds it to this login all the same.
  url.searchParams.set('state', state);
  return url;
}

/**
 * Discovers the provider at `options.issuerUrl` and returns a client for it.
 *
 * @throws {CliError} `OIDC_IDP_UNREACHABLE`, `OIDC_DISCOVERY_INVALID` (no document, another
 *   issuer), `INVALID_ARGUMENT` (a reserved extra parameter)
 */
export async function discoverOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const params = options.authRequestParams ?? [];
  for (const [name] of params) {
    if (reservedParams.has(name)) {
      throw userError(
        'INVALID_ARGUMENT',
        `the authorization request parameter ${name} is set by kgate and cannot be given`,
        `remove ${name}=… from --auth-request-extra-params`,
      );
    }
  }
  const scopes = [...new Set(['openid', ...(options.scopes ?? [])])];
  const scope = scopes.join(' ');
  const fetch = httpsFetch(options.ca);
  const timeout = Math.ceil((options.requestTimeoutMs ?? 30_000) / 1000);
  let config: oidc.Configuration;
  try {
    const discovered = await oidc.discovery(
      new URL(options.issuerUrl),
      options.clientId,
      undefined,
      undefined,
      {
        [oidc.customFetch]: fetch,
        timeout,
      },
    );
    const metadata = discovered.serverMetadata();
    let auth: oidc.ClientAuth = oidc.None();
    if (options.clientSecret !== undefined) {
      const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
      auth = methods.includes('client_secret_basic')
        ? oidc.ClientSecretBasic(options.clientSecret)
        : oidc.ClientSecretPost(options.clientSecret);
    }
    config = new oidc.Configuration(metadata, options.clientId, undefined, auth);
    config[oidc.customFetch] = fetch;
    config.timeout = timeout;
    // ID token signatures are checked against the provider's JWKS, not only trusted for
    // having come over TLS.
    oidc.enableNonRepudiationChecks(config);
  } catch (error) {
    throw wrap(
      error,
      'OIDC_DISCOVERY_INVALID',
      `discovery of ${options.issuerUrl} failed`,
      'check --issuer-url: it must be exactly the issuer the provider names in /.well-known/openid-configuration',
    );
  }
  const metadata = config.serverMetadata();
  const issuer = metadata.issuer;
  const authParams = Object.fromEntries(params);

  const exchange = async <T extends TokenResponse>(what: string, run: () => Promise<T>) => {
    try {
      return tokenSet(await run(), issuer);
    } catch (error) {
      throw wrap(
        error,
        'OIDC_LOGIN_FAILED',
        `${what} at ${issuer} failed`,
        'run the command again to log in afresh',
      );
    }
  };

  const requirePkce = () => {
    if (!metadata.supportsPKCE('S256')) {
      throw userError(
        'OIDC_PKCE_UNSUPPORTED',
        `${issuer} does not list S256 in code_challenge_methods_supported`,
        'kgate logs in with PKCE S256 only: enable it at the provider, or use --grant-type device-code',
      );
    }
  };

  const authorizationUrl = async (redirectUri: string, chosenNonce: string | undefined) => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = chosenNonce ?? oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      ...authParams,
      redirect_uri: redirectUri,
      scope,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const checks: oidc.AuthorizationCodeGrantChecks = {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    };
    return { url: url.href, state, checks };
  };

  const withTimeout = (options: OidcLoginOptions) => {
    const timeoutMs = options.timeoutMs ?? 180_000;
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal !== undefined) signals.push(options.signal);
    return { timeoutMs, signal: AbortSignal.any(signals) };
  };

  const timedOut = (error: unknown, signal: AbortSignal, timeoutMs: number) =>
    signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError'
      ? timeoutError(issuer, timeoutMs)
      : error;

  return {
    issuer,
    canRevoke: typeof metadata.revocation_endpoint === 'string',

    async login(method, loginOptions = {}) {
      const { timeoutMs, signal } = withTimeout(loginOptions);
      switch (method.grant) {
        case 'authcode': {
          requirePkce();
          const server = await startLoopbackServer(
            method.listenAddresses ?? [{ host: '127.0.0.1', port: 0 }],
            method.callbackPath,
          );
          try {
            const request = await authorizationUrl(server.redirectUri, loginOptions.nonce);
            await method.openUrl(request.url);
            return await server.waitForCallback(
              (callback) =>
                exchange('the login', () => oidc.authorizationCodeGrant(config, callback, request.checks)),
              signal,
            );
          } catch (error) {
            throw timedOut(error, signal, timeoutMs);
          } finally {
            await server.close();
          }
        }
        case 'authcode-keyboard': {
          requirePkce();
          const redirectUri = method.redirectUri ?? OOB_REDIRECT_URI;
          const request = await authorizationUrl(redirectUri, loginOptions.nonce);
          const typed = await Promise.race([
            method.readCode(request.url, signal),
            new Promise<never>((_resolve, reject) => {
              signal.addEventListener('abort', () => reject(timeoutError(issuer, timeoutMs)), { once: true });
            }),
          ]);
          const callback = keyboardCallback(typed, redirectUri, request.state);
          return exchange('the login', () => oidc.authorizationCodeGrant(config, callback, request.checks));
        }
        case 'device-code': {
          if (typeof metadata.device_authorization_endpoint !== 'string') {
            throw userError(
              'OIDC_DISCOVERY_INVALID',
              `${issuer} offers no device authorization endpoint`,
              'use --grant-type authcode (a browser on this machine) instead',
            );
          }
          let started: oidc.DeviceAuthorizationResponse;
          try {
            started = await oidc.initiateDeviceAuthorization(config, { ...authParams, scope });
          } catch (error) {
            throw wrap(
              error,
              'OIDC_LOGIN_FAILED',
              `the device login at ${issuer} failed`,
              'run the command again',
            );
          }
          await method.showCode({
            verificationUri: started.verification_uri,
            ...(started.verification_uri_complete === undefined
              ? {}
              : { verificationUriComplete: started.verification_uri_complete }),
            userCode: started.user_code,
            expiresInSeconds: started.expires_in,
          });
          try {
            return await exchange('the device login', () =>
              oidc.pollDeviceAuthorizationGrant(config, started, undefined, { signal }),
            );
          } catch (error) {
            throw timedOut(error, signal, timeoutMs);
          }
        }
        case 'password':
          return exchange('the password login', () =>
            oidc.genericGrantRequest(config, 'password', {
              username: method.username,
              password: method.password,
              scope,
            }),
          );
      }
    },

    async refresh(refreshToken, previous) {
      try {
        return tokenSet(await oidc.refreshTokenGrant(config, refreshToken), issuer, previous);
      } catch (error) {
        throw wrap(error, 'OIDC_LOGIN_FAILED', `the refresh at ${issuer} failed`, 'log in again');
      }
    },

    async revoke(token, hint) {
      try {
        await oidc.tokenRevocation(config, token, { token_type_hint: hint });
      } catch (error) {
        throw wrap(
          error,
          'OIDC_LOGIN_FAILED',
          `the revocation at ${issuer} failed`,
          'revoke the session at the provider (its account page), or run logout again',
        );
      }
    },
  };
}
