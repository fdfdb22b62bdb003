/**
 * Names both ends of the tunnel must agree on: RPC paths, metadata keys, the
 * identity assertion's audience and group names, and HTTP/2 flow-control sizes.
 */

/** gRPC path of the Proxy RPC; served by hand on raw HTTP/2 streams (see docs/tunnel.md). */
export const proxyRpcPath = '/kgate.tunnel.v1.AgentService/Proxy';

/** Metadata key carrying the session id on Control and Proxy calls. */
export const sessionHeader = 'kgate-session';

/** Content type of gRPC calls with protobuf messages. */
export const grpcContentType = 'application/grpc+proto';

/** The group every user central lets through is impersonated with. */
export const authenticatedGroup = 'kgate:authenticated';

/** Prefix of the group that stands for one central role: `kgate:role:<role>`. */
export const roleGroupPrefix = 'kgate:role:';

/** Groups central asserts for a user with these roles. */
export function groupsForRoles(roles: readonly string[]): string[] {
  return [authenticatedGroup, ...roles.map((role) => `${roleGroupPrefix}${role}`)];
}

/** The `aud` of assertions meant for the agent of `cluster`. */
export function assertionAudience(cluster: string): string {
  return `kgate-agent:${cluster}`;
}

/** Longest lifetime of an identity assertion, in seconds. */
export const maxAssertionLifetimeSeconds = 60;

/**
 * HTTP/2 settings of both ends. A per-stream window of 256 KiB lets one stream move
 * bulk data without waiting on WINDOW_UPDATE round trips, while bounding what a stalled
 * stream (a paused watch) can hold; node consumes the connection window on receipt, so
 * a stalled stream never holds the connection's window.
 */
export const http2Settings = {
  initialWindowSize: 256 * 1024,
  maxConcurrentStreams: 4096,
} as const;

/** Memory node's http2 may hold per session, in MB (node's default of 10 is too low for many streams). */
export const http2MaxSessionMemoryMb = 256;

/** Largest frame either end accepts. Data chunks are far smaller; this bounds a bad peer. */
export const maxFrameBytes = 16 * 1024 * 1024;

/**
 * Organization (O) of every agent client certificate central issues; the subject's CN is
 * the cluster name and a second O, {@link clusterOrganization}, its id.
 */
export const agentCertificateOrganization = 'kgate:agents';

/** The O naming the cluster id in an agent client certificate: `kgate:cluster:<id>`. */
export function clusterOrganization(clusterId: string): string {
  return `kgate:cluster:${clusterId}`;
}

/** Prefix of {@link clusterOrganization}. */
export const clusterOrganizationPrefix = 'kgate:cluster:';
