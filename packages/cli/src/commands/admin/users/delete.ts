/** `kgate admin users delete USERNAME`. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { deleteUserRequest } from '../../../infrastructure/central/users.ts';
import { findUser } from '../../../usecases/admin/users.ts';
import { serverOption } from '../../options.ts';

/** The `admin users delete` command. */
export function deleteCommand(context: CliContext): Command {
  return new Command('delete')
    .alias('rm')
    .description('delete a user; their sessions end')
    .argument('<username>', 'the user')
    .addOption(serverOption())
    .action(async (username: string, options: { server?: string }) => {
      const server = await context.resolveServer(options.server);
      const session = await context.freshSession(server);
      const user = await findUser(context, session, username);
      await deleteUserRequest(context.transport, context.connection(session), session.accessToken, user.id);
      context.log(`Deleted user "${username}".`);
    });
}
