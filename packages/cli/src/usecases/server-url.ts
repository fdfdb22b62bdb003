/** Central's URL as the user typed it → the one form kgate stores and compares. */
import { userError } from '../errors.ts';

/**
 * Normalises a central URL: `https://` is assumed when no scheme is given, and query,
 * fragment and trailing slashes are dropped, so that `https://c.example/` and
 * `c.example` name one server (and one keyring entry).
 *
 * @throws {CliError} `INVALID_ARGUMENT` for a URL that is not https
 */
export function normalizeServer(input: string): string {
  const trimmed = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw userError(
      'INVALID_ARGUMENT',
      `--server ${JSON.stringify(input)} is not a URL`,
      "give central's URL, e.g. https://kgate.example.com",
    );
  }
  if (url.protocol !== 'https:') {
    throw userError(
      'INVALID_ARGUMENT',
      `--server ${JSON.stringify(input)} is not https`,
      'kgate only talks to central over TLS (and kubectl sends no credentials over http); use its https:// URL',
    );
  }
  if (url.username || url.password) {
    throw userError(
      'INVALID_ARGUMENT',
      '--server must not contain a username or password',
      'give the URL without user:password@',
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
