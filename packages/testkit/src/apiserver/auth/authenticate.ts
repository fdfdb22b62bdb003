/**
 * Request authentication in kube-apiserver's order: a verified x509 client certificate
 * (CN = user, O = groups), then a bearer token from the static table, then an OIDC ID
 * token. Anything else is anonymous, which this fixture refuses with 401 (like
 * `--anonymous-auth=false`).
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { OidcAuthenticator } from './oidc.ts';
import { type UserInfo, withAuthenticated } from './user.ts';

/** One line of the static token table (`--token-auth-file`). */
export interface StaticToken {
  token: string;
  user: string;
  uid?: string;
  groups?: string[];
}

export interface Authenticators {
  tokens: readonly StaticToken[];
  oidc?: OidcAuthenticator;
}

function fromCertificate(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (cert === null || cert.subject === undefined) return undefined;
  const cn = cert.subject.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (name === undefined || name === '') return undefined;
  const o = cert.subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups };
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The authenticated user (with `system:authenticated`), or undefined for a 401. */
export async function authenticate(
  req: IncomingMessage,
  auth: Authenticators,
): Promise<UserInfo | undefined> {
  const certUser = fromCertificate(req);
  if (certUser !== undefined) return withAuthenticated(certUser);
  const token = bearerToken(req);
  if (token === undefined) return undefined;
  const entry = auth.tokens.find((t) => t.token === token);
  if (entry !== undefined) {
    const user: UserInfo = { name: entry.user, groups: [...(entry.groups ?? [])] };
    if (entry.uid !== undefined) user.uid = entry.uid;
    return withAuthenticated(user);
  }
  if (auth.oidc !== undefined && token.split('.').length === 3) {
    const user = await auth.oidc.authenticate(token);
    if (user !== undefined) return withAuthenticated(user);
  }
  return undefined;
}
