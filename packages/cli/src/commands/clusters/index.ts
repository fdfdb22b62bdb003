/** `kgate clusters <verb>`. */
import { Command } from 'commander';
import type { CliContext } from '../../context.ts';
import { listCommand } from './list.ts';
import { useCommand } from './use.ts';

/** The `clusters` noun. */
export function clustersCommand(context: CliContext): Command {
  return new Command('clusters')
    .description('the clusters you can reach through kgate-central')
    .addCommand(listCommand(context))
    .addCommand(useCommand(context));
}
