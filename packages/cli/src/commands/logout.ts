/** `kgate logout [--server URL]`. */
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { logout } from '../usecases/logout.ts';

/** The `logout` command. */
export function logoutCommand(context: CliContext): Command {
  return new Command('logout')
    .description('revoke the session at central and remove the stored tokens')
    .option('--server <url>', 'central URL (default: the current server)')
    .action(async (options: { server?: string }) => {
      const server = await context.resolveServer(options.server);
      const result = await logout(context, server);
      if (!result.wasLoggedIn) {
        context.log(`Not logged in to ${server}; nothing to do.`);
        return;
      }
      if (result.revoked === true) context.log(`Revoked the session at ${server}.`);
      else
        context.log(
          `warning: could not revoke the session at ${server} (${result.revoked}); removed the local tokens anyway.`,
        );
      context.log(`Logged out of ${server}.`);
    });
}
