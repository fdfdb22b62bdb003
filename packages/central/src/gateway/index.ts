/**
 * Central's gateway as `kgate-central` runs it: the agent tunnel on the agent port and
 * the `/k8s/<cluster>/` proxy on the user port, wired to central's own auth, store and
 * logger through the small adapters of this folder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CertificateAuthority } from '@kgate/core/pki';
import type { Logger } from 'pino';
import type { AuthService } from '../auth/service.ts';
import type { AgentListener, ProxyHooks } from '../hooks.ts';
import { createK8sProxy, type RequestRecorder } from '../proxy/index.ts';
import type { RbacService } from '../rbac/service.ts';
import type { Store } from '../store/index.ts';
import { createAssertionSigner, createTunnelServer, type TunnelServer } from '../tunnel/index.ts';
import type { AssertionSigner } from '../tunnel/ports.ts';
import { joinTokenAuthenticator } from './agents.ts';
import { closeRevokedOnAccessChange, rbacAuthorizer } from './authorizer.ts';
import { storeClusterDirectory } from './clusters.ts';
import { tunnelLogger } from './logger.ts';
import { type GatewayPresence, gatewayPresence } from './presence.ts';
import { logRecorder } from './recorder.ts';
import { accessTokenAuthenticator } from './users.ts';

export { type GatewayPresence, gatewayPresence } from './presence.ts';

/** What {@link createGateway} needs. */
export interface GatewayDeps {
  store: Store;
  auth: Pick<
    AuthService,
    'verifyAccessToken' | 'verifyAccessTokenSignature' | 'loadIdentity' | 'verifyAgentJoinToken'
  >;
  logger: Logger;
  /** Certificate and key of the agent port (central's serving certificate). */
  tls: { certPem: string; keyPem: string };
  /** Central's CA: signs agents' client certificates, the only ones the agent port accepts. */
  ca: CertificateAuthority;
  /** Lifetime of agent client certificates (`auth.agent_certificate_ttl`). Default 1 h. */
  agentCertificateTtlMs?: number;
  /** `iss` of identity assertions. */
  issuer: string;
  heartbeatIntervalMs: number;
  /** The presence `GET /clusters` reads; default: a new one. */
  presence?: GatewayPresence;
  /** Central RBAC; without it every authenticated user reaches every cluster (tests). */
  rbac?: RbacService;
  /** The audit log; without it proxied requests are only logged. */
  recorder?: RequestRecorder;
}

/** The wired gateway. */
export interface Gateway {
  readonly presence: GatewayPresence;
  /** The `/k8s/` proxy as central's HTTPS server mounts it. */
  readonly proxy: ProxyHooks;
  readonly tunnel: TunnelServer;
  readonly signer: AssertionSigner;
  /** Starts the tunnel on the agent port. */
  listen(host: string, port: number): Promise<AgentListener>;
}

/**
 * Builds the tunnel and the proxy. Nothing of the signer outlives a start: agents
 * re-register after central restarts and receive their assertion key again then.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const log = tunnelLogger(deps.logger.child({ component: 'gateway' }));
  const signer = createAssertionSigner({ issuer: deps.issuer });
  const presence = deps.presence ?? gatewayPresence({ store: deps.store, logger: deps.logger });
  const tunnel = createTunnelServer({
    tls: { cert: deps.tls.certPem, key: deps.tls.keyPem },
    ca: deps.ca,
    ...(deps.agentCertificateTtlMs === undefined
      ? {}
      : { agentCertificateTtlMs: deps.agentCertificateTtlMs }),
    agents: joinTokenAuthenticator(deps.auth, deps.store),
    presence: presence.sink,
    signer,
    heartbeatIntervalMs: deps.heartbeatIntervalMs,
    logger: log,
  });
  presence.attach((clusterName, reason) => {
    for (const info of tunnel.registry.list())
      if (info.clusterName === clusterName) tunnel.registry.session(info.sessionId)?.close(reason);
  });
  const k8s = createK8sProxy({
    users: accessTokenAuthenticator(deps.auth),
    clusters: storeClusterDirectory(deps.store),
    tunnel,
    signer,
    recorder: deps.recorder ?? logRecorder(deps.logger.child({ component: 'proxy' })),
    ...(deps.rbac === undefined ? {} : { authorizer: rbacAuthorizer(deps.rbac) }),
    logger: log,
  });
  if (deps.rbac !== undefined) closeRevokedOnAccessChange(deps.rbac, deps.store, k8s, log);
  const proxy: ProxyHooks = {
    handleRequest(req: IncomingMessage, res: ServerResponse) {
      if (!k8s.matches(req.url)) return false;
      k8s.handleRequest(req, res);
      return true;
    },
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      if (!k8s.matches(req.url)) return false;
      k8s.handleUpgrade(req, socket, head);
      return true;
    },
  };
  return {
    presence,
    proxy,
    tunnel,
    signer,
    async listen(host, port) {
      const address = await tunnel.listen(port, host);
      return { port: address.port, close: () => tunnel.close() };
    },
  };
}
