/**
 * A login session with central as kgate stores it (in the OS keyring or a 0600 file), and
 * the checks that tell a stored record from garbage.
 */

/** The user central says is logged in. */
export interface SessionUser {
  id: string;
  username: string;
  roles: string[];
}

/** Everything `kgate login` stores for one server. */
export interface StoredSession {
  version: 1;
  /** The normalised central URL; also the keyring account. */
  server: string;
  /** The CA file given at login, remembered to tell the user where the PEM came from. */
  caFile?: string;
  /** The PEM of central's CA, so that refreshes work even if the file moves. */
  caPem?: string;
  user: SessionUser;
  accessToken: string;
  /** ISO time; never later than the access token's own `exp`. */
  accessTokenExpiresAt: string;
  refreshToken: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Parses a stored record; `undefined` when it is not one (a record of an older kgate, a torn write). */
export function parseStoredSession(text: string): StoredSession | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.version !== 1) return undefined;
  const { server, user, accessToken, accessTokenExpiresAt, refreshToken, caFile, caPem } = value;
  if (
    typeof server !== 'string' ||
    typeof accessToken !== 'string' ||
    typeof refreshToken !== 'string' ||
    typeof accessTokenExpiresAt !== 'string' ||
    Number.isNaN(Date.parse(accessTokenExpiresAt)) ||
    !isRecord(user) ||
    typeof user.id !== 'string' ||
    typeof user.username !== 'string' ||
    !Array.isArray(user.roles) ||
    !user.roles.every((r) => typeof r === 'string')
  ) {
    return undefined;
  }
  const session: StoredSession = {
    version: 1,
    server,
    user: { id: user.id, username: user.username, roles: user.roles },
    accessToken,
    accessTokenExpiresAt,
    refreshToken,
  };
  if (typeof caFile === 'string') session.caFile = caFile;
  if (typeof caPem === 'string') session.caPem = caPem;
  return session;
}
