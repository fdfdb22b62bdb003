/**
 * The Register, RenewCertificate and Control RPCs of `AgentService`, served by
 * ConnectRPC (gRPC protocol). Proxy is served by hand on raw streams (see server.ts).
 *
 * Register has two forms (docs/tunnel.md, "Agent identity"): with a join token, on a
 * connection without a valid client certificate, it only issues the agent's client
 * certificate; with that certificate (mutual TLS) it starts a session bound to the
 * connection. Control and RenewCertificate are accepted on that connection only.
 */
import type { ServerHttp2Session } from 'node:http2';
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextKey,
  type HandlerContext,
} from '@connectrpc/connect';
import { isKgateError } from '@kgate/core/errors';
import type {
  AgentCertificateIssuer,
  IssuedAgentCertificate,
  PeerIdentities,
  PeerIdentity,
} from './certificates.ts';
import type { AgentAuthenticator, AssertionSigner, ClusterRef, TunnelLogger } from './ports.ts';
import {
  type AgentCertificateSchema,
  AgentService,
  AsyncQueue,
  assertionAudience,
  type ControlRequest,
  type RegisterResponseSchema,
  sessionHeader,
} from './proto.ts';
import type { AgentRegistry } from './registry.ts';
import type { AgentSession, ControlMessage } from './session.ts';

/**
 * The agent's HTTP/2 connection, set by the server for every call. A session ends the
 * moment the connection it registered on closes (a killed agent never cancels its
 * calls), not two heartbeats later; and the connection's client certificate says which
 * cluster's agent is calling.
 */
export const agentConnection = createContextKey<ServerHttp2Session | undefined>(undefined, {
  description: "the agent's HTTP/2 connection",
});

/** What the RPCs need. */
export interface AgentServiceDeps {
  registry: AgentRegistry;
  agents: AgentAuthenticator;
  signer: AssertionSigner;
  /** Signs agents' CSRs; resolves once the agent port's CA is known. */
  certificates: () => Promise<AgentCertificateIssuer>;
  peers: PeerIdentities;
  heartbeatIntervalMs: number;
  logger: TunnelLogger;
}

function bearer(context: HandlerContext): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(context.requestHeader.get('authorization') ?? '');
  return match?.[1];
}

function message(issued: IssuedAgentCertificate): MessageInitShape<typeof AgentCertificateSchema> {
  return {
    certificatePem: issued.certificatePem,
    caCertificatePem: issued.caCertificatePem,
    validForMs: BigInt(issued.validForMs),
  };
}

/**
 * Why a call for `session` is refused on `connection`, or undefined when the connection
 * is the one the session registered on (whose certificate named the session's cluster).
 * A reference comparison: nothing is parsed per call.
 */
export function bindingRefusal(
  session: AgentSession,
  connection: ServerHttp2Session | undefined,
  peers: PeerIdentities,
): string | undefined {
  if (session.connection === undefined || connection === session.connection) return undefined;
  const peer = peers.of(connection);
  if (peer.kind !== 'agent')
    return 'this connection has no valid client certificate: connect with the certificate central issued at registration';
  if (peer.cluster.clusterId !== session.cluster.clusterId)
    return `this connection's client certificate is for cluster "${peer.cluster.clusterName}", not for the session's cluster "${session.cluster.clusterName}"`;
  return 'the session was registered on another connection';
}

