/**
 * `@kgate/central`: the gateway service. Start it with {@link startCentral} (or the
 * `kgate-central` bin); the Kubernetes proxy and the agent tunnel plug in through the
 * `proxy` and `agentListener` options and use {@link CentralServices}.
 */
export { bearerToken } from './api/authenticate.ts';
export { type ErrorBody, errorBody, HTTP_STATUS_BY_CODE, httpStatusOf } from './api/errors.ts';
export { ADMIN_ROLE, type Identity, isAdmin } from './auth/identity.ts';
export { JOIN_TOKEN_PREFIX } from './auth/join-tokens.ts';
export { SIGNING_ALGORITHM } from './auth/keys.ts';
export { REFRESH_TOKEN_PREFIX } from './auth/refresh.ts';
export type { AuthService, Session } from './auth/service.ts';
export { ACCESS_TOKEN_AUDIENCE } from './auth/tokens.ts';
export { type Clock, systemClock } from './clock.ts';
export {
  type CentralConfig,
  type ConfigFlags,
  ENV_KEYS,
  loadCentralConfig,
  resolveCentralConfig,
} from './config/index.ts';
export type {
  AgentListener,
  AgentListenerContext,
  AgentListenerFactory,
  ProxyFactory,
  ProxyHooks,
} from './hooks.ts';
export { main } from './main.ts';
export { type ClusterPresence, noClusterPresence } from './presence.ts';
export type { CentralServices } from './services.ts';
export { PROXY_PREFIX } from './startup/servers.ts';
export { type Central, type StartCentralOptions, startCentral } from './startup/start.ts';
export { type Cluster, type ClusterSighting, openStore, type Store, type User } from './store/index.ts';
