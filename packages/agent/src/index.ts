/**
 * `@kgate/agent`: kgate-agent, which dials kgate-central, registers its cluster and
 * forwards tunnelled requests to the apiserver as the user central vouched for.
 * The CLI is `bin/kgate-agent.ts`; `./manifest` renders the install manifest.
 */
export { agentVersion, type RunningAgent, type StartAgentOptions, startAgent } from './agent.ts';
export { type InClusterOptions, inClusterTarget, serviceAccountDir } from './apiserver/in-cluster.ts';
export { type KubeconfigTargetOptions, kubeconfigTarget } from './apiserver/kubeconfig.ts';
export { type ClusterFacts, readClusterFacts } from './apiserver/metadata.ts';
export type { ApiServerTarget, ApiServerTls } from './apiserver/target.ts';
export { type AgentConfig, agentUsage, type ParsedCommand, resolveAgentConfig } from './config.ts';
export { createLogger, type Logger, type LogLevel, silentLogger } from './log.ts';
export { type AgentIo, main } from './main.ts';
export { type AgentManifestOptions, agentName, agentObjects, renderAgentManifest } from './manifest.ts';
export { type AssertedIdentity, AssertionError, AssertionVerifier } from './tunnel/assertion.ts';
export { type BackoffOptions, backoffDelay } from './tunnel/backoff.ts';
export {
  type CertificateStatus,
  TunnelClient,
  type TunnelClientOptions,
  type TunnelState,
} from './tunnel/client.ts';
export {
  type AgentCredentials,
  type CredentialStore,
  credentialsFileName,
  fileCredentialStore,
} from './tunnel/credentials.ts';
