/** `kgate admin users <verb>`. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { createCommand } from './create.ts';
import { deleteCommand } from './delete.ts';
import { listCommand } from './list.ts';
import { setRolesCommand } from './set-roles.ts';

/** The `admin users` noun. */
export function adminUsersCommand(context: CliContext): Command {
  return new Command('users')
    .description('manage central users and their roles')
    .addCommand(createCommand(context))
    .addCommand(listCommand(context))
    .addCommand(deleteCommand(context))
    .addCommand(setRolesCommand(context));
}
