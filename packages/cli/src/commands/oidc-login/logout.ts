/**
 * `kgate oidc-login logout [flags]`: revoke the cached refresh token at the provider
 * (RFC 7009, when its discovery lists a revocation endpoint), then remove the entry. The
 * entry is removed even when the revocation fails, and the failure is reported: the tokens
 * should leave this machine either way.
 */
import path from 'node:path';
import { userError } from '../../errors.ts';
import { acquireFileLock } from '../../infrastructure/file-lock.ts';
import { oidcCacheKey } from '../../oidc/cache/key.ts';
import { oidcTokenCache } from '../../oidc/cache/store.ts';
import { parseOidcLoginArgs } from '../../oidc/settings.ts';
import { keyringLoader, type OidcLoginDeps, type OidcLoginIO } from './io.ts';
import { providerFor } from './obtain.ts';
import { LOGOUT_USAGE } from './usage.ts';

/**
 * Runs `logout` with `args` (the flags of get-token).
 *
 * @throws {CliError} `OIDC_REVOCATION_FAILED` after removing the entry, `OIDC_CACHE_UNSAFE`
 */
export async function logoutMain(
  args: readonly string[],
  io: OidcLoginIO,
  deps: OidcLoginDeps,
): Promise<number> {
  const settings = parseOidcLoginArgs(args, io.env, 'logout');
  if (settings === 'help') {
    io.stdout.write(LOGOUT_USAGE);
    return 0;
  }
  const key = oidcCacheKey(settings);
  const cache = oidcTokenCache({
    dir: settings.cacheDir,
    storage: settings.storage,
    keyring: keyringLoader(deps, io.env),
  });
  if (!cache.checkDir()) {
    io.stderr.write(`Nothing is cached for ${settings.issuerUrl} (client ${settings.clientId}).\n`);
    return 0;
  }
  // So that no get-token refreshes (and writes back) what is being removed.
  const release = await acquireFileLock(path.join(settings.cacheDir, `${key}.lock`));
  try {
    const entry = await cache.load(key);
    let revocationError: unknown;
    if (entry?.refreshToken !== undefined) {
      try {
        const provider = await providerFor(settings);
        if (provider.canRevoke) {
          await provider.revoke(entry.refreshToken, 'refresh_token');
          io.stderr.write(`Revoked the refresh token at ${provider.issuer}.\n`);
        } else {
          io.stderr.write(
            `${provider.issuer} has no revocation endpoint; only the cached tokens are removed.\n`,
          );
        }
      } catch (error) {
        revocationError = error;
      }
    }
    const removed = await cache.remove(key);
    io.stderr.write(
      removed.length === 0
        ? `Nothing is cached for ${settings.issuerUrl} (client ${settings.clientId}).\n`
        : `Removed ${removed.join(' and ')}.\n`,
    );
    if (revocationError !== undefined) {
      throw userError(
        'OIDC_REVOCATION_FAILED',
        `the cached tokens were removed, but the refresh token was not revoked: ${revocationError instanceof Error ? revocationError.message : String(revocationError)}`,
        'end the session at the provider (its account page) if the token may have leaked',
        { cause: revocationError },
      );
    }
    return 0;
  } finally {
    release();
  }
}