/** Routes for `connectNodeAdapter`. */
export function agentServiceRoutes(deps: AgentServiceDeps): (router: ConnectRouter) => void {
  const { logger } = deps;

  async function issue(csrPem: string, cluster: ClusterRef): Promise<IssuedAgentCertificate> {
    const issuer = await deps.certificates();
    try {
      return await issuer.issue(csrPem, cluster);
    } catch (error) {
      if (!isKgateError(error, 'PKI_INVALID')) throw error;
      logger.warn('agent certificate request refused', {
        cluster: cluster.clusterName,
        error: error.message,
      });
      throw new ConnectError(`the certificate request was refused: ${error.message}`, Code.InvalidArgument);
    }
  }

  /** The cluster of a certificate still exists under its id and name, or the call is refused. */
  async function clusterStillExists(cluster: ClusterRef, what: string): Promise<void> {
    if (await deps.agents.verifyCluster(cluster)) return;
    logger.warn(`agent certificate refused: its cluster was removed`, {
      cluster: cluster.clusterName,
      clusterId: cluster.clusterId,
      call: what,
    });
    throw new ConnectError(
      `the client certificate is for cluster "${cluster.clusterName}" (id ${cluster.clusterId}), which central no longer has: it was removed`,
      Code.Unauthenticated,
    );
  }

  async function registerWithCertificate(
    peer: Extract<PeerIdentity, { kind: 'agent' }>,
    connection: ServerHttp2Session,
    request: { clusterName: string; kubernetesVersion: string; nodeCount: number; agentVersion: string },
  ): Promise<MessageInitShape<typeof RegisterResponseSchema>> {
    const name = request.clusterName;
    if (peer.cluster.clusterName !== name) {
      logger.warn('agent certificate refused for another cluster', {
        cluster: name,
        certificateCluster: peer.cluster.clusterName,
      });
      throw new ConnectError(
        `the client certificate is for cluster "${peer.cluster.clusterName}", not "${name}"`,
        Code.PermissionDenied,
      );
    }
    await clusterStillExists(peer.cluster, 'Register');
    const session = deps.registry.register(
      peer.cluster,
      {
        kubernetesVersion: request.kubernetesVersion,
        nodeCount: request.nodeCount,
        agentVersion: request.agentVersion,
      },
      deps.signer.newSessionKey(),
      { connection, expiresAt: peer.expiresAt },
    );
    // An agent registers once per connection, so one listener per session is bounded.
    connection.once('close', () => session.close('agent connection closed'));
    return {
      sessionId: session.id,
      heartbeatIntervalMs: deps.heartbeatIntervalMs,
      // Only this agent session receives its key, on the connection it authenticated.
      assertionKey: session.assertionKey.export(),
      assertionIssuer: deps.signer.issuer,
      assertionAudience: assertionAudience(name),
    };
  }

  return (router) => {
    router.service(AgentService, {
      async register(request, context) {
        const connection = context.values.get(agentConnection);
        const peer = deps.peers.of(connection);
        const name = request.clusterName;
        if (peer.kind === 'agent' && connection !== undefined)
          return registerWithCertificate(peer, connection, request);

        const token = bearer(context);
        if (peer.kind === 'refused')
          logger.warn('agent client certificate refused', { cluster: name, reason: peer.reason });
        if (token === undefined)
          throw new ConnectError(
            peer.kind === 'refused'
              ? `the client certificate was refused (${peer.reason}) and no join token was sent`
              : 'the connection has no client certificate and the join token is missing (metadata "authorization: Bearer …")',
            Code.Unauthenticated,
          );
        const verified = await deps.agents.verifyJoinToken(token, name);
        if (verified === null) {
          logger.warn('agent join token refused', { cluster: name });
          throw new ConnectError(`the join token was refused for cluster "${name}"`, Code.Unauthenticated);
        }
        const issued = await issue(request.certificateRequest, {
          clusterId: verified.clusterId,
          clusterName: name,
        });
        logger.info('agent certificate issued', {
          cluster: name,
          expiresAt: issued.expiresAt.toISOString(),
          with: 'join token',
        });
        return {
          heartbeatIntervalMs: deps.heartbeatIntervalMs,
          certificate: message(issued),
        };
      },

      async renewCertificate(request, context) {
        const session = deps.registry.session(context.requestHeader.get(sessionHeader));
        if (session === undefined)
          throw new ConnectError('unknown or ended agent session', Code.Unauthenticated);
        const refusal = bindingRefusal(session, context.values.get(agentConnection), deps.peers);
        if (refusal !== undefined) {
          logger.warn('agent certificate renewal refused', { cluster: session.cluster.clusterName, refusal });
          throw new ConnectError(refusal, Code.PermissionDenied);
        }
        await clusterStillExists(session.cluster, 'RenewCertificate');
        const issued = await issue(request.certificateRequest, session.cluster);
        logger.info('agent certificate issued', {
          cluster: session.cluster.clusterName,
          expiresAt: issued.expiresAt.toISOString(),
          with: 'renewal',
        });
        return { certificate: message(issued) };
      },

      control(requests: AsyncIterable<ControlRequest>, context: HandlerContext) {
        const session = deps.registry.session(context.requestHeader.get(sessionHeader));
        if (session === undefined)
          throw new ConnectError('unknown or ended agent session', Code.Unauthenticated);
        const refusal = bindingRefusal(session, context.values.get(agentConnection), deps.peers);
        if (refusal !== undefined) {
          logger.warn('agent control stream refused', { cluster: session.cluster.clusterName, refusal });
          throw new ConnectError(refusal, Code.PermissionDenied);
        }
        const outbox = new AsyncQueue<{ message: ControlMessage }>();
        session.attachControl(
          (message) => outbox.push({ message }),
          () => outbox.close(),
        );
        const end = (reason: string) => {
          outbox.close();
          session.close(reason);
        };
        context.signal.addEventListener('abort', () => end('control stream closed'), { once: true });
        void (async () => {
          try {
            for await (const request of requests) {
              if (request.message.case !== 'heartbeat') continue;
              const beat = request.message.value;
              deps.registry.heartbeat(session, {
                kubernetesVersion: beat.kubernetesVersion,
                nodeCount: beat.nodeCount,
              });
              outbox.push({ message: { case: 'heartbeatAck', value: { sequence: beat.sequence } } });
            }
            end('the agent ended its control stream');
          } catch (error) {
            end(`control stream failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        })();
        return outbox;
      },
    });
  };
}
