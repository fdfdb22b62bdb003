/**
 * The tunnel's {@link AgentAuthenticator} over central's join tokens: a token is good for
 * the one cluster it was issued for, while that cluster exists and the token has not
 * expired. Every refusal is `null`, whatever its reason, so the agent learns nothing.
 */
import { isKgateError } from '@kgate/core/errors';
import type { AuthService } from '../auth/service.ts';
import type { AgentAuthenticator } from '../tunnel/ports.ts';

export function joinTokenAuthenticator(auth: Pick<AuthService, 'verifyAgentJoinToken'>): AgentAuthenticator {
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
  };
}
