/**
 * Shared parts of the `kgate oidc-login` tests: a real OpenID provider (`@kgate/testkit/oidc`)
 * with one user, a sandbox HOME, a `--browser-command` that hands each URL it is given to
 * the test (which then signs in as the user would), and runs of the plugin as a process.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type OidcProvider, type OidcProviderOptions, startOidcProvider } from '@kgate/testkit/oidc';
import { type ProcessResult, runProcess } from '@kgate/testkit/process';
import { kgateBin, type Sandbox, sandbox } from './support/cli.ts';

/** The user every test signs in as. */
export const ann = { sub: 'ann', email: 'ann@example.com', groups: ['devs'], password: 'ann-password-1' };

/** The client the tests log in with (a public native app, loopback redirect on any port). */
export const clientId = 'kubectl';

/** Starts a provider with the tests' client and user; `options` override. */
export function startIdp(options: Partial<OidcProviderOptions> = {}): Promise<OidcProvider> {
  return startOidcProvider({
    clients: [{ clientId, redirectUris: ['http://127.0.0.1/callback'] }],
    users: [ann],
    ...options,
  });
}

/** A `--browser-command` whose URLs the test reads. */
export interface FakeBrowser {
  /** The script to pass as `--browser-command`. */
  command: string;
  /** The next URL the plugin opened (waits for it). */
  nextUrl(timeoutMs?: number): Promise<string>;
  /** Every URL opened so far. */
  opened(): string[];
}

/** Writes a browser script into `dir` that appends each URL to a file. */
export function fakeBrowser(dir: string): FakeBrowser {
  const log = path.join(dir, 'browser-urls.txt');
  const command = path.join(dir, 'fake-browser.sh');
  writeFileSync(command, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\n`);
  chmodSync(command, 0o755);
  let taken = 0;
  const opened = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
  return {
    command,
    opened,
    async nextUrl(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const urls = opened();
        const url = urls[taken];
        if (url !== undefined) {
          taken++;
          return url;
        }
        if (Date.now() > deadline) throw new Error(`no browser was opened within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

/** A sandbox with the provider's CA in a file, a fake browser, and the default cache folder. */
export interface OidcSandbox extends Sandbox {
  caFile: string;
  browser: FakeBrowser;
  /** `~/.kube/cache/kgate` of the sandbox HOME. */
  cacheDir: string;
  /** The flags of get-token / setup / logout for `idp` (disk cache, any free port, the fake browser). */
  flags(idp: OidcProvider, extra?: string[]): string[];
  /** The names of the cache entry files. */
  entries(): string[];
}

/** Creates an {@link OidcSandbox} for `idp`. */
export function oidcSandbox(idp: OidcProvider): OidcSandbox {
  const box = sandbox();
  const caFile = box.file('idp-ca.pem', idp.caPem);
  const browser = fakeBrowser(box.dir);
  const cacheDir = path.join(box.home, '.kube', 'cache', 'kgate');
  return {
    ...box,
    caFile,
    browser,
    cacheDir,
    flags: (provider, extra = []) => [
      `--issuer-url=${provider.issuer}`,
      `--client-id=${clientId}`,
      `--certificate-authority=${caFile}`,
      `--browser-command=${browser.command}`,
      '--listen-address=127.0.0.1:0',
      '--token-cache-storage=disk',
      ...extra,
    ],
    entries: () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith('.json')) : []),
  };
}

/** Runs `kgate oidc-login get-token flags…` as kubectl would (no terminal), without blocking the loop. */
export function getToken(
  box: Sandbox,
  flags: string[],
  env: Record<string, string> = {},
): Promise<ProcessResult> {
  return runProcess(process.execPath, [kgateBin, 'oidc-login', 'get-token', ...flags], {
    env: { ...box.env, ...env },
    timeoutMs: 60_000,
  });
}

/** Runs another `kgate oidc-login` command as a process. */
export function oidcLogin(box: Sandbox, args: string[]): Promise<ProcessResult> {
  return runProcess(process.execPath, [kgateBin, 'oidc-login', ...args], { env: box.env, timeoutMs: 60_000 });
}

/** The redirect URI of an authorization URL (where the plugin's loopback server listens). */
export function redirectUriOf(authorizationUrl: string): URL {
  const uri = new URL(authorizationUrl).searchParams.get('redirect_uri');
  if (uri === null) throw new Error('the authorization URL has no redirect_uri');
  return new URL(uri);
}

/** The `state` of an authorization URL. */
export function stateOf(authorizationUrl: string): string {
  return new URL(authorizationUrl).searchParams.get('state') ?? '';
}

/** The error line of a failed run (`kgate oidc-login: …`), without the progress lines around it. */
export function errorLine(stderr: string): string {
  return stderr.split('\n').find((line) => line.startsWith('kgate oidc-login: ')) ?? '';
}
