/**
 * `kgate oidc-login setup`: log in once with the given flags (which proves they work),
 * show who the provider says you are, and write (or print) the kubeconfig user entry that
 * runs `get-token` with the same flags. Like `kgate clusters use`, the entry runs a
 * launcher that pins this node and this installation, not whatever `kgate` PATH finds.
 */
import { addToKubeconfig, type NamedAuthInfo } from '@kgate/core/kubeconfig';
import { stringify } from 'yaml';
import { writeTokenLauncher } from '../../infrastructure/launcher.ts';
import { kgatePaths, userHome } from '../../infrastructure/paths.ts';
import { CLIENT_SECRET_ENV, type OidcLoginSettings, parseOidcLoginArgs } from '../../oidc/settings.ts';
import { kgateExecUser } from '../../usecases/exec-user.ts';
import { oidcBundlePath } from './bundle-path.ts';
import type { OidcLoginDeps, OidcLoginIO } from './io.ts';
import { obtainEntry } from './obtain.ts';
import { SETUP_USAGE } from './usage.ts';

/** The default name of the kubeconfig user entry. */
export const DEFAULT_USER_NAME = 'oidc';

/**
 * The `get-token` arguments that reproduce `settings`: every flag given, defaults left out
 * (so a later kgate's defaults apply), paths absolute. The client secret is not among them
 * (see {@link execUserEntry}).
 */
export function getTokenArgs(settings: OidcLoginSettings): string[] {
  const given = (flag: string) => settings.given.has(flag);
  const args = [
    'oidc-login',
    'get-token',
    `--issuer-url=${settings.issuerUrl}`,
    `--client-id=${settings.clientId}`,
  ];
  for (const scope of settings.extraScopes) args.push(`--extra-scope=${scope}`);
  if (settings.useAccessToken) args.push('--use-access-token');
  if (settings.caFile !== undefined) args.push(`--certificate-authority=${settings.caFile}`);
  if (settings.grantType !== 'auto') args.push(`--grant-type=${settings.grantType}`);
  if (given('listen-address'))
    for (const address of settings.listenAddresses) args.push(`--listen-address=${address}`);
  if (settings.browserCommand !== undefined) args.push(`--browser-command=${settings.browserCommand}`);
  if (settings.skipOpenBrowser) args.push('--skip-open-browser');
  if (given('authentication-timeout'))
    args.push(`--authentication-timeout=${settings.authenticationTimeoutMs / 1000}s`);
  if (given('token-cache-storage')) args.push(`--token-cache-storage=${settings.storage}`);
  if (given('token-cache-dir')) args.push(`--token-cache-dir=${settings.cacheDir}`);
  if (settings.username !== undefined) args.push(`--username=${settings.username}`);
  for (const [name, value] of settings.authRequestExtraParams)
    args.push(`--auth-request-extra-params=${name}=${value}`);
  return args;
}

/**
 * The kubeconfig user entry: an exec plugin that may prompt when kubectl has a terminal.
 * A client secret goes into the exec environment rather than the arguments, which any
 * process on the machine can list.
 */
export function execUserEntry(name: string, launcher: string, settings: OidcLoginSettings): NamedAuthInfo {
  return kgateExecUser(name, {
    command: launcher,
    args: getTokenArgs(settings),
    ...(settings.clientSecret === undefined
      ? {}
      : { env: [{ name: CLIENT_SECRET_ENV, value: settings.clientSecret }] }),
    interactiveMode: 'IfAvailable',
    writtenBy: 'kgate oidc-login setup',
  });
}

/**
 * Runs `setup` with `args` (the flags).
 *
 * @returns the exit code (errors propagate to the caller, which prints them)
 */
export async function setupMain(
  args: readonly string[],
  io: OidcLoginIO,
  deps: OidcLoginDeps,
): Promise<number> {
  const settings = parseOidcLoginArgs(args, io.env, 'setup');
  if (settings === 'help') {
    io.stdout.write(SETUP_USAGE);
    return 0;
  }
  const { fresh } = await obtainEntry(settings, {
    io,
    deps,
    interactive: io.stdinIsTerminal(),
    forceLogin: true,
  });
  const claims = fresh?.claims ?? {};
  const who = typeof claims.email === 'string' ? `${claims.sub} (${claims.email})` : String(claims.sub);
  io.stdout.write(
    `Logged in to ${settings.issuerUrl} as ${who}.\nID token claims:\n${JSON.stringify(claims, null, 2)}\n\n`,
  );

  const paths = kgatePaths(io.env);
  const launcher = writeTokenLauncher({
    binDir: paths.binDir,
    name: 'kgate-oidc-login',
    writtenBy: '`kgate oidc-login setup`: kubeconfig exec entries run `<this file> oidc-login get-token …`.',
    kgateHome: paths.home,
    nodePath: deps.nodePath ?? process.execPath,
    tokenBundle: deps.bundlePath ?? oidcBundlePath,
  });
  const entry = execUserEntry(settings.user ?? DEFAULT_USER_NAME, launcher, settings);
  if (settings.kubeconfig === undefined) {
    io.stdout.write(
      `Add this user to your kubeconfig (or run setup again with --kubeconfig FILE):\n\n${stringify({ users: [entry] })}`,
    );
    return 0;
  }
  const report = await addToKubeconfig(
    { user: entry },
    {
      // A one-file KUBECONFIG rather than an explicit path: a file that does not exist yet is created.
      env: { ...io.env, KUBECONFIG: settings.kubeconfig },
      homeDir: userHome(io.env),
      onConflict: 'overwrite',
    },
  );
  const replaced = report.overwritten.length > 0 ? 'Replaced' : 'Wrote';
  io.stdout.write(
    `${replaced} the user "${entry.name}" in ${settings.kubeconfig}. Use it in a context, e.g.:\n  kubectl config set-context --current --user=${entry.name}\n`,
  );
  return 0;
}
