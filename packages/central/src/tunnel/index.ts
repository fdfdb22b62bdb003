/**
 * Central's side of the agent tunnel: the agent port (Register, RenewCertificate,
 * Control, Proxy) with agent identity by mutual TLS, the registry of connected agents,
 * and the identity-assertion signer.
 *
 * The lead wires the ports: {@link AgentAuthenticator} (join tokens, clusters),
 * {@link ClusterPresenceSink} (cluster status / last_seen), {@link AssertionSigner}
 * (use {@link createAssertionSigner}).
 */
export {
  type AssertionSignerOptions,
  assertionHeaderSegment,
  assertionType,
  createAssertionSigner,
  sessionKeyBytes,
} from './assertion.ts';
export {
  type AgentCertificateIssuer,
  agentCertificateTtlBounds,
  createAgentCertificateIssuer,
  defaultAgentCertificateTtlMs,
  type IssuedAgentCertificate,
  identifyPeer,
  type PeerIdentity,
} from './certificates.ts';
export type { ExchangeHandlers, ExchangeOpen, TunnelExchange } from './exchange.ts';
export type {
  AgentAuthenticator,
  AssertionSigner,
  ClusterMetadata,
  ClusterPresenceSink,
  ClusterRef,
  Identity,
  TunnelLogger,
} from './ports.ts';
export { silentLogger } from './ports.ts';
export type { AgentRegistry, AgentSessionInfo } from './registry.ts';
export { createTunnelServer, type TunnelServer, type TunnelServerOptions } from './server.ts';
export { NoStreamError } from './session.ts';
