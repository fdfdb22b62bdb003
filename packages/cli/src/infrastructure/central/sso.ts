/**
 * Central's single sign-on endpoints: what `GET /info` says about the identity provider,
 * `POST /auth/sso/start` (a nonce) and `POST /auth/sso` (an ID token for a session).
 */
import type { CentralConnection, CentralTransport } from '../https-transport.ts';
import { readUser, type TokenPair } from './auth.ts';
import { BodyReader, expectOk } from './response.ts';

/** How central wants users to log in with single sign-on (`GET /info` → `sso`). */
export interface SsoSettings {
  issuerUrl: string;
  clientId: string;
  scopes: string[];
}

/** `GET /info`: the SSO settings, or `undefined` when central has none configured. */
export async function ssoSettingsRequest(
  transport: CentralTransport,
  connection: CentralConnection,
): Promise<SsoSettings | undefined> {
  const response = await transport(connection, { method: 'GET', path: '/info' });
  expectOk(response, 'describe itself (GET /info)');
  const reader = new BodyReader('GET /info');
  const sso = reader.record(response.body, 'body').sso;
  if (sso === undefined || sso === null) return undefined;
  const fields = reader.record(sso, 'sso');
  const issuerUrl = reader.string(fields.issuer_url, 'sso.issuer_url');
  if (!URL.canParse(issuerUrl)) throw reader.fail('sso.issuer_url');
  return {
    issuerUrl,
    clientId: reader.string(fields.client_id, 'sso.client_id'),
    scopes: reader.strings(fields.scopes ?? ['openid'], 'sso.scopes'),
  };
}

/** `POST /auth/sso/start`: a single-use nonce for the authorization request. */
export async function ssoStartRequest(
  transport: CentralTransport,
  connection: CentralConnection,
): Promise<{ nonce: string; expiresIn: number }> {
  const response = await transport(connection, { method: 'POST', path: '/auth/sso/start', body: {} });
  expectOk(response, 'start a single sign-on login');
  const reader = new BodyReader('start a single sign-on login');
  const body = reader.record(response.body, 'body');
  return {
    nonce: reader.string(body.nonce, 'nonce'),
    expiresIn: reader.optionalNumber(body.expires_in, 'expires_in') ?? 0,
  };
}

/** `POST /auth/sso`: exchanges the IdP's ID token for a kgate session. A 401 says why it was refused. */
export async function ssoLoginRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  idToken: string,
): Promise<TokenPair> {
  const response = await transport(connection, {
    method: 'POST',
    path: '/auth/sso',
    body: { id_token: idToken },
  });
  expectOk(response, 'log in with single sign-on');
  // The same session body as POST /auth/login.
  const reader = new BodyReader('log in with single sign-on');
  const body = reader.record(response.body, 'body');
  if (body.token_type !== undefined && String(body.token_type).toLowerCase() !== 'bearer') {
    throw reader.fail('token_type (expected Bearer)');
  }
  return {
    accessToken: reader.string(body.access_token, 'access_token'),
    refreshToken: reader.string(body.refresh_token, 'refresh_token'),
    expiresIn: reader.optionalNumber(body.expires_in, 'expires_in') ?? 0,
    user: readUser(reader, body.user, 'user'),
  };
}
