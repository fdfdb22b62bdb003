/** `kgate clusters list [-o table|json|yaml]`. */
import { Command } from 'commander';
import type { CliContext } from '../../context.ts';
import { listClustersRequest } from '../../infrastructure/central/clusters.ts';
import { renderClusters } from '../../output/clusters.ts';
import { outputOption, type ReadOptions, serverOption } from '../options.ts';

/** Lists the clusters at `server` in `format`; shared with `kgate admin clusters list`. */
export async function printClusters(context: CliContext, options: ReadOptions): Promise<void> {
  const server = await context.resolveServer(options.server);
  const session = await context.freshSession(server);
  const clusters = await listClustersRequest(
    context.transport,
    context.connection(session),
    session.accessToken,
  );
  const selected = (await context.loadConfig()).servers[server]?.cluster;
  if (clusters.length === 0 && options.output === 'table')
    context.log(`No clusters are registered at ${server}.`);
  context.io.stdout.write(renderClusters(clusters, options.output, selected, context.clock.now()));
}

/** The `clusters list` command. */
export function listCommand(context: CliContext): Command {
  return new Command('list')
    .alias('ls')
    .description('list the clusters registered at central, with their state')
    .addOption(serverOption())
    .addOption(outputOption())
    .action((options: ReadOptions) => printClusters(context, options));
}
