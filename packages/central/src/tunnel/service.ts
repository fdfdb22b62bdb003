/**
 * The Register and Control RPCs of `AgentService`, served by ConnectRPC (gRPC
 * protocol). Proxy is served by hand on raw streams (see server.ts).
 */
import type { EventEmitter } from 'node:events';
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextKey,
  type HandlerContext,
} from '@connectrpc/connect';
import type { AgentAuthenticator, AssertionSigner, TunnelLogger } from './ports.ts';
import { AgentService, AsyncQueue, assertionAudience, type ControlRequest, sessionHeader } from './proto.ts';
import type { AgentRegistry } from './registry.ts';
import type { ControlMessage } from './session.ts';

/**
 * The agent's HTTP/2 connection, set by the server for every call. A session ends the
 * moment the connection it registered on closes (a killed agent never cancels its
 * calls), not two heartbeats later.
 */
export const agentConnection = createContextKey<EventEmitter | undefined>(undefined, {
  description: "the agent's HTTP/2 connection",
});

/** What the RPCs need. */
export interface AgentServiceDeps {
  registry: AgentRegistry;
  agents: AgentAuthenticator;
  signer: AssertionSigner;
  heartbeatIntervalMs: number;
  logger: TunnelLogger;
}

function bearer(context: HandlerContext): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(context.requestHeader.get('authorization') ?? '');
  return match?.[1];
}

/** Routes for `connectNodeAdapter`. */
export function agentServiceRoutes(deps: AgentServiceDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(AgentService, {
      async register(request, context) {
        const token = bearer(context);
        if (token === undefined)
          throw new ConnectError(
            'the join token is missing (metadata "authorization: Bearer …")',
            Code.Unauthenticated,
          );
        const name = request.clusterName;
        const verified = await deps.agents.verifyJoinToken(token, name);
        if (verified === null) {
          deps.logger.warn('agent join token refused', { cluster: name });
          throw new ConnectError(`the join token was refused for cluster "${name}"`, Code.Unauthenticated);
        }
        const session = deps.registry.register(
          { clusterId: verified.clusterId, clusterName: name },
          {
            kubernetesVersion: request.kubernetesVersion,
            nodeCount: request.nodeCount,
            agentVersion: request.agentVersion,
          },
          deps.signer.newSessionKey(),
        );
        const connection = context.values.get(agentConnection);
        // An agent registers once per connection, so one listener per session is bounded.
        connection?.once('close', () => session.close('agent connection closed'));
        return {
          sessionId: session.id,
          heartbeatIntervalMs: deps.heartbeatIntervalMs,
          // Only this agent session receives its key, on the connection it authenticated.
          assertionKey: session.assertionKey.export(),
          assertionIssuer: deps.signer.issuer,
          assertionAudience: assertionAudience(name),
        };
      },

      control(requests: AsyncIterable<ControlRequest>, context: HandlerContext) {
        const session = deps.registry.session(context.requestHeader.get(sessionHeader));
        if (session === undefined)
          throw new ConnectError('unknown or ended agent session', Code.Unauthenticated);
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
