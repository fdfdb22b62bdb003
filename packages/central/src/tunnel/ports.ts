/**
 * What the tunnel needs from the rest of central, as small interfaces the lead wires
 * to the store and auth implementations. Each method may be sync or async.
 */
import type { KeyObject } from 'node:crypto';

/** Who a request runs as, as central's auth decided. */
export interface Identity {
  userId: string;
  username: string;
  /** Central roles; the agent impersonates one `kgate:role:<role>` group per role. */
  roles: string[];
}

/** A cluster as central's store knows it. */
export interface ClusterRef {
  clusterId: string;
  clusterName: string;
}

/** Checks an agent's credentials: its join token, and the cluster its certificate names. */
export interface AgentAuthenticator {
  /**
   * The cluster the token was issued for, or `null` when the token is unknown, revoked,
   * expired, or issued for another cluster name. Never log `token`.
   */
  verifyJoinToken(token: string, clusterName: string): Promise<{ clusterId: string } | null>;
  /**
   * Whether the cluster an agent certificate names still exists, under this id and name.
   * Asked on every Register and renewal with a certificate, so a removed cluster's
   * certificates are refused at once although they have not expired.
   */
  verifyCluster(cluster: ClusterRef): Promise<boolean>;
}

/** What an agent reported about its cluster. */
export interface ClusterMetadata {
  kubernetesVersion: string;
  nodeCount: number;
  agentVersion: string;
}

/** Receives a cluster's connection state; the store keeps `status` and `last_seen` from it. */
export interface ClusterPresenceSink {
  /** An agent of the cluster registered (also sent when a second agent registers). */
  connected(event: ClusterRef & ClusterMetadata & { at: Date }): void | Promise<void>;
  /** A heartbeat arrived (at most once per heartbeat interval per agent). */
  seen(event: ClusterRef & { at: Date; kubernetesVersion: string; nodeCount: number }): void | Promise<void>;
  /** The cluster's last agent went away (stream closed, or heartbeats stopped). */
  disconnected(event: ClusterRef & { at: Date; reason: string }): void | Promise<void>;
}

/**
 * Makes the short-lived identity assertions the agent verifies: HS256 JWTs under a key
 * of the agent session that carries the request.
 */
export interface AssertionSigner {
  /** The `iss` of every assertion. */
  readonly issuer: string;
  /** A new random key for one agent session (sent to that agent at registration only). */
  newSessionKey(): KeyObject;
  /**
   * A JWT for one request on a session whose key is `sessionKey`: `aud`
   * `kgate-agent:<clusterName>`, claims user, groups, rid. Synchronous and cheap.
   */
  sign(identity: Identity, cluster: ClusterRef, requestId: string, sessionKey: KeyObject): string;
}

/** Where the tunnel writes what it does (one JSON object per line is fine). */
export interface TunnelLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything. */
export const silentLogger: TunnelLogger = { info() {}, warn() {} };
