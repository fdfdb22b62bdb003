/**
 * `kgate oidc-login get-token`, the cached path: kubectl runs it before every request batch,
 * so it reads the cache and prints, and loads the login code (openid-client, node:https,
 * the loopback server) only when the cache has no usable token. It is bundled on its own
 * (`dist/kgate-oidc-login.cjs`); keep this module's imports light.
 */
import { formatExecCredential } from '@kgate/core/exec-credential';
import { usableToken } from '../../oidc/cache/entry.ts';
import { oidcCacheKey } from '../../oidc/cache/key.ts';
import { oidcTokenCache } from '../../oidc/cache/store.ts';
import { type OidcLoginSettings, parseOidcLoginArgs } from '../../oidc/settings.ts';
import { execRequest, keyringLoader, type OidcLoginDeps, type OidcLoginIO, oneLine } from './io.ts';
import { GET_TOKEN_USAGE } from './usage.ts';

/** The slow path: refresh or log in under the lock (`obtain.ts`), with the flags already read. */
export interface GetTokenSlowPath {
  getTokenSlow(settings: OidcLoginSettings, io: OidcLoginIO, deps: OidcLoginDeps): Promise<number>;
}

/** {@link getTokenMain}'s dependencies: those of every command, and how to load the slow path. */
export interface GetTokenDeps extends OidcLoginDeps {
  loadSlowPath(): Promise<GetTokenSlowPath>;
}

/**
 * Runs `get-token` with `args` (the flags). Prints the cached token when it is valid for
 * more than a few seconds yet; otherwise hands over to the slow path, which takes the lock.
 *
 * @returns the exit code: 0 with the ExecCredential on stdout, else 1 with one line on stderr
 */
export async function getTokenMain(
  args: readonly string[],
  io: OidcLoginIO,
  deps: GetTokenDeps,
): Promise<number> {
  let settings: OidcLoginSettings;
  try {
    const parsed = parseOidcLoginArgs(args, io.env, 'get-token');
    if (parsed === 'help') {
      io.stdout.write(GET_TOKEN_USAGE);
      return 0;
    }
    settings = parsed;
    const { apiVersion } = execRequest(io);
    const cache = oidcTokenCache({
      dir: settings.cacheDir,
      storage: settings.storage,
      keyring: keyringLoader(deps, io.env),
    });
    const entry = await cache.load(oidcCacheKey(settings));
    const usable = entry === undefined ? undefined : usableToken(entry, settings.useAccessToken, Date.now());
    if (usable !== undefined) {
      io.stdout.write(
        formatExecCredential(apiVersion, { token: usable.token, expirationTimestamp: usable.expiresAt }),
      );
      return 0;
    }
  } catch (error) {
    io.stderr.write(oneLine(error));
    return 1;
  }
  const slow = await deps.loadSlowPath();
  return slow.getTokenSlow(settings, io, deps);
}
