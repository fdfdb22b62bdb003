/** `kgate admin users list [-o table|json|yaml]`. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { listUsersRequest } from '../../../infrastructure/central/users.ts';
import { renderUsers } from '../../../output/users.ts';
import { outputOption, type ReadOptions, serverOption } from '../../options.ts';

/** The `admin users list` command. */
export function listCommand(context: CliContext): Command {
  return new Command('list')
    .alias('ls')
    .description('list the users and their roles')
    .addOption(serverOption())
    .addOption(outputOption())
    .action(async (options: ReadOptions) => {
      const server = await context.resolveServer(options.server);
      const session = await context.freshSession(server);
      const users = await listUsersRequest(
        context.transport,
        context.connection(session),
        session.accessToken,
      );
      if (users.length === 0 && options.output === 'table') context.log(`No users at ${server}.`);
      context.io.stdout.write(renderUsers(users, options.output, context.clock.now()));
    });
}
