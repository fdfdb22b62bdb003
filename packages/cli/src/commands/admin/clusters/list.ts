/** `kgate admin clusters list [-o table|json|yaml]`: every registered cluster, as `clusters list`. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { printClusters } from '../../clusters/list.ts';
import { outputOption, type ReadOptions, serverOption } from '../../options.ts';

/** The `admin clusters list` command. */
export function listCommand(context: CliContext): Command {
  return new Command('list')
    .alias('ls')
    .description('list the registered clusters with their state')
    .addOption(serverOption())
    .addOption(outputOption())
    .action((options: ReadOptions) => printClusters(context, options));
}
