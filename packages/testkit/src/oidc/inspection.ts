/**
 * What the fixture sees of the traffic and changes in it: every request is logged with
 * its endpoint (so tests count logins, refreshes and revocations), discovery can be
 * edited (e.g. to advertise no S256), the device authorization gets a short polling
 * interval, and successful token responses can be rewritten by the test.
 */
import type { KoaContext, KoaMiddleware } from './provider-module.ts';

/** The provider endpoint a request went to. */
export type OidcEndpoint =
  | 'discovery'
  | 'jwks'
  | 'authorization'
  | 'interaction'
  | 'token'
  | 'userinfo'
  | 'revocation'
  | 'device_authorization'
  | 'device_verification'
  | 'end_session'
  | 'other';

/** One request the provider answered. */
export interface OidcRequestRecord {
  endpoint: OidcEndpoint;
  method: string;
  /** The path, without the query. */
  path: string;
  status: number;
  /** The client the request was for, when the provider identified one. */
  clientId?: string;
  /** `grant_type` of a token request. */
  grantType?: string;
  /** The OAuth `error` of a JSON error response (`invalid_grant`, `invalid_client`, …). */
  error?: string;
}

/** One call of the revocation endpoint (RFC 7009). */
export interface OidcRevocation {
  /** The token as the client sent it. */
  token: string;
  tokenTypeHint?: string;
  clientId?: string;
  /**
   * What the provider found and revoked: revoking a refresh token (or an access token)
   * also revokes the grant it belongs to. `unknown`: nothing was revoked (an unknown,
   * expired or already revoked token still gets 200, per RFC 7009).
   */
  kind: 'refresh_token' | 'access_token' | 'unknown';
  status: number;
}

/** A successful token-endpoint response body (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  [field: string]: unknown;
}

/** Rewrites a successful token response before the client gets it. */
export type TokenResponseHook = (
  body: TokenResponse,
  request: { grantType: string; clientId: string },
) => TokenResponse | Promise<TokenResponse>;

/** What the inspection middleware needs from the fixture. */
export interface InspectionState {
  requests: OidcRequestRecord[];
  revocations: OidcRevocation[];
  codeChallengeMethods: readonly string[];
  editDiscovery: ((document: Record<string, unknown>) => void) | undefined;
  deviceIntervalSeconds: number;
  tokenResponseHook: TokenResponseHook | undefined;
}

function endpointOf(path: string): OidcEndpoint {
  if (path === '/.well-known/openid-configuration') return 'discovery';
  if (path === '/jwks') return 'jwks';
  if (path === '/auth') return 'authorization';
  if (path.startsWith('/auth/') || path.startsWith('/interaction/')) return 'interaction';
  if (path === '/token') return 'token';
  if (path === '/token/revocation') return 'revocation';
  if (path === '/me') return 'userinfo';
  if (path === '/device/auth') return 'device_authorization';
  if (path === '/device' || path.startsWith('/device/')) return 'device_verification';
  if (path.startsWith('/session/end')) return 'end_session';
  return 'other';
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);

const stringParam = (ctx: KoaContext, name: string): string | undefined => {
  const value = ctx.oidc?.params?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** Koa middleware that logs, edits discovery and device responses, and applies the token hook. */
export function inspection(state: InspectionState): KoaMiddleware {
  return async (ctx, next) => {
    await next();
    const endpoint = endpointOf(ctx.path);
    const ok = ctx.status === 200 && isObject(ctx.body);
    const clientId = ctx.oidc?.client?.clientId;
    const grantType = endpoint === 'token' ? stringParam(ctx, 'grant_type') : undefined;

    if (endpoint === 'discovery' && ok && isObject(ctx.body)) {
      const doc = ctx.body;
      if (state.codeChallengeMethods.length === 0) delete doc.code_challenge_methods_supported;
      else doc.code_challenge_methods_supported = [...state.codeChallengeMethods];
      state.editDiscovery?.(doc);
    }
    if (endpoint === 'device_authorization' && ok && isObject(ctx.body))
      ctx.body.interval = state.deviceIntervalSeconds;
    const hook = state.tokenResponseHook;
    if (endpoint === 'token' && ok && hook !== undefined)
      ctx.body = await hook(ctx.body as TokenResponse, {
        grantType: grantType ?? '',
        clientId: clientId ?? '',
      });

    const record: OidcRequestRecord = { endpoint, method: ctx.method, path: ctx.path, status: ctx.status };
    if (clientId !== undefined) record.clientId = clientId;
    if (grantType !== undefined) record.grantType = grantType;
    if (isObject(ctx.body) && typeof ctx.body.error === 'string') record.error = ctx.body.error;
    state.requests.push(record);

    const token = endpoint === 'revocation' ? stringParam(ctx, 'token') : undefined;
    if (token !== undefined) {
      const entities = ctx.oidc?.entities ?? {};
      const revocation: OidcRevocation = {
        token,
        kind:
          ctx.status !== 200
            ? 'unknown'
            : 'RefreshToken' in entities
              ? 'refresh_token'
              : 'AccessToken' in entities
                ? 'access_token'
                : 'unknown',
        status: ctx.status,
      };
      const hint = stringParam(ctx, 'token_type_hint');
      if (hint !== undefined) revocation.tokenTypeHint = hint;
      if (clientId !== undefined) revocation.clientId = clientId;
      state.revocations.push(revocation);
    }
  };
}
