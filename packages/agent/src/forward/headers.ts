/**
 * The request headers the agent sends to the apiserver: the client's end-to-end
 * headers minus anything that claims an identity, then — added last, so nothing the
 * client sent can remove them — the impersonation headers and the agent's own
 * credential.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { AssertedIdentity } from '../tunnel/assertion.ts';
import { allowedUpgrades, endToEndHeaders, type HeaderPair, headerValues } from '../tunnel/proto.ts';

/**
 * The upgrade the client asked for, if it is one the tunnel carries (`SPDY/3.1` or
 * `websocket`, as sent); `undefined` when the request asks for none, and `null` when it
 * asks for another or several.
 */
export function requestedUpgrade(headers: readonly HeaderPair[]): string | undefined | null {
  const values = headerValues(headers, 'upgrade')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (values.length === 0) return undefined;
  const [only] = values;
  if (values.length !== 1 || only === undefined || !allowedUpgrades.has(only.toLowerCase())) return null;
  return only;
}

/** Headers for the apiserver request of `identity`. */
export function apiserverRequestHeaders(
  clientHeaders: readonly HeaderPair[],
  identity: AssertedIdentity,
  authorization: string | undefined,
  upgrade: string | undefined,
): OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const { name, value } of endToEndHeaders(clientHeaders, { drop: ['host'] })) {
    const key = name.toLowerCase();
    const existing = headers[key];
    if (existing === undefined) headers[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[key] = [existing, value];
  }
  headers['impersonate-user'] = identity.username;
  headers['impersonate-group'] = [...identity.groups];
  if (authorization !== undefined) headers.authorization = authorization;
  if (upgrade !== undefined) {
    headers.connection = 'Upgrade';
    headers.upgrade = upgrade;
  }
  return headers;
}
