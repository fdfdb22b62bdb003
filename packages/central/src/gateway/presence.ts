/**
 * Cluster presence as central keeps it: the tunnel reports agents coming and going
 * ({@link ClusterPresenceSink}); `GET /clusters` reads which clusters are connected now
 * ({@link ClusterPresence}). What outlives a connection — last seen, Kubernetes version,
 * node count — goes to the store with `recordSeen`; who is connected right now stays in
 * memory, because after a restart nobody is until agents dial again.
 */
import type { Logger } from 'pino';
import type { ClusterPresence } from '../presence.ts';
import type { Store } from '../store/index.ts';
import type { ClusterPresenceSink } from '../tunnel/ports.ts';

/** Ends every agent session of a cluster (the tunnel's registry does it). */
export type SessionCloser = (clusterName: string, reason: string) => void;

/** Both faces of presence, plus the hook to the tunnel that {@link ClusterPresence.disconnect} needs. */
export interface GatewayPresence extends ClusterPresence {
  readonly sink: ClusterPresenceSink;
  /** Connects `disconnect` to the tunnel (the tunnel is built after its presence sink). */
  attach(closeSessions: SessionCloser): void;
}

export function gatewayPresence(deps: { store: Pick<Store, 'clusters'>; logger: Logger }): GatewayPresence {
  // name → id of the connected cluster: a cluster removed and added again under the same
  // name is another cluster, and the old one's late `disconnected` must not touch it.
  const connected = new Map<string, string>();
  let closeSessions: SessionCloser | undefined;
  const { store, logger } = deps;

  return {
    sink: {
      async connected(event) {
        connected.set(event.clusterName, event.clusterId);
        logger.info(
          {
            cluster: event.clusterName,
            kubernetesVersion: event.kubernetesVersion,
            nodeCount: event.nodeCount,
            agentVersion: event.agentVersion,
          },
          'cluster connected',
        );
        await store.clusters.recordSeen(event.clusterName, {
          at: event.at,
          kubernetesVersion: event.kubernetesVersion,
          nodeCount: event.nodeCount,
        });
      },
      async seen(event) {
        await store.clusters.recordSeen(event.clusterName, {
          at: event.at,
          kubernetesVersion: event.kubernetesVersion,
          nodeCount: event.nodeCount,
        });
      },
      disconnected(event) {
        if (connected.get(event.clusterName) === event.clusterId) connected.delete(event.clusterName);
        logger.info({ cluster: event.clusterName, reason: event.reason }, 'cluster disconnected');
      },
    },
    isConnected: (name) => connected.has(name),
    disconnect(name) {
      connected.delete(name);
      closeSessions?.(name, 'the cluster was removed from central');
    },
    attach(closer) {
      closeSessions = closer;
    },
  };
}
