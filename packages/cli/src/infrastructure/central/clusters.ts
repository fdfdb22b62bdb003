/** Central's `/clusters` endpoints. */
import type { CentralConnection, CentralTransport } from '../https-transport.ts';
import { BodyReader, expectOk, readList } from './response.ts';

/** A cluster registered at central. */
export interface ClusterInfo {
  name: string;
  /** `connected` or `disconnected` (kept as central says it, should it add states). */
  status: string;
  lastSeen: string | null;
  kubernetesVersion: string | null;
  nodeCount: number | null;
  createdAt: string | null;
}

/** What `POST /clusters` returns: the cluster and its one-time join token. */
export interface CreatedCluster {
  cluster: ClusterInfo;
  joinToken: string;
  joinTokenExpiresAt: string | null;
}

function readCluster(reader: BodyReader, value: unknown, field: string): ClusterInfo {
  const c = reader.record(value, field);
  return {
    name: reader.string(c.name, `${field}.name`),
    status: reader.string(c.status, `${field}.status`),
    lastSeen: reader.optionalString(c.last_seen, `${field}.last_seen`),
    kubernetesVersion: reader.optionalString(c.kubernetes_version, `${field}.kubernetes_version`),
    nodeCount: reader.optionalNumber(c.node_count, `${field}.node_count`),
    createdAt: reader.optionalString(c.created_at, `${field}.created_at`),
  };
}

/** `GET /clusters`. */
export async function listClustersRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
): Promise<ClusterInfo[]> {
  const response = await transport(connection, { method: 'GET', path: '/clusters', accessToken });
  expectOk(response, 'list clusters');
  const reader = new BodyReader('GET /clusters');
  return readList(reader, response.body, 'clusters').map((c, i) => readCluster(reader, c, `clusters[${i}]`));
}

/** `POST /clusters` (admin). */
export async function createClusterRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  input: { name: string; ttl?: string },
): Promise<CreatedCluster> {
  const response = await transport(connection, {
    method: 'POST',
    path: '/clusters',
    accessToken,
    body: input,
  });
  expectOk(response, `register cluster "${input.name}"`);
  const reader = new BodyReader('POST /clusters');
  const body = reader.record(response.body, 'body');
  return {
    cluster: readCluster(reader, body.cluster, 'cluster'),
    joinToken: reader.string(body.join_token, 'join_token'),
    joinTokenExpiresAt: reader.optionalString(body.join_token_expires_at, 'join_token_expires_at'),
  };
}

/** `DELETE /clusters/{name}` (admin). */
export async function deleteClusterRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  name: string,
): Promise<void> {
  const response = await transport(connection, {
    method: 'DELETE',
    path: `/clusters/${encodeURIComponent(name)}`,
    accessToken,
  });
  expectOk(response, `remove cluster "${name}"`);
}
