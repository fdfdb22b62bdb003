/**
 * The agents connected to this central, by cluster and by session id. A cluster may
 * have several sessions at once (agent replicas, or a restarted agent whose old
 * connection has not timed out yet); it is connected while it has any.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { ClusterMetadata, ClusterPresenceSink, ClusterRef, TunnelLogger } from './ports.ts';
import { AgentSession, NoStreamError } from './session.ts';

/** Options of an {@link AgentRegistry}. */
export interface AgentRegistryOptions {
  presence: ClusterPresenceSink;
  logger: TunnelLogger;
  heartbeatIntervalMs: number;
  maxIdleStreams: number;
}

/** What central knows of one connected agent. */
export interface AgentSessionInfo extends ClusterRef, ClusterMetadata {
  sessionId: string;
  connectedAt: Date;
  lastSeen: Date;
  idleStreams: number;
  /** When the session's client certificate expires (and the session with it). */
  certificateExpiresAt: Date | undefined;
}

export class AgentRegistry {
  readonly #options: AgentRegistryOptions;
  readonly #byCluster = new Map<string, Set<AgentSession>>();
  readonly #bySession = new Map<string, AgentSession>();

  constructor(options: AgentRegistryOptions) {
    this.#options = options;
  }

  /**
   * Starts a session for an agent whose credentials checked out; `assertionKey` MACs its
   * assertions, `binding` ties it to the connection whose certificate named the cluster.
   */
  register(
    cluster: ClusterRef,
    metadata: ClusterMetadata,
    assertionKey: KeyObject,
    binding: { connection?: ServerHttp2Session; expiresAt?: Date } = {},
  ): AgentSession {
    const session = new AgentSession({
      id: randomBytes(32).toString('base64url'),
      cluster,
      metadata,
      assertionKey,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
      maxIdleStreams: this.#options.maxIdleStreams,
      onClose: (closed, reason) => this.#closed(closed, reason),
      ...binding,
    });
    this.#bySession.set(session.id, session);
    let sessions = this.#byCluster.get(cluster.clusterId);
    if (sessions === undefined) {
      sessions = new Set();
      this.#byCluster.set(cluster.clusterId, sessions);
    }
    sessions.add(session);
    this.#options.logger.info('agent registered', {
      cluster: cluster.clusterName,
      agents: sessions.size,
      kubernetesVersion: metadata.kubernetesVersion,
      agentVersion: metadata.agentVersion,
    });
    this.#notify(() => this.#options.presence.connected({ ...cluster, ...metadata, at: new Date() }));
    return session;
  }

  /** The live session with this id. */
  session(id: string | undefined | null): AgentSession | undefined {
    if (id === undefined || id === null || id === '') return undefined;
    const session = this.#bySession.get(id);
    return session === undefined || session.closed ? undefined : session;
  }

  /** Whether any agent of the cluster is connected. */
  isConnected(clusterId: string): boolean {
    return (this.#byCluster.get(clusterId)?.size ?? 0) > 0;
  }

  /**
   * A Proxy stream of one of the cluster's agents for one request: the agent with the
   * most idle streams, so requests spread across replicas. A request that waited on a
   * session that ended meanwhile (an agent moving to its renewed certificate ends its
   * old session) goes on waiting on another session of the cluster, if there is one.
   */
  acquire(
    clusterId: string,
    timeoutMs: number,
    deadline = Date.now() + timeoutMs,
  ): Promise<{ session: AgentSession; stream: ServerHttp2Stream }> {
    let best: AgentSession | undefined;
    for (const session of this.#byCluster.get(clusterId) ?? [])
      if (best === undefined || session.idleCount > best.idleCount) best = session;
    if (best === undefined) return Promise.reject(new NoStreamError('no agent of the cluster is connected'));
    const session = best;
    return session.acquire(timeoutMs).then(
      (stream) => ({ session, stream }),
      (error: unknown) => {
        const left = deadline - Date.now();
        if (!session.closed || left <= 0 || !this.isConnected(clusterId)) throw error;
        return this.acquire(clusterId, left, deadline);
      },
    );
  }

  /** A heartbeat arrived on a session's control stream. */
  heartbeat(session: AgentSession, metadata: { kubernetesVersion: string; nodeCount: number }): void {
    session.heartbeat(metadata);
    this.#notify(() =>
      this.#options.presence.seen({ ...session.cluster, ...metadata, at: session.lastSeen }),
    );
  }

  /** Every connected agent. */
  list(): AgentSessionInfo[] {
    return [...this.#bySession.values()].map((s) => ({
      ...s.cluster,
      ...s.metadata,
      sessionId: s.id,
      connectedAt: s.connectedAt,
      lastSeen: s.lastSeen,
      idleStreams: s.idleCount,
      certificateExpiresAt: s.expiresAt,
    }));
  }

  /** Ends the sessions registered on `connection` (its certificate expired). */
  closeConnection(connection: ServerHttp2Session, reason: string): void {
    for (const session of [...this.#bySession.values()])
      if (session.connection === connection) session.close(reason);
  }

  /** Ends every session (central shutting down). */
  closeAll(reason: string): void {
    for (const session of [...this.#bySession.values()]) session.close(reason);
  }

  #closed(session: AgentSession, reason: string): void {
    this.#bySession.delete(session.id);
    const sessions = this.#byCluster.get(session.cluster.clusterId);
    sessions?.delete(session);
    this.#options.logger.info('agent session ended', { cluster: session.cluster.clusterName, reason });
    if (sessions !== undefined && sessions.size === 0) {
      this.#byCluster.delete(session.cluster.clusterId);
      this.#notify(() => this.#options.presence.disconnected({ ...session.cluster, at: new Date(), reason }));
    }
  }

  #notify(call: () => void | Promise<void>): void {
    try {
      Promise.resolve(call()).catch((error: unknown) => {
        this.#options.logger.warn('cluster presence update failed', { error: String(error) });
      });
    } catch (error) {
      this.#options.logger.warn('cluster presence update failed', { error: String(error) });
    }
  }
}
