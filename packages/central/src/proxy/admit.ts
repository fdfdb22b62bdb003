/**
 * Everything the proxy decides before a request enters the tunnel, in order: which
 * cluster (path), who (bearer token → 401), what (request info → 400), no client
 * impersonation (→ 403), known cluster (→ 404), central RBAC (→ 403), agent connected
 * (→ 503). Each refusal is a Kubernetes `Status` that kubectl prints.
 */
import type { IncomingMessage } from 'node:http';
import { isKgateError } from '@kgate/core/errors';
import { failureStatus, type StatusObject } from '@kgate/core/k8s-status';
import { parseRequestInfo, type RequestInfo } from '@kgate/core/request-info';
import type { ClusterRef, Identity } from '../tunnel/ports.ts';
import { connectionTokens, isImpersonationHeader } from '../tunnel/proto.ts';
import type { ClusterDirectory, ProxyAuthorizer, ProxyDecision, UserAuthenticator } from './ports.ts';

/** The parts of `/k8s/<cluster>/<path>?<query>`. */
export interface ProxyTarget {
  clusterName: string;
  /** The apiserver path, starting with `/`, not decoded. */
  path: string;
  /** The raw query string without `?` (may be empty). */
  query: string;
}

const clusterNamePattern = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Splits a proxy URL; `undefined` when it is not under `prefix` or names no valid cluster. */
export function parseProxyUrl(url: string, prefix: string): ProxyTarget | undefined {
  if (!url.startsWith(prefix)) return undefined;
  const queryAt = url.indexOf('?');
  const pathname = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
  const rest = pathname.slice(prefix.length);
  const slash = rest.indexOf('/');
  const clusterName = slash < 0 ? rest : rest.slice(0, slash);
  if (!clusterNamePattern.test(clusterName)) return undefined;
  return { clusterName, path: slash < 0 ? '/' : rest.slice(slash), query };
}

/** Names of the client's impersonation headers, also those only named in `Connection`. */
export function impersonationHeaders(req: IncomingMessage): string[] {
  const found = new Set<string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (name !== undefined && isImpersonationHeader(name)) found.add(name);
  }
  const connection = req.headers.connection;
  if (connection !== undefined)
    for (const token of connectionTokens([connection])) if (isImpersonationHeader(token)) found.add(token);
  return [...found];
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** What the admission steps need. */
export interface AdmitDeps {
  users: UserAuthenticator;
  clusters: ClusterDirectory;
  authorizer?: ProxyAuthorizer;
  isConnected(clusterId: string): boolean;
}

/** A refusal, with what was learnt before it (for the record). */
export interface Refusal {
  ok: false;
  status: StatusObject;
  identity?: Identity;
  cluster?: ClusterRef;
  info?: RequestInfo;
  decision?: ProxyDecision;
}

/** An admitted request. */
export interface Admission {
  ok: true;
  identity: Identity;
  cluster: ClusterRef;
  info: RequestInfo;
  decision?: ProxyDecision;
}

/**
 * The start of kube-apiserver's Forbidden message (`pods "web" is forbidden: `,
 * `deployments.apps is forbidden: `, `forbidden: ` for paths), so kubectl users read
 * central's refusals as they read the cluster's own.
 */
function forbiddenPrefix(info: RequestInfo): string {
  if (!info.isResourceRequest || info.resource === '') return 'forbidden: ';
  const qualified = info.apiGroup === '' ? info.resource : `${info.resource}.${info.apiGroup}`;
  return info.name === '' ? `${qualified} is forbidden: ` : `${qualified} "${info.name}" is forbidden: `;
}

/** Runs the admission steps for a request to `target`. */
export async function admit(
  req: IncomingMessage,
  target: ProxyTarget,
  deps: AdmitDeps,
): Promise<Admission | Refusal> {
  const token = bearerToken(req);
  // The store lookup runs alongside authentication; its answer is used only after it.
  const lookup = deps.clusters.lookup(target.clusterName);
  lookup.catch(() => {});
  const identity = token === undefined ? null : await deps.users.authenticate(token);
  if (identity === null) return { ok: false, status: failureStatus('Unauthorized', 'Unauthorized') };

  let info: RequestInfo;
  try {
    info = parseRequestInfo({ method: req.method ?? 'GET', path: target.path, query: target.query });
  } catch (error) {
    if (!isKgateError(error, 'REQUEST_PATH_INVALID')) throw error;
    return { ok: false, identity, status: failureStatus('BadRequest', error.message) };
  }

  const impersonating = impersonationHeaders(req);
  if (impersonating.length > 0)
    return {
      ok: false,
      identity,
      info,
      status: failureStatus(
        'Forbidden',
        `kgate does not accept impersonation headers from clients (${impersonating.join(', ')}): requests run as the user you logged in as`,
      ),
    };

  const cluster = await lookup;
  if (cluster === null)
    return {
      ok: false,
      identity,
      info,
      status: failureStatus('NotFound', `clusters "${target.clusterName}" not found`, {
        name: target.clusterName,
        kind: 'clusters',
      }),
    };

  const decision = await deps.authorizer?.authorize(identity, cluster, info);
  if (decision !== undefined && !decision.allowed)
    return {
      ok: false,
      identity,
      cluster,
      info,
      decision,
      status: failureStatus(
        'Forbidden',
        `${forbiddenPrefix(info)}kgate: user "${identity.username}" ${decision.reason}`,
        {
          ...(info.name === '' ? {} : { name: info.name }),
          ...(info.apiGroup === '' ? {} : { group: info.apiGroup }),
          ...(info.resource === '' ? {} : { kind: info.resource }),
        },
      ),
    };

  if (!deps.isConnected(cluster.clusterId))
    return {
      ok: false,
      identity,
      cluster,
      info,
      status: failureStatus(
        'ServiceUnavailable',
        `the agent of cluster "${cluster.clusterName}" is not connected to kgate-central; check that kgate-agent runs in that cluster and can reach central`,
        { name: cluster.clusterName, kind: 'clusters', retryAfterSeconds: 5 },
      ),
      ...(decision === undefined ? {} : { decision }),
    };
  return { ok: true, identity, cluster, info, ...(decision === undefined ? {} : { decision }) };
}
