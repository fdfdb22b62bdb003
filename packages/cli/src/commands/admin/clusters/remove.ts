/** `kgate admin clusters remove NAME`. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { userError } from '../../../errors.ts';
import { deleteClusterRequest } from '../../../infrastructure/central/clusters.ts';
import { CentralError } from '../../../infrastructure/central/response.ts';
import { serverOption } from '../../options.ts';

/** The `admin clusters remove` command. */
export function removeCommand(context: CliContext): Command {
  return new Command('remove')
    .alias('rm')
    .description('unregister a cluster; its agent is disconnected and its join token revoked')
    .argument('<name>', 'the cluster')
    .addOption(serverOption())
    .action(async (name: string, options: { server?: string }) => {
      const server = await context.resolveServer(options.server);
      const session = await context.freshSession(server);
      try {
        await deleteClusterRequest(context.transport, context.connection(session), session.accessToken, name);
      } catch (error) {
        if (error instanceof CentralError && error.status === 404) {
          throw userError(
            'CLUSTER_NOT_FOUND',
            `no cluster named "${name}" at ${server}`,
            'list them with `kgate admin clusters list`',
          );
        }
        throw error;
      }
      context.log(`Removed cluster "${name}".`);
    });
}
