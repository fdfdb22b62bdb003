/**
 * Where each config key can come from. Precedence: flags > KGATE_* environment > file.
 * Every key of the file has one environment variable, named after its path
 * (`server.listen` → `KGATE_SERVER_LISTEN`), so the list below is the documentation.
 */
export const ENV_KEYS: Readonly<Record<string, string>> = {
  KGATE_SERVER_LISTEN: 'server.listen',
  KGATE_SERVER_AGENT_LISTEN: 'server.agent_listen',
  KGATE_SERVER_PUBLIC_URL: 'server.public_url',
  KGATE_SERVER_AGENT_PUBLIC_URL: 'server.agent_public_url',
  KGATE_SERVER_HEARTBEAT_INTERVAL: 'server.heartbeat_interval',
  KGATE_DATABASE_DRIVER: 'database.driver',
  KGATE_DATABASE_PATH: 'database.path',
  KGATE_DATABASE_URL: 'database.url',
  KGATE_AUTH_ACCESS_TOKEN_TTL: 'auth.access_token_ttl',
  KGATE_AUTH_REFRESH_TOKEN_TTL: 'auth.refresh_token_ttl',
  KGATE_AUTH_JOIN_TOKEN_TTL: 'auth.join_token_ttl',
  KGATE_AUTH_AGENT_CERTIFICATE_TTL: 'auth.agent_certificate_ttl',
  KGATE_AUTH_PASSWORD_LOGIN: 'auth.password_login',
  KGATE_AUTH_BOOTSTRAP_ADMIN_USERNAME: 'auth.bootstrap_admin.username',
  KGATE_AUTH_OIDC_ISSUER_URL: 'auth.oidc.issuer_url',
  KGATE_AUTH_OIDC_CLIENT_ID: 'auth.oidc.client_id',
  KGATE_AUTH_OIDC_CLIENT_SECRET: 'auth.oidc.client_secret',
  KGATE_AUTH_OIDC_CERTIFICATE_AUTHORITY: 'auth.oidc.certificate_authority',
  KGATE_AUTH_OIDC_USERNAME_CLAIM: 'auth.oidc.username_claim',
  KGATE_AUTH_OIDC_GROUPS_CLAIM: 'auth.oidc.groups_claim',
  KGATE_AUTH_OIDC_EXTRA_SCOPES: 'auth.oidc.extra_scopes',
  KGATE_AUTH_OIDC_ROLE_MAPPING: 'auth.oidc.role_mapping',
  KGATE_AUTH_OIDC_DEFAULT_ROLES: 'auth.oidc.default_roles',
  KGATE_TLS_CERT_FILE: 'tls.cert_file',
  KGATE_TLS_KEY_FILE: 'tls.key_file',
  KGATE_EXEC_KUBECTL_PATH: 'exec.kubectl_path',
  KGATE_EXEC_TIMEOUT: 'exec.timeout',
  KGATE_EXEC_MAX_OUTPUT: 'exec.max_output',
  KGATE_DATA_DIR: 'data_dir',
  KGATE_LOG_LEVEL: 'log_level',
};

/** Command-line flags of kgate-central (parsed by the bin), and the key each sets. */
export interface ConfigFlags {
  config?: string;
  dataDir?: string;
  listen?: string;
  agentListen?: string;
  logLevel?: string;
}

export const FLAG_KEYS: Readonly<
  Record<Exclude<keyof ConfigFlags, 'config'>, { flag: string; key: string }>
> = {
  dataDir: { flag: '--data-dir', key: 'data_dir' },
  listen: { flag: '--listen', key: 'server.listen' },
  agentListen: { flag: '--agent-listen', key: 'server.agent_listen' },
  logLevel: { flag: '--log-level', key: 'log_level' },
};

/** Keys whose values may hold credentials: errors name the key, never the value. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['database.url', 'auth.oidc.client_secret']);

/**
 * Mappings whose keys are data (IdP group names, which may contain dots), not settings:
 * each is one value, taken whole from the last layer that sets it.
 */
const OPAQUE_KEYS: ReadonlySet<string> = new Set(['auth.oidc.role_mapping']);

/** A plain nested object of raw config values. */
export type RawConfig = { [key: string]: unknown };

/** One layer of raw values and the label that names it in error messages. */
export interface ConfigLayer {
  /** `central.yaml`, `KGATE_SERVER_LISTEN` (per key), `--listen` (per key). */
  label: (key: string) => string;
  /** Directory relative paths in this layer resolve against. */
  baseDir: string;
  values: RawConfig;
}

function isPlainObject(value: unknown): value is RawConfig {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets `a.b.c` in a nested object, creating the objects on the way. */
export function setPath(target: RawConfig, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!isPlainObject(next)) node[part] = {};
    node = node[part] as RawConfig;
  }
  node[parts[parts.length - 1] ?? key] = value;
}

/** The value at a path, or undefined. */
export function getPath(source: unknown, path: readonly (string | number | symbol)[]): unknown {
  let node = source;
  for (const part of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[String(part)];
  }
  return node;
}

/**
 * Merges layers, later over earlier, and remembers which layer gave each leaf, so an
 * error can point at the file, the variable or the flag that holds the bad value.
 */
export function mergeLayers(layers: readonly ConfigLayer[]): {
  raw: RawConfig;
  origin: Map<string, ConfigLayer>;
} {
  const raw: RawConfig = {};
  const origin = new Map<string, ConfigLayer>();
  const walk = (layer: ConfigLayer, value: unknown, prefix: string) => {
    if (isPlainObject(value) && prefix !== '' && Object.keys(value).length === 0) return;
    if (isPlainObject(value) && !OPAQUE_KEYS.has(prefix)) {
      for (const [k, v] of Object.entries(value)) walk(layer, v, prefix ? `${prefix}.${k}` : k);
      return;
    }
    // A scalar replacing a section (or the reverse) is taken as is; validation reports it.
    setPath(raw, prefix, value);
    origin.set(prefix, layer);
  };
  for (const layer of layers) walk(layer, layer.values, '');
  return { raw, origin };
}

/** The layer a key (or its closest configured parent or child) came from. */
export function originOf(origin: Map<string, ConfigLayer>, key: string): ConfigLayer | undefined {
  const exact = origin.get(key);
  if (exact) return exact;
  for (const [k, layer] of origin) if (k.startsWith(`${key}.`) || key.startsWith(`${k}.`)) return layer;
  return undefined;
}
