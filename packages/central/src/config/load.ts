import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KgateError } from '@kgate/core/errors';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import {
  type ConfigFlags,
  type ConfigLayer,
  ENV_KEYS,
  FLAG_KEYS,
  getPath,
  mergeLayers,
  originOf,
  type RawConfig,
  SECRET_KEYS,
  setPath,
} from './layers.ts';
import { type CentralConfig, type CentralConfigInput, centralConfigSchema } from './schema.ts';

/** Inputs of {@link resolveCentralConfig}: everything it reads, passed in. */
export interface ResolveConfigInput {
  /** The config file's path (as the user wrote it, for messages) and text. */
  file?: { path: string; text: string };
  env: Readonly<Record<string, string | undefined>>;
  flags: ConfigFlags;
  /** The home directory `~` and the default data dir expand to. */
  home: string;
  /** Relative paths from env and flags resolve against this. Default: process.cwd(). */
  cwd?: string;
}

function configError(message: string, hint: string): KgateError {
  return new KgateError('CONFIG_INVALID', message, { hint });
}

function parseFile(file: { path: string; text: string }): RawConfig {
  const doc = parseDocument(file.text, { prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    // prettyErrors would quote the offending line, which may hold a secret: count lines instead.
    const line = file.text.slice(0, first.pos[0]).split('\n').length;
    throw configError(
      `${file.path}: line ${line}: not valid YAML: ${first.message}`,
      'fix the YAML syntax (indentation, quotes, colons)',
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw configError(
      `${file.path}: expected a mapping of settings at the top level`,
      'see central.yaml.example',
    );
  }
  return value as RawConfig;
}

function describe(key: string, value: unknown): string {
  if (SECRET_KEYS.has(key) || value === undefined) return key;
  const shown = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return `${key} ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}`;
}

function toError(
  issues: readonly z.core.$ZodIssue[],
  raw: RawConfig,
  origin: Map<string, ConfigLayer>,
): KgateError {
  const messages: string[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const unknownKey of issue.keys) {
        const key = [...base, unknownKey].join('.');
        const layer = originOf(origin, key);
        messages.push(`${layer ? `${layer.label(key)}: ` : ''}${key}: unknown setting`);
      }
      continue;
    }
    const key = base.join('.') || '(top level)';
    const layer = originOf(origin, key);
    messages.push(
      `${layer ? `${layer.label(key)}: ` : ''}${describe(key, getPath(raw, base))}: ${issue.message}`,
    );
  }
  return configError(messages.join('; '), 'fix the value, or remove it to use the default');
}

function expandHome(value: string, home: string): string {
  return value === '~' ? home : value.startsWith('~/') ? path.join(home, value.slice(2)) : value;
}

function finalize(
  input: CentralConfigInput,
  origin: Map<string, ConfigLayer>,
  home: string,
  cwd: string,
): CentralConfig {
  const resolve = (key: string, value: string) =>
    path.resolve(originOf(origin, key)?.baseDir ?? cwd, expandHome(value, home));
  const dataDir = input.data_dir ? resolve('data_dir', input.data_dir) : path.join(home, '.kgate', 'central');
  let database: CentralConfig['database'];
  if (input.database.driver === 'postgres') {
    if (!input.database.url) {
      throw configError(
        'database.url is required when database.driver is postgres',
        'set database.url or KGATE_DATABASE_URL',
      );
    }
    database = { driver: 'postgres', url: input.database.url };
  } else {
    const dbPath = input.database.path ? expandHome(input.database.path, home) : 'central.db';
    database = { driver: 'sqlite', path: path.resolve(dataDir, dbPath) };
  }
  const { cert_file: certFile, key_file: keyFile } = input.tls;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw configError(
      `tls.${certFile === undefined ? 'cert_file' : 'key_file'} is missing: tls.cert_file and tls.key_file go together`,
      'set both, or neither to let central issue its own serving certificate',
    );
  }
  return {
    server: {
      listen: input.server.listen,
      agentListen: input.server.agent_listen,
      publicUrl: input.server.public_url,
      agentPublicUrl: input.server.agent_public_url,
      heartbeatIntervalMs: input.server.heartbeat_interval,
    },
    database,
    auth: {
      accessTokenTtlMs: input.auth.access_token_ttl,
      refreshTokenTtlMs: input.auth.refresh_token_ttl,
      joinTokenTtlMs: input.auth.join_token_ttl,
      agentCertificateTtlMs: input.auth.agent_certificate_ttl,
      passwordLogin: input.auth.password_login,
      bootstrapAdmin: { username: input.auth.bootstrap_admin.username },
      oidc: input.auth.oidc && {
        issuerUrl: input.auth.oidc.issuer_url,
        clientId: input.auth.oidc.client_id,
        clientSecret: input.auth.oidc.client_secret,
        certificateAuthority:
          input.auth.oidc.certificate_authority === undefined
            ? undefined
            : resolve('auth.oidc.certificate_authority', input.auth.oidc.certificate_authority),
        usernameClaim: input.auth.oidc.username_claim,
        groupsClaim: input.auth.oidc.groups_claim,
        extraScopes: input.auth.oidc.extra_scopes,
        roleMapping: input.auth.oidc.role_mapping,
        defaultRoles: input.auth.oidc.default_roles,
      },
    },
    exec: {
      // A bare name is looked up on PATH when kubectl runs; a path resolves like the others.
      kubectlPath: /[\\/]/.test(input.exec.kubectl_path)
        ? resolve('exec.kubectl_path', input.exec.kubectl_path)
        : input.exec.kubectl_path,
      timeoutMs: input.exec.timeout,
      maxOutputBytes: input.exec.max_output,
    },
    tls:
      certFile !== undefined && keyFile !== undefined
        ? { certFile: resolve('tls.cert_file', certFile), keyFile: resolve('tls.key_file', keyFile) }
        : undefined,
    dataDir,
    logLevel: input.log_level,
  };
}

