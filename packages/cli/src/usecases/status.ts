/** `kgate status`: who is logged in where, until when, and the selected cluster's state. */
import type { CliContext } from '../context.ts';
import { type ClusterInfo, listClustersRequest } from '../infrastructure/central/clusters.ts';
import { OUTPUT_API_VERSION } from '../output/format.ts';
import { contextName } from './use-cluster.ts';

/** The `-o json|yaml` document of `kgate status` (documented in packages/cli/README.md). */
export interface StatusOutput {
  apiVersion: typeof OUTPUT_API_VERSION;
  kind: 'SessionStatus';
  server: string;
  user: { id: string; username: string; roles: string[] };
  /** When the current access token expires (it is refreshed automatically before). */
  tokenExpiresAt: string;
  /** Where the tokens are kept: `keyring` or `file`. */
  tokenStore: 'keyring' | 'file';
  /** The cluster `kgate clusters use` selected, or `null`. */
  cluster: {
    name: string;
    context: string;
    /** `connected`, `disconnected`, or `not-found` when central no longer has it. */
    status: string;
    lastSeen: string | null;
    kubernetesVersion: string | null;
    nodeCount: number | null;
  } | null;
}

/** Gathers the status of `server` (refreshing the session if needed). */
export async function getStatus(context: CliContext, server: string): Promise<StatusOutput> {
  const session = await context.freshSession(server);
  const found = await context.sessions.find(server);
  const selected = (await context.loadConfig()).servers[server]?.cluster;
  let cluster: StatusOutput['cluster'] = null;
  if (selected !== undefined) {
    const clusters = await listClustersRequest(
      context.transport,
      context.connection(session),
      session.accessToken,
    );
    const info: ClusterInfo | undefined = clusters.find((c) => c.name === selected);
    cluster = {
      name: selected,
      context: contextName(selected),
      status: info?.status ?? 'not-found',
      lastSeen: info?.lastSeen ?? null,
      kubernetesVersion: info?.kubernetesVersion ?? null,
      nodeCount: info?.nodeCount ?? null,
    };
  }
  return {
    apiVersion: OUTPUT_API_VERSION,
    kind: 'SessionStatus',
    server,
    user: session.user,
    tokenExpiresAt: session.accessTokenExpiresAt,
    tokenStore: found?.store.kind ?? 'file',
    cluster,
  };
}
