/**
 * What the agent tells central about its cluster: the apiserver's version
 * (GET /version → gitVersion) and how many nodes it sees. Both are best effort: a
 * 403/404 or an unreachable apiserver reports "" and 0 rather than failing registration.
 */
import https from 'node:https';
import type { ApiServerTarget } from './target.ts';

/** The cluster facts sent with Register and every heartbeat. */
export interface ClusterFacts {
  kubernetesVersion: string;
  nodeCount: number;
}

/** GETs a path with the agent's own credential (no impersonation); JSON body or undefined. */
function getJson(
  target: ApiServerTarget,
  agent: https.Agent,
  path: string,
  timeoutMs: number,
): Promise<unknown> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    const authorization = target.authorization();
    if (authorization !== undefined) headers.authorization = authorization;
    const base = target.url.pathname.replace(/\/$/, '');
    const req = https.request(
      {
        protocol: 'https:',
        hostname: target.url.hostname.replace(/^\[|\]$/g, ''),
        port: target.url.port || 443,
        path: `${base}${path}`,
        method: 'GET',
        headers,
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve(undefined);
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            resolve(undefined);
          }
        });
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Reads the cluster's version and node count.
 *
 * @example
 * ```ts
 * const { kubernetesVersion, nodeCount } = await readClusterFacts(target, agent);
 * ```
 */
export async function readClusterFacts(
  target: ApiServerTarget,
  agent: https.Agent,
  timeoutMs = 5000,
): Promise<ClusterFacts> {
  const [version, nodes] = await Promise.all([
    getJson(target, agent, '/version', timeoutMs),
    getJson(target, agent, '/api/v1/nodes?limit=500', timeoutMs),
  ]);
  const gitVersion = field(version, 'gitVersion');
  const items = field(nodes, 'items');
  const remaining = field(field(nodes, 'metadata'), 'remainingItemCount');
  const nodeCount =
    (Array.isArray(items) ? items.length : 0) + (typeof remaining === 'number' ? remaining : 0);
  return { kubernetesVersion: typeof gitVersion === 'string' ? gitVersion : '', nodeCount };
}
