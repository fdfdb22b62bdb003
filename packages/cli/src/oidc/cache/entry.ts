/**
 * What one cache entry holds: the token set of one login and when each token expires. The
 * file of an entry kept in the OS keyring holds a stub instead (no token), which says where
 * the tokens are and lets `clean` find every keyring entry without listing the keyring.
 */

/** The tokens of one login, as cached. Times are ISO 8601. */
export interface OidcCacheEntry {
  version: 1;
  /** The cache key the entry was written under (a renamed file is not used for another key). */
  key: string;
  issuer: string;
  clientId: string;
  idToken: string;
  accessToken: string;
  refreshToken?: string;
  idTokenExpiresAt: string;
  accessTokenExpiresAt: string;
}

/** The file of an entry whose tokens are in the OS keyring. */
export interface OidcKeyringStub {
  version: 1;
  key: string;
  storage: 'keyring';
  issuer: string;
  clientId: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

/** Parses an entry; `undefined` for anything else (an older format, a truncated file). */
export function parseCacheEntry(text: string, key: string): OidcCacheEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.version !== 1 || value.key !== key) return undefined;
  const { issuer, clientId, idToken, accessToken, refreshToken, idTokenExpiresAt, accessTokenExpiresAt } =
    value;
  if (
    typeof issuer !== 'string' ||
    typeof clientId !== 'string' ||
    typeof idToken !== 'string' ||
    typeof accessToken !== 'string' ||
    (refreshToken !== undefined && typeof refreshToken !== 'string') ||
    !isTime(idTokenExpiresAt) ||
    !isTime(accessTokenExpiresAt)
  ) {
    return undefined;
  }
  return {
    version: 1,
    key,
    issuer,
    clientId,
    idToken,
    accessToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    idTokenExpiresAt,
    accessTokenExpiresAt,
  };
}

/** Parses a keyring stub; `undefined` when `text` is not one. */
export function parseKeyringStub(text: string, key: string): OidcKeyringStub | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value) || value.version !== 1 || value.key !== key || value.storage !== 'keyring') {
      return undefined;
    }
    if (typeof value.issuer !== 'string' || typeof value.clientId !== 'string') return undefined;
    return { version: 1, key, storage: 'keyring', issuer: value.issuer, clientId: value.clientId };
  } catch {
    return undefined;
  }
}

/**
 * A token is not handed out when it expires within this margin: a request sent with it
 * could arrive after it expired, and kubectl would fail instead of asking again.
 */
export const EXPIRY_MARGIN_MS = 10_000;

/**
 * The credential an entry yields now: the ID token (default) or the access token, if valid
 * for more than `marginMs` yet. A token just issued is handed out with a margin of 0: a
 * provider may issue tokens shorter-lived than the margin, and logging in again would not help.
 */
export function usableToken(
  entry: OidcCacheEntry,
  useAccessToken: boolean,
  now: number,
  marginMs = EXPIRY_MARGIN_MS,
): { token: string; expiresAt: Date } | undefined {
  const token = useAccessToken ? entry.accessToken : entry.idToken;
  const expiresAt = Date.parse(useAccessToken ? entry.accessTokenExpiresAt : entry.idTokenExpiresAt);
  if (token === '' || Number.isNaN(expiresAt) || expiresAt - now <= marginMs) return undefined;
  return { token, expiresAt: new Date(expiresAt) };
}
