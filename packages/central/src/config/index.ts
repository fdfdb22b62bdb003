export { formatDuration, parseDuration } from './durations.ts';
export { formatHostPort, type HostPort, parseHostPort } from './host-port.ts';
export { type ConfigFlags, ENV_KEYS } from './layers.ts';
export {
  type LoadConfigInput,
  loadCentralConfig,
  type ResolveConfigInput,
  resolveCentralConfig,
} from './load.ts';
export { type CentralConfig, LOG_LEVELS, type LogLevel, type OidcConfig } from './schema.ts';
