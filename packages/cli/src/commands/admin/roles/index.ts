/** `kgate admin roles <verb>`. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { applyCommand } from './apply.ts';
import { listCommand } from './list.ts';

/** The `admin roles` noun. */
export function adminRolesCommand(context: CliContext): Command {
  return new Command('roles')
    .description("manage central's RBAC roles (what each role may do on which clusters)")
    .addCommand(applyCommand(context))
    .addCommand(listCommand(context));
}
