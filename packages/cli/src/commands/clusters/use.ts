/** `kgate clusters use NAME [--kubeconfig FILE]`. */
import { Command } from 'commander';
import type { CliContext } from '../../context.ts';
import { useCluster } from '../../usecases/use-cluster.ts';
import { serverOption } from '../options.ts';

/** The `clusters use` command. */
export function useCommand(context: CliContext): Command {
  return new Command('use')
    .description(
      'write a kubeconfig context for a cluster (credentials come from `kgate token`) and select it',
    )
    .argument('<name>', 'the cluster, as `kgate clusters list` shows it')
    .addOption(serverOption())
    .option(
      '--kubeconfig <file>',
      'the kubeconfig file to write (default: first of $KUBECONFIG, else ~/.kube/config)',
    )
    .action(async (name: string, options: { server?: string; kubeconfig?: string }) => {
      const server = await context.resolveServer(options.server);
      const result = await useCluster(context, server, name, options.kubeconfig);
      const files = new Set(
        [...result.report.added, ...result.report.overwritten, ...result.report.unchanged].flatMap((e) =>
          e.file === undefined ? [] : [e.file],
        ),
      );
      const where = files.size > 0 ? ` in ${[...files].join(', ')}` : '';
      const state =
        result.cluster.status === 'connected' ? '' : ` (the cluster is ${result.cluster.status} right now)`;
      context.log(`Switched to context "${result.context}"${where}${state}.`);
    });
}
