/** Central's `/auth/*` endpoints: login, refresh (rotating), logout, whoami. */
import type { SessionUser } from '../../usecases/session.ts';
import type { CentralConnection, CentralTransport } from '../https-transport.ts';
import { BodyReader, expectOk } from './response.ts';

/** A token pair central issued. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token is valid for, as central says. */
  expiresIn: number;
  /** Present on login (and on refresh when central sends it). */
  user: SessionUser | undefined;
}

/** Reads `{id, username, roles}`. */
export function readUser(reader: BodyReader, value: unknown, field: string): SessionUser {
  const user = reader.record(value, field);
  return {
    id: reader.id(user.id, `${field}.id`),
    username: reader.string(user.username, `${field}.username`),
    roles: reader.strings(user.roles ?? [], `${field}.roles`),
  };
}

function readTokenPair(body: unknown, what: string): TokenPair {
  const reader = new BodyReader(what);
  const pair = reader.record(body, 'body');
  const expiresIn = reader.optionalNumber(pair.expires_in, 'expires_in');
  if (pair.token_type !== undefined && String(pair.token_type).toLowerCase() !== 'bearer') {
    throw reader.fail('token_type (expected Bearer)');
  }
  return {
    accessToken: reader.string(pair.access_token, 'access_token'),
    refreshToken: reader.string(pair.refresh_token, 'refresh_token'),
    expiresIn: expiresIn ?? 0,
    user: pair.user === undefined ? undefined : readUser(reader, pair.user, 'user'),
  };
}

/** `POST /auth/login`. A 401 means a wrong username or password. */
export async function loginRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  username: string,
  password: string,
): Promise<TokenPair> {
  const response = await transport(connection, {
    method: 'POST',
    path: '/auth/login',
    body: { username, password },
  });
  expectOk(response, 'log in');
  return readTokenPair(response.body, 'log in');
}

/** `POST /auth/refresh`: a new pair; the refresh token given is revoked by central. */
export async function refreshRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  refreshToken: string,
): Promise<TokenPair> {
  const response = await transport(connection, {
    method: 'POST',
    path: '/auth/refresh',
    body: { refresh_token: refreshToken },
  });
  expectOk(response, 'refresh the session');
  return readTokenPair(response.body, 'refresh the session');
}

/** `POST /auth/logout`: revokes the refresh token. */
export async function logoutRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  refreshToken: string,
): Promise<void> {
  const response = await transport(connection, {
    method: 'POST',
    path: '/auth/logout',
    body: { refresh_token: refreshToken },
  });
  expectOk(response, 'log out');
}

/** `GET /auth/whoami`. */
export async function whoamiRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
): Promise<SessionUser> {
  const response = await transport(connection, { method: 'GET', path: '/auth/whoami', accessToken });
  expectOk(response, 'say who is logged in');
  const reader = new BodyReader('whoami');
  const body = reader.record(response.body, 'body');
  // Central may answer with the user itself or wrap it as {user}.
  return readUser(reader, body.user ?? body, 'user');
}
