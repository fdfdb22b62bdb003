import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { type Cluster, fromIso, fromIsoOrNull, toIso } from './types.ts';

/** What an agent reports about its cluster when it is seen. */
export interface ClusterSighting {
  at: Date;
  kubernetesVersion?: string;
  nodeCount?: number;
}

/** Registered clusters. */
export interface ClusterRepository {
  create(cluster: { id: string; name: string; createdAt: Date }): Promise<Cluster>;
  findByName(name: string): Promise<Cluster | undefined>;
  list(): Promise<Cluster[]>;
  /** Deletes the cluster and its join tokens; false if there was none. */
  delete(name: string): Promise<boolean>;
  /**
   * Records that the cluster's agent was seen (connect, heartbeat) and what it reported.
   * The tunnel calls this; fields not given keep their stored value.
   */
  recordSeen(name: string, sighting: ClusterSighting): Promise<boolean>;
}

type Row = Database['clusters'];

function toCluster(row: Row): Cluster {
  return {
    id: row.id,
    name: row.name,
    createdAt: fromIso(row.created_at),
    lastSeenAt: fromIsoOrNull(row.last_seen_at),
    kubernetesVersion: row.kubernetes_version,
    nodeCount: row.node_count === null ? null : Number(row.node_count),
  };
}

export function clusterRepository(db: Kysely<Database>): ClusterRepository {
  return {
    async create(cluster) {
      const row: Row = {
        id: cluster.id,
        name: cluster.name,
        created_at: toIso(cluster.createdAt),
        last_seen_at: null,
        kubernetes_version: null,
        node_count: null,
      };
      await db.insertInto('clusters').values(row).execute();
      return toCluster(row);
    },
    async findByName(name) {
      const row = await db.selectFrom('clusters').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? toCluster(row) : undefined;
    },
    async list() {
      const rows = await db.selectFrom('clusters').selectAll().orderBy('name').execute();
      return rows.map(toCluster);
    },
    async delete(name) {
      const row = await db.selectFrom('clusters').select('id').where('name', '=', name).executeTakeFirst();
      if (!row) return false;
      await db.deleteFrom('agent_join_tokens').where('cluster_id', '=', row.id).execute();
      await db.deleteFrom('clusters').where('id', '=', row.id).execute();
      return true;
    },
    async recordSeen(name, sighting) {
      const result = await db
        .updateTable('clusters')
        .set({
          last_seen_at: toIso(sighting.at),
          ...(sighting.kubernetesVersion !== undefined
            ? { kubernetes_version: sighting.kubernetesVersion }
            : {}),
          ...(sighting.nodeCount !== undefined ? { node_count: sighting.nodeCount } : {}),
        })
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
