/**
 * Which clusters have an agent connected right now.
 *
 * The agent tunnel implements this (an in-memory registry of live tunnels); the REST
 * API only reads it. What outlives a connection — when an agent was last seen, the
 * Kubernetes version and node count it reported — is persisted by the tunnel through
 * `store.clusters.recordSeen(name, sighting)`.
 */
export interface ClusterPresence {
  /** Whether an agent of the cluster is connected to this central now. */
  isConnected(clusterName: string): boolean;
  /** Closes the cluster's tunnel, if any: called when the cluster is deleted. */
  disconnect(clusterName: string): void;
}

/** The presence of a central without a tunnel: every cluster is disconnected. */
export const noClusterPresence: ClusterPresence = {
  isConnected: () => false,
  disconnect: () => {},
};
