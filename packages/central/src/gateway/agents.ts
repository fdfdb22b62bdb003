/**
 * The tunnel's {@link AgentAuthenticator} over central's join tokens and clusters: a token
 * is good for the one cluster it was issued for, while that cluster exists and the token
 * has not expired; an agent certificate is good while the cluster it names exists under
 * the same id (a cluster removed and added again under its name is another cluster).
 * Every refusal is `null` or `false`, whatever its reason, so the agent learns nothing.
 */
import { isKgateError } from '@kgate/core/errors';
import type { AuthService } from '../auth/service.ts';
import type { Store } from '../store/index.ts';
import type { AgentAuthenticator } from '../tunnel/ports.ts';

export function joinTokenAuthenticator(
  auth: Pick<AuthService, 'verifyAgentJoinToken'>,
  store: Pick<Store, 'clusters'>,
): AgentAuthenticator {
  return {
    async verifyJoinToken(token, clusterName) {
      try {
        const cluster = await auth.verifyAgentJoinToken(token, clusterName);
        return { clusterId: cluster.id };
      } catch (error) {
        if (isKgateError(error, 'UNAUTHENTICATED')) return null;
        throw error;
      }
    },
    async verifyCluster(cluster) {
      const found = await store.clusters.findByName(cluster.clusterName);
      return found !== undefined && found.id === cluster.clusterId;
    },
  };
}
