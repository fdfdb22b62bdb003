/** `kgate admin clusters add NAME [--ttl 24h] [--namespace NS] [--agent-url URL] [-o yaml|json]`. */
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { registerCluster } from '../../../usecases/admin/register-cluster.ts';
import { outputOption, serverOption } from '../../options.ts';
import { discoverAgentUrl } from './agent-url.ts';

interface AddOptions {
  server?: string;
  ttl?: string;
  namespace?: string;
  agentUrl?: string;
  output: 'json' | 'yaml';
}

/** The `admin clusters add` command. */
export function addCommand(context: CliContext): Command {
  return new Command('add')
    .description(
      'register a cluster and print the agent manifest to apply in it (holds the one-time join token)',
    )
    .argument('<name>', 'the cluster name users will see')
    .addOption(serverOption())
    .option('--ttl <duration>', "how long the join token stays valid, e.g. 1h, 24h (default: central's)")
    .option('--namespace <ns>', 'the namespace the agent runs in (default: kgate-system)')
    .option(
      '--agent-url <url>',
      "central's agent port as the cluster reaches it (default: the agent_url central publishes)",
    )
    .addOption(outputOption(['yaml', 'json'], 'yaml'))
    .action(async (name: string, options: AddOptions) => {
      const server = await context.resolveServer(options.server);
      // Asked before registering, so that nothing is left half done if central is unreachable.
      const agentUrl =
        options.agentUrl ??
        (await discoverAgentUrl(context, context.connection(await context.freshSession(server))));
      const result = await registerCluster(context, server, {
        name,
        ttl: options.ttl,
        namespace: options.namespace,
        agentUrl,
      });
      context.io.stdout.write(result.render(options.output));
      context.log(`Registered cluster "${name}"; its agent will dial ${result.agentUrl}.`);
      context.log(
        'The manifest above holds the join token, which is shown only once: apply it in the cluster,',
      );
      context.log(`e.g. kgate admin clusters add ${name} > agent.yaml && kubectl apply -f agent.yaml`);
    });
}
