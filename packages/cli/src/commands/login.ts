/**
 * `kgate login [--server URL] [--username U] [--password-stdin] [--certificate-authority FILE]`.
 * Asks for what is missing when stdin is a terminal (the password without echo); never takes
 * a password as an argument, where it would land in shell history and process lists.
 *
 * `kgate login --sso [--device-code] [--browser-command CMD] [--skip-open-browser]` logs in
 * through the identity provider central names instead (docs/sso.md).
 */
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { userError } from '../errors.ts';
import { type CaFile, readCaFile } from '../infrastructure/ca-file.ts';
import { readFirstLine } from '../infrastructure/stdio.ts';
import { openBrowser } from '../oidc/browser.ts';
import { type LoginResult, login, loginWithSso } from '../usecases/login.ts';
import { normalizeServer } from '../usecases/server-url.ts';

interface LoginOptions {
  server?: string;
  username?: string;
  passwordStdin?: boolean;
  certificateAuthority?: string;
  sso?: boolean;
  deviceCode?: boolean;
  browserCommand?: string;
  skipOpenBrowser?: boolean;
}

/** `--sso`: a browser login on this machine, or a device code to enter elsewhere. */
function ssoLogin(context: CliContext, server: string, ca: CaFile | undefined, options: LoginOptions) {
  if (options.username !== undefined || options.passwordStdin === true) {
    throw userError(
      'INVALID_ARGUMENT',
      '--sso takes no --username or --password-stdin: the identity provider asks who you are',
      'drop them, or drop --sso to log in with a kgate password',
    );
  }
  return loginWithSso(context, {
    server,
    ca,
    grant: options.deviceCode === true ? 'device-code' : 'authcode',
    async openUrl(url) {
      context.log(`Log in at your identity provider:\n\n    ${url}\n`);
      if (options.skipOpenBrowser === true) return;
      const failed = await openBrowser(url, options.browserCommand);
      if (failed !== undefined) context.log(`note: the browser did not open (${failed}); open the URL above`);
    },
    showCode(prompt) {
      const where = prompt.verificationUriComplete ?? prompt.verificationUri;
      context.log(
        `To log in, open ${where} on any device and enter the code ${prompt.userCode} (valid ${Math.round(prompt.expiresInSeconds / 60)} min).`,
      );
    },
  });
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
    .option('--sso', 'log in through the identity provider central names (single sign-on)')
    .option('--device-code', 'with --sso: log in on another device with a code (no browser here)')
    .option('--browser-command <cmd>', 'with --sso: the program that opens the login page (given the URL)')
    .option('--skip-open-browser', 'with --sso: print the login URL, do not open a browser')
    .action(async (options: LoginOptions) => {
      if (
        options.sso !== true &&
        (options.deviceCode || options.browserCommand !== undefined || options.skipOpenBrowser)
      ) {
        throw userError(
          'INVALID_ARGUMENT',
          '--device-code, --browser-command and --skip-open-browser go with --sso',
          'add --sso to log in through the identity provider',
        );
      }
      const server = await serverFrom(context, options.server);
      const config = await context.loadConfig();
      const caPath = options.certificateAuthority ?? config.servers[server]?.certificateAuthority;
      const ca = caPath === undefined ? undefined : readCaFile(caPath);
      let result: LoginResult;
      if (options.sso === true) result = await ssoLogin(context, server, ca, options);
      else {
        const username = await usernameFrom(context, options.username);
        const password = await passwordFrom(context, options.passwordStdin === true);
        result = await login(context, { server, username, password, ca });
      }
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