/**
 * Resolves central's configuration from a file's text, the environment and flags, with
 * precedence flags > `KGATE_*` environment > file > defaults. Pure: reads nothing.
 *
 * @throws KgateError `CONFIG_INVALID` naming the source, key and value (never a secret's value).
 */
export function resolveCentralConfig(input: ResolveConfigInput): CentralConfig {
  const cwd = input.cwd ?? process.cwd();
  const layers: ConfigLayer[] = [];
  if (input.file) {
    const file = input.file;
    layers.push({
      label: () => file.path,
      baseDir: path.dirname(path.resolve(cwd, file.path)),
      values: parseFile(file),
    });
  }
  const envValues: RawConfig = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = input.env[name];
    if (value !== undefined && value !== '') setPath(envValues, key, value);
  }
  const envNameOf = new Map(Object.entries(ENV_KEYS).map(([name, key]) => [key, name]));
  layers.push({ label: (key) => envNameOf.get(key) ?? 'environment', baseDir: cwd, values: envValues });
  const flagValues: RawConfig = {};
  const flagOf = new Map<string, string>();
  for (const [name, { flag, key }] of Object.entries(FLAG_KEYS)) {
    const value = input.flags[name as keyof typeof FLAG_KEYS];
    if (value !== undefined) {
      setPath(flagValues, key, value);
      flagOf.set(key, flag);
    }
  }
  layers.push({ label: (key) => flagOf.get(key) ?? 'flags', baseDir: cwd, values: flagValues });

  const { raw, origin } = mergeLayers(layers);
  const parsed = centralConfigSchema.safeParse(raw);
  if (!parsed.success) throw toError(parsed.error.issues, raw, origin);
  return finalize(parsed.data, origin, input.home, cwd);
}

/** Inputs of {@link loadCentralConfig}. */
export interface LoadConfigInput {
  flags: ConfigFlags;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  cwd?: string;
}

/**
 * Reads the config file named by `--config` (or `KGATE_CONFIG`), if any, and resolves
 * the configuration with {@link resolveCentralConfig}.
 */
export async function loadCentralConfig(input: LoadConfigInput): Promise<CentralConfig> {
  const cwd = input.cwd ?? process.cwd();
  const filePath = input.flags.config ?? input.env.KGATE_CONFIG;
  let file: { path: string; text: string } | undefined;
  if (filePath !== undefined && filePath !== '') {
    try {
      file = { path: filePath, text: await readFile(path.resolve(cwd, filePath), 'utf8') };
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new KgateError(
        'CONFIG_INVALID',
        `${filePath}: ${code === 'ENOENT' ? 'no such config file' : `cannot read the config file (${code ?? 'error'})`}`,
        { hint: 'check the path given to --config or KGATE_CONFIG', cause },
      );
    }
  }
  return resolveCentralConfig({ file, env: input.env, flags: input.flags, home: input.home, cwd });
}
