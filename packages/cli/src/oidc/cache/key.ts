/**
 * The cache key of a login: one cached token set per (issuer, client, scopes, trusted CA,
 * authorization request parameters, password-grant username). Two kubeconfig users that
 * differ in any of these must not share tokens; two that differ only in how they log in
 * (browser or device code, ports, timeouts) should.
 */
import { readFileSync } from 'node:fs';
import { userError } from '../../errors.ts';
import { type OidcLoginSettings, resolvedGrantType, scopesOf } from '../settings.ts';
import { sha256Hex } from './sha256.ts';

/** What the key is made of. */
export type CacheKeySettings = Pick<
  OidcLoginSettings,
  'issuerUrl' | 'clientId' | 'extraScopes' | 'caFile' | 'authRequestExtraParams' | 'grantType' | 'username'
>;

/** Reads the CA file's bytes, naming the file when it cannot be read. */
function caBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    throw userError(
      'CA_FILE_INVALID',
      `cannot read --certificate-authority ${file}: ${(error as Error).message}`,
      "give the PEM file of the CA that signed the OpenID provider's certificate",
      { cause: error },
    );
  }
}

/**
 * The key (64 hex digits) of `settings`. The CA is hashed by content, so that replacing the
 * file's certificates (a new IdP CA) starts a new cache entry rather than trusting tokens
 * fetched under the old one.
 *
 * @throws {CliError} `CA_FILE_INVALID` when the CA file cannot be read
 */
export function oidcCacheKey(settings: CacheKeySettings): string {
  const grant = resolvedGrantType(settings);
  const material = {
    v: 1,
    issuer: settings.issuerUrl,
    clientId: settings.clientId,
    scopes: [...new Set(scopesOf(settings))].sort(),
    ca: settings.caFile === undefined ? null : sha256Hex(caBytes(settings.caFile)),
    params: settings.authRequestExtraParams.map(([name, value]) => `${name}=${value}`).sort(),
    // A password login is bound to the username; the other grants log in whoever uses the browser.
    username: grant === 'password' ? (settings.username ?? null) : null,
  };
  return sha256Hex(JSON.stringify(material));
}
