/** `kgate admin clusters <verb>`. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { addCommand } from './add.ts';
import { listCommand } from './list.ts';
import { removeCommand } from './remove.ts';

/** The `admin clusters` noun. */
export function adminClustersCommand(context: CliContext): Command {
  return new Command('clusters')
    .description('register and remove clusters')
    .addCommand(addCommand(context))
    .addCommand(listCommand(context))
    .addCommand(removeCommand(context));
}
