/**
 * `get-token`'s slow path, also behind `setup`: under the cache key's lock, read the cache
 * again (another kubectl's plugin may have just logged in), else spend the refresh token,
 * else log in, and write the cache. kubectl starts several plugins at once; the lock makes
 * them wait for the one that opens the browser rather than open one each.
 */
import path from 'node:path';
import { formatExecCredential } from '@kgate/core/exec-credential';
import { userError } from '../../errors.ts';
import { readCaFile } from '../../infrastructure/ca-file.ts';
import { acquireFileLock } from '../../infrastructure/file-lock.ts';
import { terminalPrompter } from '../../infrastructure/prompt.ts';
import { openBrowser } from '../../oidc/browser.ts';
import { type OidcCacheEntry, usableToken } from '../../oidc/cache/entry.ts';
import { oidcCacheKey } from '../../oidc/cache/key.ts';
import { type OidcTokenCache, oidcTokenCache } from '../../oidc/cache/store.ts';
import {
  discoverOidcProvider,
  type OidcLoginMethod,
  type OidcProvider,
  type OidcTokenSet,
} from '../../oidc/login.ts';
import { parseListenAddress } from '../../oidc/loopback.ts';
import { type OidcLoginSettings, resolvedGrantType, scopesOf } from '../../oidc/settings.ts';
import { execRequest, keyringLoader, type OidcLoginDeps, type OidcLoginIO, oneLine } from './io.ts';
import { attemptMarker, checkLoginStorm, clearLoginAttempt, markLoginAttempt } from './storm-guard.ts';

/** Where a run stands: its streams, whether a person is at the terminal, and how to reach the IdP. */
export interface ObtainContext {
  io: OidcLoginIO;
  deps: OidcLoginDeps;
  /** Whether there is a person to prompt (stdin is the user's terminal). */
  interactive: boolean;
  /** `setup`: log in even when the cache has a usable token. */
  forceLogin?: boolean;
}

/** What {@link obtainEntry} produced. */
export interface ObtainResult {
  entry: OidcCacheEntry;
  /** The tokens of a login or refresh this run made (undefined when the cache had them). */
  fresh?: OidcTokenSet;
}

