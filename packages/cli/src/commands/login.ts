/**
 * `kgate login [--server URL] [--username U] [--password-stdin] [--certificate-authority FILE]`.
 * Asks for what is missing when stdin is a terminal (the password without echo); never takes
 * a password as an argument, where it would land in shell history and process lists.
 */
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { userError } from '../errors.ts';
import { readCaFile } from '../infrastructure/ca-file.ts';
import { readFirstLine } from '../infrastructure/stdio.ts';
import { login } from '../usecases/login.ts';
import { normalizeServer } from '../usecases/server-url.ts';

interface LoginOptions {
  server?: string;
  username?: string;
  passwordStdin?: boolean;
  certificateAuthority?: string;
}

async function serverFrom(context: CliContext, flag: string | undefined): Promise<string> {
  const given = flag ?? context.io.env.KGATE_SERVER ?? (await context.loadConfig()).currentServer;
  if (given) return normalizeServer(given);
  if (context.prompter.interactive) {
    const answer = await context.prompter.line('kgate server URL: ');
    if (answer) return normalizeServer(answer);
  }
  throw userError('SERVER_NOT_SET', 'no kgate server was given', 'pass --server https://<central>');
}

async function usernameFrom(context: CliContext, flag: string | undefined): Promise<string> {
  if (flag) return flag;
  if (context.prompter.interactive) {
    const answer = await context.prompter.line('Username: ');
    if (answer) return answer;
  }
  throw userError('INVALID_ARGUMENT', 'no username was given', 'pass --username NAME');
}

async function passwordFrom(context: CliContext, fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) password = await readFirstLine(context.io.stdin);
  else if (context.prompter.interactive) password = await context.prompter.secret('Password: ');
  else {
    throw userError(
      'PASSWORD_REQUIRED',
      'a password is needed and stdin is not a terminal',
      'pipe it in with --password-stdin (e.g. `kgate login --username U --password-stdin < file`)',
    );
  }
  if (password === '')
    throw userError('PASSWORD_REQUIRED', 'the password is empty', 'give the password of your kgate account');
  return password;
}

/** The `login` command. */
export function loginCommand(context: CliContext): Command {
  return new Command('login')
    .description('log in to kgate-central and store the session (OS keyring, else a 0600 file)')
    .option('--server <url>', 'central URL (default: $KGATE_SERVER, else the last server logged in to)')
    .option('--username <name>', 'your kgate username (prompted for on a terminal)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--certificate-authority <file>', "central's CA certificate (PEM); remembered for this server")
    .action(async (options: LoginOptions) => {
      const server = await serverFrom(context, options.server);
      const config = await context.loadConfig();
      const caPath = options.certificateAuthority ?? config.servers[server]?.certificateAuthority;
      const ca = caPath === undefined ? undefined : readCaFile(caPath);
      const username = await usernameFrom(context, options.username);
      const password = await passwordFrom(context, options.passwordStdin === true);
      const result = await login(context, { server, username, password, ca });
      const fallback = result.notInKeyring;
      if (fallback !== undefined) {
        const why =
          fallback.reason === 'off' ? 'KGATE_KEYRING=off' : `no OS keyring is available (${fallback.error})`;
        context.log(`note: ${why}; tokens are kept in ${result.storedIn} (mode 0600)`);
      }
      const roles = result.session.user.roles.length > 0 ? result.session.user.roles.join(', ') : 'none';
      context.log(`Logged in to ${server} as ${result.session.user.username} (roles: ${roles}).`);
    });
}
