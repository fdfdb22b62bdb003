/** `kgate admin users set-roles USERNAME ROLE… | --none`: replaces the user's roles. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { userError } from '../../../errors.ts';
import { setRolesRequest } from '../../../infrastructure/central/users.ts';
import { findUser } from '../../../usecases/admin/users.ts';
import { serverOption } from '../../options.ts';

/** The `admin users set-roles` command. */
export function setRolesCommand(context: CliContext): Command {
  return new Command('set-roles')
    .description("replace a user's roles")
    .argument('<username>', 'the user')
    .argument('[roles...]', 'the roles the user will have (all others are removed)')
    .option('--none', 'remove every role')
    .addOption(serverOption())
    .action(async (username: string, roles: string[], options: { server?: string; none?: boolean }) => {
      if (roles.length === 0 && !options.none) {
        throw userError(
          'INVALID_ARGUMENT',
          'no roles were given',
          'name the roles, or pass --none to remove them all',
        );
      }
      if (roles.length > 0 && options.none) {
        throw userError(
          'INVALID_ARGUMENT',
          '--none was given together with roles',
          'give either roles or --none',
        );
      }
      const server = await context.resolveServer(options.server);
      const session = await context.freshSession(server);
      const user = await findUser(context, session, username);
      await setRolesRequest(
        context.transport,
        context.connection(session),
        session.accessToken,
        user.id,
        roles,
      );
      context.log(`Set the roles of "${username}" to ${roles.join(', ') || 'none'}.`);
    });
}
