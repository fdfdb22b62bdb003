/**
 * What the Kubernetes API proxy needs from the rest of central, as small interfaces
 * the lead wires to the auth, store, RBAC and audit implementations.
 */
import type { RequestInfo } from '@kgate/core/request-info';
import type { ClusterRef, Identity } from '../tunnel/ports.ts';

/** A bearer token whose own checks (signature, issuer, audience, expiry) passed. */
export interface VerifiedToken {
  /** The user the token was issued to. */
  userId: string;
  /** The username in the token (a user renamed since is refused by `loadIdentity`). */
  username: string;
  /** When the token stops being valid. */
  expiresAt: Date;
}

/**
 * Turns a bearer token (central's own JWT or API token) into a user.
 *
 * `verifyToken` and `loadIdentity` are an optional split of `authenticate`. When both
 * are there, the proxy remembers `verifyToken`'s answer per token (a JWT never changes,
 * so its signature need not be checked on every request) and calls `loadIdentity` on
 * every request, so a deleted user or a changed role takes effect on the next request.
 */
export interface UserAuthenticator {
  /** The user, or `null` when the token is unknown, expired or revoked. */
  authenticate(bearerToken: string): Promise<Identity | null>;
  /** Checks the token alone, without asking who the user is now; `null` when it is not valid. */
  verifyToken?(bearerToken: string): Promise<VerifiedToken | null>;
  /**
   * The user of a verified token as central knows them now (roles read fresh); `null`
   * when the user is gone or no longer has the token's username. Runs on every request:
   * keep it cheap (a synchronous answer is fine).
   */
  loadIdentity?(token: VerifiedToken): Identity | null | Promise<Identity | null>;
}

/** Clusters registered in central's store. */
export interface ClusterDirectory {
  /** The cluster named `name`, or `null` when central has none by that name. */
  lookup(name: string): Promise<ClusterRef | null>;
}

/** Central's answer for one request: which rule allowed it, or why it was refused. */
export type ProxyDecision =
  | { allowed: true; rule?: string }
  | { allowed: false; reason: string; rule?: string };

/** Central's own RBAC, the outer gate (the cluster's RBAC still applies after it). */
export interface ProxyAuthorizer {
  authorize(
    identity: Identity,
    cluster: ClusterRef,
    request: RequestInfo,
  ): ProxyDecision | Promise<ProxyDecision>;
}

/** What is known of a proxied request before it is forwarded: the audit log's write-ahead entry. */
export interface ProxyRecordStart {
  requestId: string;
  startedAt: Date;
  /** The client's address (the TCP peer; forwarding headers are not trusted). */
  sourceIp: string;
  /** Absent when the request was not authenticated. */
  userId?: string;
  username?: string;
  clusterName: string;
  /** Absent when the cluster is unknown. */
  clusterId?: string;
  method: string;
  /** The path below `/k8s/<cluster>`, without the query. */
  path: string;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** The command of an exec (`command` query parameters), when there is one. */
  command?: string[];
  upgrade: boolean;
  /** Central's RBAC decision; absent when the request was refused before it was asked. */
  decision?: ProxyDecision;
}

/** One proxied request, as the audit log keeps it. */
export interface ProxyRecord extends ProxyRecordStart {
  durationMs: number;
  /** Whether {@link RequestRecorder.begin} recorded it before it was forwarded. */
  begun: boolean;
  /** The HTTP status the client got (101 for an accepted upgrade; 0 if none was sent). */
  status: number;
  /** Body bytes from the client, and to the client. */
  bytesIn: number;
  bytesOut: number;
  /** Why the request failed or was refused, when it did. */
  error?: string;
}

/**
 * The audit log as the proxy uses it. With `begin`, the log is write-ahead: every
 * admitted request is recorded durably before a byte of it reaches the agent, and a
 * request whose `begin` fails is refused (fail closed). `record` follows for every
 * request when it ends, also for those refused before `begin`.
 */
export interface RequestRecorder {
  begin?(entry: ProxyRecordStart): Promise<void>;
  record(entry: ProxyRecord): void | Promise<void>;
}
