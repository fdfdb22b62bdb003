/** `kgate oidc-login clean [--token-cache-dir DIR]`: empty the OIDC token cache. Nothing is revoked. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { userError } from '../../errors.ts';
import { userHome } from '../../infrastructure/paths.ts';
import { clearOidcCache } from '../../oidc/cache/store.ts';
import { keyringLoader, type OidcLoginDeps, type OidcLoginIO } from './io.ts';
import { clearLoginAttempts } from './storm-guard.ts';
import { CLEAN_USAGE } from './usage.ts';

/**
 * Runs `clean` with `args`: every entry of the cache folder, in files and the keyring, and
 * the login-storm guard's markers.
 *
 * @throws {CliError} `OIDC_CACHE_UNSAFE` for a folder that must not be touched
 */
export async function cleanMain(
  args: readonly string[],
  io: OidcLoginIO,
  deps: OidcLoginDeps,
): Promise<number> {
  let values: { 'token-cache-dir'?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { 'token-cache-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw userError('INVALID_ARGUMENT', (error as Error).message, 'run `kgate oidc-login clean --help`');
  }
  if (values.help) {
    io.stdout.write(CLEAN_USAGE);
    return 0;
  }
  const given = values['token-cache-dir'];
  const dir =
    given === undefined ? path.join(userHome(io.env), '.kube', 'cache', 'kgate') : path.resolve(given);
  const removed = await clearOidcCache(dir, keyringLoader(deps, io.env));
  const markers = clearLoginAttempts(dir);
  io.stderr.write(
    removed.length === 0
      ? `The OIDC token cache ${dir} holds no tokens.\n`
      : `Removed from the OIDC token cache:\n${removed.map((where) => `  ${where}\n`).join('')}`,
  );
  if (markers > 0)
    io.stderr.write(`Reset the login-attempt guard of ${markers} cache ${markers === 1 ? 'key' : 'keys'}.\n`);
  return 0;
}