function log(io: OidcLoginIO, line: string): void {
  io.stderr.write(`${line}\n`);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The provider client for `settings`. */
export function providerFor(settings: OidcLoginSettings): Promise<OidcProvider> {
  const ca = settings.caFile === undefined ? undefined : readCaFile(settings.caFile);
  return discoverOidcProvider({
    issuerUrl: settings.issuerUrl,
    clientId: settings.clientId,
    ...(settings.clientSecret === undefined ? {} : { clientSecret: settings.clientSecret }),
    ...(ca === undefined ? {} : { ca: { pem: ca.pem, source: ca.path } }),
    scopes: scopesOf(settings),
    authRequestParams: settings.authRequestExtraParams,
  });
}

function needsTerminal(what: string): Error {
  return userError(
    'OIDC_LOGIN_NEEDS_TERMINAL',
    `${what} needs a terminal, but standard input is not one (or kubectl did not hand it over)`,
    'run the command from a terminal (kubeconfig interactiveMode IfAvailable or Always), or use --grant-type authcode or device-code',
  );
}

/**
 * The login method of `settings`: how the user is shown the provider and answers it. For a
 * password login, asks for the username (unless given) and the password now.
 */
export async function loginMethod(
  settings: OidcLoginSettings,
  issuer: string,
  context: ObtainContext,
): Promise<OidcLoginMethod> {
  const { io, interactive } = context;
  const grant = resolvedGrantType(settings);
  const show = async (url: string, what: string) => {
    if (settings.skipOpenBrowser) {
      log(io, `To log in to ${issuer}, open this URL in a browser:\n  ${url}`);
      return;
    }
    const failure = await openBrowser(url, settings.browserCommand);
    if (failure === undefined) log(io, `Opened a browser ${what}. If none opened, visit:\n  ${url}`);
    else log(io, `Could not open a browser (${failure}). To log in to ${issuer}, open this URL:\n  ${url}`);
  };
  switch (grant) {
    case 'authcode':
      return {
        grant,
        listenAddresses: settings.listenAddresses.map(parseListenAddress),
        openUrl: (url) => show(url, `to log in to ${issuer}`),
      };
    case 'authcode-keyboard': {
      if (!interactive) throw needsTerminal('--grant-type authcode-keyboard');
      return {
        grant,
        async readCode(url, signal) {
          log(io, `To log in to ${issuer}, open this URL in a browser:\n  ${url}`);
          const stdin = io.stdin();
          // A prompt cannot be cancelled; at the timeout the run ends, and must not wait for a line.
          signal.addEventListener('abort', () => stdin.pause(), { once: true });
          return terminalPrompter(stdin, io.stderr).line('Then enter the code it shows: ');
        },
      };
    }
    case 'device-code':
      return {
        grant,
        async showCode(prompt) {
          log(
            io,
            `To log in to ${issuer}, visit ${prompt.verificationUri} and enter the code ${prompt.userCode} (valid for ${Math.round(prompt.expiresInSeconds / 60)} min).`,
          );
          if (prompt.verificationUriComplete !== undefined && !settings.skipOpenBrowser) {
            const failure = await openBrowser(prompt.verificationUriComplete, settings.browserCommand);
            if (failure === undefined) log(io, 'Opened a browser on that page.');
          }
        },
      };
    case 'password': {
      if (!interactive) throw needsTerminal('--grant-type password (the password is prompted)');
      const prompter = terminalPrompter(io.stdin(), io.stderr);
      const username = settings.username ?? (await prompter.line(`Username at ${issuer}: `));
      const password = await prompter.secret(`Password for ${username} at ${issuer}: `);
      if (username === '' || password === '') {
        throw userError('OIDC_LOGIN_FAILED', 'no username or password was entered', 'run the command again');
      }
      return { grant, username, password };
    }
  }
}

/** `method`, calling `mark` when it sends the user to the provider (a browser, a code to type). */
function markWhenShown(method: OidcLoginMethod, mark: () => void): OidcLoginMethod {
  switch (method.grant) {
    case 'authcode':
      return {
        ...method,
        openUrl: (url) => {
          mark();
          return method.openUrl(url);
        },
      };
    case 'authcode-keyboard':
      return {
        ...method,
        readCode: (url, signal) => {
          mark();
          return method.readCode(url, signal);
        },
      };
    case 'device-code':
      return {
        ...method,
        showCode: (prompt) => {
          mark();
          return method.showCode(prompt);
        },
      };
    case 'password':
      return method;
  }
}

function entryOf(
  key: string,
  settings: OidcLoginSettings,
  tokens: OidcTokenSet,
  previousRefresh?: string,
): OidcCacheEntry {
  const refreshToken = tokens.refreshToken ?? previousRefresh;
  return {
    version: 1,
    key,
    issuer: settings.issuerUrl,
    clientId: settings.clientId,
    idToken: tokens.idToken,
    accessToken: tokens.accessToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    idTokenExpiresAt: tokens.idTokenExpiresAt.toISOString(),
    accessTokenExpiresAt: tokens.accessTokenExpiresAt.toISOString(),
  };
}

async function save(
  cache: OidcTokenCache,
  entry: OidcCacheEntry,
  io: OidcLoginIO,
  storage: string,
): Promise<void> {
  const saved = await cache.save(entry);
  if (storage === 'keyring' && saved.notInKeyring !== undefined) {
    log(
      io,
      `The OS keyring could not be used (${saved.notInKeyring}); the tokens are in ${saved.where} (mode 0600).`,
    );
  }
}

/**
 * The cache entry to use: the cached one if usable (and not `forceLogin`), else a refreshed
 * one, else one from a new login; written to the cache. Runs under the key's file lock.
 *
 * @throws {CliError} `OIDC_CACHE_UNSAFE` (nothing read or written), `OIDC_LOGIN_*`,
 *   `OIDC_PKCE_UNSUPPORTED`, `OIDC_IDP_UNREACHABLE`, `OIDC_DISCOVERY_INVALID`, `LOCK_TIMEOUT`
 */
export async function obtainEntry(
  settings: OidcLoginSettings,
  context: ObtainContext,
): Promise<ObtainResult> {
  const { io, deps } = context;
  const key = oidcCacheKey(settings);
  const cache = oidcTokenCache({
    dir: settings.cacheDir,
    storage: settings.storage,
    keyring: keyringLoader(deps, io.env),
  });
  // Before the lock, which would create (and tighten) the folder.
  cache.checkDir();
  // The holder may be waiting for a person in a browser for the whole authentication timeout.
  const lockMs = settings.authenticationTimeoutMs + 60_000;
  const release = await acquireFileLock(path.join(settings.cacheDir, `${key}.lock`), {
    timeoutMs: lockMs,
    staleMs: lockMs,
  });
  try {
    const cached = await cache.load(key);
    if (
      !context.forceLogin &&
      cached !== undefined &&
      usableToken(cached, settings.useAccessToken, Date.now())
    ) {
      return { entry: cached };
    }
    const provider = await providerFor(settings);
    if (!context.forceLogin && cached?.refreshToken !== undefined) {
      try {
        const tokens = await provider.refresh(cached.refreshToken, {
          idToken: cached.idToken,
          idTokenExpiresAt: new Date(cached.idTokenExpiresAt),
        });
        const entry = entryOf(key, settings, tokens, cached.refreshToken);
        if (usableToken(entry, settings.useAccessToken, Date.now(), 0) !== undefined) {
          await save(cache, entry, io, settings.storage);
          return { entry, fresh: tokens };
        }
        log(io, `The refresh at ${provider.issuer} gave no new ID token; logging in again.`);
      } catch (error) {
        log(io, `Could not refresh the token (${message(error)}); logging in again.`);
      }
    }
    const marker = attemptMarker(settings.cacheDir, key);
    if (!context.interactive) checkLoginStorm(marker, provider.issuer);
    let shown = false;
    const method = markWhenShown(await loginMethod(settings, provider.issuer, context), () => {
      shown = true;
      markLoginAttempt(marker);
    });
    let tokens: OidcTokenSet;
    try {
      tokens = await provider.login(method, { timeoutMs: settings.authenticationTimeoutMs });
    } catch (error) {
      // Only a login the user was sent to counts for the guard, not one refused beforehand.
      if (shown) markLoginAttempt(marker);
      throw error;
    }
    clearLoginAttempt(marker);
    const entry = entryOf(key, settings, tokens);
    await save(cache, entry, io, settings.storage);
    return { entry, fresh: tokens };
  } finally {
    release();
  }
}

/**
 * `get-token` when the cache had nothing usable (the fast path in get-token.ts comes first).
 *
 * @returns the exit code: 0 with the ExecCredential on stdout, else 1 with one line on stderr
 */
export async function getTokenSlow(
  settings: OidcLoginSettings,
  io: OidcLoginIO,
  deps: OidcLoginDeps,
): Promise<number> {
  try {
    const { apiVersion, interactive } = execRequest(io);
    const { entry } = await obtainEntry(settings, { io, deps, interactive: interactive() });
    // No margin: the entry is either fresh from the IdP or was checked with the margin already.
    const usable = usableToken(entry, settings.useAccessToken, Date.now(), 0);
    if (usable === undefined) {
      throw userError(
        'OIDC_LOGIN_FAILED',
        `${settings.issuerUrl} issued ${settings.useAccessToken ? 'an access' : 'an ID'} token that has expired already`,
        "check this machine's clock and the token lifetime configured at the provider",
      );
    }
    io.stdout.write(
      formatExecCredential(apiVersion, { token: usable.token, expirationTimestamp: usable.expiresAt }),
    );
    return 0;
  } catch (error) {
    io.stderr.write(oneLine(error));
    return 1;
  }
}
