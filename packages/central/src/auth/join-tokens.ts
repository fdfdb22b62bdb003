import { randomUUID } from 'node:crypto';
import { KgateError } from '@kgate/core/errors';
import type { Clock } from '../clock.ts';
import type { Cluster, Store } from '../store/index.ts';
import { hexDigestsEqual, randomToken, sha256Hex } from './secrets.ts';

/** Prefix of agent join tokens. */
export const JOIN_TOKEN_PREFIX = 'kga_';

export interface JoinTokens {
  /** Creates a token for the cluster; the token is returned once and only its hash is kept. */
  issue(store: Store, cluster: Cluster, ttlMs: number): Promise<{ token: string; expiresAt: Date }>;
  /**
   * The cluster the token was issued for, if it is `clusterName`'s and has not expired
   * or been removed. Compares hashes in constant time.
   * @throws KgateError `UNAUTHENTICATED` otherwise, with one message for every reason.
   */
  verify(token: string, clusterName: string): Promise<Cluster>;
}

export function joinTokens(options: { store: Store; clock: Clock }): JoinTokens {
  const { store, clock } = options;
  return {
    async issue(tx, cluster, ttlMs) {
      const token = randomToken(JOIN_TOKEN_PREFIX);
      const now = clock();
      const expiresAt = new Date(now.getTime() + ttlMs);
      await tx.joinTokens.insert({
        id: randomUUID(),
        clusterId: cluster.id,
        tokenHash: sha256Hex(token),
        createdAt: now,
        expiresAt,
        usedAt: null,
      });
      return { token, expiresAt };
    },

    async verify(token, clusterName) {
      const refused = new KgateError(
        'UNAUTHENTICATED',
        `the join token is not valid for cluster "${clusterName}"`,
        {
          hint: 'create a new join token for this cluster (it may have expired, or the cluster was removed)',
        },
      );
      const hash = sha256Hex(token);
      const cluster = await store.clusters.findByName(clusterName);
      if (!cluster || !token.startsWith(JOIN_TOKEN_PREFIX)) throw refused;
      const now = clock();
      let match: string | undefined;
      // Compare against every live token without stopping early: timing says nothing about which matched.
      for (const record of await store.joinTokens.listLive(cluster.id, now)) {
        if (hexDigestsEqual(hash, record.tokenHash)) match = record.id;
      }
      if (match === undefined) throw refused;
      await store.joinTokens.markUsed(match, now);
      return cluster;
    },
  };
}
