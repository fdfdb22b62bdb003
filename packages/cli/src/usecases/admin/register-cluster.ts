/**
 * `kgate admin clusters add`: register a cluster at central and produce the manifest that
 * installs the agent in it, holding the one-time join token.
 */
import { agentObjects, renderAgentManifest } from '@kgate/agent/manifest';
import type { CliContext } from '../../context.ts';
import { type CreatedCluster, createClusterRequest } from '../../infrastructure/central/clusters.ts';
import { renderMachine } from '../../output/format.ts';

/** What to register. */
export interface RegisterClusterInput {
  name: string;
  ttl: string | undefined;
  namespace: string | undefined;
  /** Central's agent port as the cluster reaches it; default {@link defaultAgentUrl}. */
  agentUrl: string | undefined;
}

/** What was registered, and how to print it. */
export interface RegisterClusterResult {
  created: CreatedCluster;
  /** The agent URL the manifest points at. */
  agentUrl: string;
  /** The manifest: multi-document YAML, or a `v1` `List` as JSON (both `kubectl apply -f -`). */
  render(format: 'json' | 'yaml'): string;
}

/**
 * Central's agent port on the host of its REST URL. The CLI cannot ask central for it;
 * 8444 is central's default `server.agent_listen`.
 */
export function defaultAgentUrl(server: string): string {
  return `https://${new URL(server).hostname}:8444`;
}

/** Registers the cluster and prepares its agent manifest. */
export async function registerCluster(
  context: CliContext,
  server: string,
  input: RegisterClusterInput,
): Promise<RegisterClusterResult> {
  const session = await context.freshSession(server);
  const created = await createClusterRequest(
    context.transport,
    context.connection(session),
    session.accessToken,
    {
      name: input.name,
      ...(input.ttl === undefined ? {} : { ttl: input.ttl }),
    },
  );
  const agentUrl = input.agentUrl ?? defaultAgentUrl(server);
  const options = {
    centralUrl: agentUrl,
    clusterName: created.cluster.name,
    token: created.joinToken,
    // Central's agent port is served under the same CA as its API.
    ...(session.caPem === undefined ? {} : { caPem: session.caPem }),
    ...(input.namespace === undefined ? {} : { namespace: input.namespace }),
  };
  return {
    created,
    agentUrl,
    render: (format) =>
      format === 'yaml'
        ? renderAgentManifest(options)
        : renderMachine('json', { apiVersion: 'v1', kind: 'List', items: agentObjects(options) }),
  };
}
