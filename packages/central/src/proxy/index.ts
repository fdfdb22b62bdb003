/**
 * Central's Kubernetes API proxy: `/k8s/<cluster>/…` for an unmodified kubectl. Mount
 * {@link K8sProxy.handleRequest} on the HTTPS server's `request` event and
 * {@link K8sProxy.handleUpgrade} on its `upgrade` event (HTTP/1.1; kubectl's upgrades
 * need it) for URLs where {@link K8sProxy.matches} is true.
 *
 * Ports to wire: {@link UserAuthenticator}, {@link ClusterDirectory},
 * {@link RequestRecorder} (audit), optional {@link ProxyAuthorizer} (central RBAC).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { failureStatus, sendStatus, statusResponse } from '@kgate/core/k8s-status';
import { newRequestId } from '../audit/request-id.ts';
import type { AssertionSigner, TunnelLogger } from '../tunnel/ports.ts';
import { silentLogger } from '../tunnel/ports.ts';
import { OpenRequests, type StillAllowed } from './active.ts';
import { parseProxyUrl } from './admit.ts';
import type { ProxyDeps, ProxyTunnel } from './context.ts';
import { cachingAuthenticator, canCacheTokenVerification, tokenVerificationCache } from './identity-cache.ts';
import type { ClusterDirectory, ProxyAuthorizer, RequestRecorder, UserAuthenticator } from './ports.ts';
import { proxyRequest } from './request.ts';
import { proxyUpgrade } from './upgrade.ts';

export type { OpenRequest, StillAllowed } from './active.ts';
export type { ProxyTunnel } from './context.ts';
export type {
  ClusterDirectory,
  ProxyAuthorizer,
  ProxyDecision,
  ProxyRecord,
  ProxyRecordStart,
  RequestRecorder,
  UserAuthenticator,
  VerifiedToken,
} from './ports.ts';

/** Options of {@link createK8sProxy}. */
export interface K8sProxyOptions {
  users: UserAuthenticator;
  clusters: ClusterDirectory;
  /** The tunnel server (`createTunnelServer(...)`), or anything with the same two methods. */
  tunnel: ProxyTunnel;
  signer: AssertionSigner;
  recorder?: RequestRecorder;
  authorizer?: ProxyAuthorizer;
  /** URL prefix. Default `/k8s/`. */
  prefix?: string;
  /**
   * Remember a whole identity (user and roles) for this long instead of asking `users`
   * on every request. Default 0. A deleted user or removed role keeps working this long;
   * prefer an authenticator with `verifyToken` + `loadIdentity` (see `cacheTokensMs`).
   */
  cacheIdentitiesMs?: number;
  /**
   * When `users` offers `verifyToken` and `loadIdentity`: remember that a token's
   * signature checked out for this long (at most until it expires), while loading the
   * user on every request. Default 60 s; 0 verifies every token on every request.
   */
  cacheTokensMs?: number;
  /** How long a request waits for a free agent stream. Default 10 s. */
  streamTimeoutMs?: number;
  logger?: TunnelLogger;
}

/** The handlers to mount. */
export interface K8sProxy {
  /** Whether a request URL belongs to the proxy (starts with the prefix). */
  matches(url: string | undefined): boolean;
  /** `request` handler for URLs under the prefix. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** `upgrade` handler for URLs under the prefix. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Closes the open requests (watches, logs -f, exec, attach, port-forward) that
   * `stillAllowed` no longer allows, e.g. after a user's roles changed or the user was
   * removed; resolves with how many were closed.
   */
  closeRevoked(stillAllowed: StillAllowed, reason: string): Promise<number>;
}

/**
 * Creates the proxy.
 *
 * @example
 * ```ts
 * const proxy = createK8sProxy({ users, clusters, tunnel, signer, recorder });
 * server.on('request', (req, res) => proxy.matches(req.url) ? proxy.handleRequest(req, res) : api(req, res));
 * server.on('upgrade', (req, socket, head) => proxy.matches(req.url) ? proxy.handleUpgrade(req, socket, head) : socket.destroy());
 * ```
 */
export function createK8sProxy(options: K8sProxyOptions): K8sProxy {
  const prefix = options.prefix ?? '/k8s/';
  const identityMs = options.cacheIdentitiesMs ?? 0;
  const tokenMs = options.cacheTokensMs ?? 60_000;
  let users = options.users;
  if (identityMs > 0) users = cachingAuthenticator(users, identityMs);
  else if (tokenMs > 0 && canCacheTokenVerification(users)) users = tokenVerificationCache(users, tokenMs);
  const deps: ProxyDeps = {
    users,
    clusters: options.clusters,
    isConnected: (clusterId) => options.tunnel.isConnected(clusterId),
    tunnel: options.tunnel,
    signer: options.signer,
    recorder: options.recorder,
    logger: options.logger ?? silentLogger,
    streamTimeoutMs: options.streamTimeoutMs ?? 10_000,
    open: new OpenRequests(),
    newRequestId,
    now: () => performance.now(),
  };
  if (options.authorizer !== undefined) deps.authorizer = options.authorizer;
  const notFound = (url: string) =>
    failureStatus('NotFound', `no cluster is named in ${url.split('?')[0] ?? url}`);

  return {
    closeRevoked: (stillAllowed, reason) => deps.open.closeRevoked(stillAllowed, reason),
    matches: (url) => url?.startsWith(prefix) === true,
    handleRequest(req, res) {
      const url = req.url ?? '';
      const target = parseProxyUrl(url, prefix);
      if (target === undefined) {
        sendStatus(res, notFound(url));
        return;
      }
      proxyRequest(deps, req, res, target).catch((error: unknown) => {
        deps.logger.warn('proxied request failed', { error: String(error) });
        if (!res.headersSent)
          sendStatus(res, failureStatus('InternalError', 'kgate-central failed to proxy the request'));
        else res.destroy();
      });
    },
    handleUpgrade(req, socket, head) {
      const url = req.url ?? '';
      const target = parseProxyUrl(url, prefix);
      if (target === undefined) {
        const { code, headers, body } = statusResponse(notFound(url));
        const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
        socket.end(
          `HTTP/1.1 ${code} Not Found\r\n${lines.join('')}Connection: close\r\n\r\n${body.toString()}`,
        );
        return;
      }
      proxyUpgrade(deps, req, socket, head, target).catch((error: unknown) => {
        deps.logger.warn('proxied upgrade failed', { error: String(error) });
        socket.destroy();
      });
    },
  };
}
