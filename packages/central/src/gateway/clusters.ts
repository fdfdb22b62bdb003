/**
 * The proxy's {@link ClusterDirectory} over the store. Read on every request, not cached:
 * a cluster removed with `DELETE /clusters/{name}` is refused from the next request on.
 */
import type { ClusterDirectory } from '../proxy/ports.ts';
import type { Store } from '../store/index.ts';

export function storeClusterDirectory(store: Pick<Store, 'clusters'>): ClusterDirectory {
  return {
    async lookup(name) {
      const cluster = await store.clusters.findByName(name);
      return cluster === undefined ? null : { clusterId: cluster.id, clusterName: cluster.name };
    },
  };
}
