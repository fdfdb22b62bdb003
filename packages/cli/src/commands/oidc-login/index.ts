/**
 * `kgate oidc-login …`: a kubectl exec credential plugin for OpenID Connect (kubelogin's
 * `get-token`, `setup`, `clean`, plus `logout`). Parsed without commander, like `kgate
 * token`: `get-token` shares its flag parser with the credential-plugin bundle.
 */
import { formatError } from '@kgate/core/errors';
import { Command } from 'commander';
import { cleanMain } from './clean.ts';
import { getTokenMain } from './get-token.ts';
import type { OidcLoginDeps, OidcLoginIO } from './io.ts';
import { OIDC_LOGIN_USAGE } from './usage.ts';

/** The command as `kgate --help` lists it; `main()` runs it before commander. */
export function oidcLoginCommand(): Command {
  return new Command('oidc-login')
    .description('log in to an OpenID Connect provider for kubectl (setup, get-token, logout, clean)')
    .helpOption(false);
}

/**
 * Runs `kgate oidc-login` with `argv` (what follows `oidc-login`).
 *
 * @returns the exit code; errors are printed (one line for get-token, which kubectl shows)
 */
export async function oidcLoginMain(
  argv: readonly string[],
  io: OidcLoginIO,
  deps: OidcLoginDeps,
): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'get-token') {
    return getTokenMain(args, io, { ...deps, loadSlowPath: () => import('./obtain.ts') });
  }
  try {
    switch (command) {
      // openid-client and yaml are loaded only by the commands that use them, not by every kgate run.
      case 'setup':
        return await (await import('./setup.ts')).setupMain(args, io, deps);
      case 'logout':
        return await (await import('./logout.ts')).logoutMain(args, io, deps);
      case 'clean':
        return await cleanMain(args, io, deps);
      case undefined:
        io.stderr.write(OIDC_LOGIN_USAGE);
        return 1;
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(OIDC_LOGIN_USAGE);
        return 0;
      default:
        io.stderr.write(`error: unknown command oidc-login ${JSON.stringify(command)}\n${OIDC_LOGIN_USAGE}`);
        return 1;
    }
  } catch (error) {
    io.stderr.write(`${formatError(error, Boolean(io.env.KGATE_DEBUG))}\n`);
    return 1;
  }
}
