/**
 * `KUBERNETES_EXEC_INFO`: the client writes it ({@link encodeExecInfo}), the plugin reads it
 * ({@link readExecInfo}) to learn which apiVersion to answer with and whether it may prompt.
 */
import { KgateError } from '../errors.ts';
import {
  EXEC_INFO_ENV,
  type ExecCluster,
  type ExecCredentialApiVersion,
  type ExecCredentialSpec,
  execCredentialApiVersions,
} from './types.ts';

/** What a plugin learns from `KUBERNETES_EXEC_INFO`. */
export interface ExecInfo {
  /** The apiVersion the plugin must print. */
  apiVersion: ExecCredentialApiVersion;
  /** Whether stdin is the user's terminal, so the plugin may prompt. */
  interactive: boolean;
  /** Present only when the kubeconfig sets `provideClusterInfo: true`. */
  cluster?: ExecCluster;
}

/** Sorts object keys at every depth: client-go's YAML-to-JSON step leaves them sorted. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/** Go's encoder escapes these even inside strings; doing the same keeps the bytes identical. */
function escapeLikeGo(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The value of `KUBERNETES_EXEC_INFO`, byte for byte as client-go writes it: `kind`,
 * `apiVersion`, then `spec` with `cluster` (if any) before `interactive`, a `config` of
 * `null` when the cluster has no exec extension, and a trailing newline.
 *
 * @example
 * ```ts
 * env.KUBERNETES_EXEC_INFO = encodeExecInfo('client.authentication.k8s.io/v1', { interactive: false });
 * ```
 */
export function encodeExecInfo(apiVersion: ExecCredentialApiVersion, spec: ExecCredentialSpec): string {
  const outSpec: Record<string, unknown> = {};
  const c = spec.cluster;
  if (c !== undefined) {
    // Field order and omissions follow the Go struct (`server` and `config` are never omitted).
    const cluster: Record<string, unknown> = { server: c.server };
    if (c['tls-server-name']) cluster['tls-server-name'] = c['tls-server-name'];
    if (c['insecure-skip-tls-verify']) cluster['insecure-skip-tls-verify'] = true;
    if (c['certificate-authority-data'])
      cluster['certificate-authority-data'] = c['certificate-authority-data'];
    if (c['proxy-url']) cluster['proxy-url'] = c['proxy-url'];
    if (c['disable-compression']) cluster['disable-compression'] = true;
    cluster.config = c.config === undefined ? null : sortKeys(c.config);
    outSpec.cluster = cluster;
  }
  outSpec.interactive = spec.interactive;
  return `${escapeLikeGo(JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: outSpec }))}\n`;
}

function bad(message: string): KgateError {
  return new KgateError('EXEC_INFO_INVALID', message, {
    hint: 'run this credential plugin through kubectl or kgate (users[].user.exec in a kubeconfig), not by hand',
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readCluster(value: unknown): ExecCluster {
  if (!isRecord(value) || typeof value.server !== 'string') {
    throw bad(`${EXEC_INFO_ENV} spec.cluster has no server`);
  }
  const cluster: ExecCluster = { server: value.server };
  const strings = ['tls-server-name', 'certificate-authority-data', 'proxy-url'] as const;
  for (const key of strings) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw bad(`${EXEC_INFO_ENV} spec.cluster.${key} is not a string`);
    cluster[key] = v;
  }
  const flags = ['insecure-skip-tls-verify', 'disable-compression'] as const;
  for (const key of flags) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') throw bad(`${EXEC_INFO_ENV} spec.cluster.${key} is not a boolean`);
    cluster[key] = v;
  }
  if (value.config !== undefined && value.config !== null) cluster.config = value.config;
  return cluster;
}

/**
 * Reads `KUBERNETES_EXEC_INFO` from `env` (a plugin passes `process.env`).
 *
 * @throws {KgateError} `EXEC_INFO_INVALID` when it is unset, not JSON, not an ExecCredential,
 *   or of an apiVersion kgate does not speak
 * @example
 * ```ts
 * const info = readExecInfo(process.env);
 * process.stdout.write(formatExecCredential(info.apiVersion, { token }));
 * ```
 */
export function readExecInfo(env: Readonly<Record<string, string | undefined>>): ExecInfo {
  const raw = env[EXEC_INFO_ENV];
  if (raw === undefined || raw === '') throw bad(`${EXEC_INFO_ENV} is not set`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw bad(`${EXEC_INFO_ENV} is not JSON`);
  }
  if (!isRecord(parsed) || parsed.kind !== 'ExecCredential') {
    throw bad(`${EXEC_INFO_ENV} is not an ExecCredential`);
  }
  const apiVersion = parsed.apiVersion;
  if (!(execCredentialApiVersions as readonly unknown[]).includes(apiVersion)) {
    throw bad(
      `${EXEC_INFO_ENV} asks for apiVersion ${JSON.stringify(apiVersion)}, which this plugin does not speak (it speaks ${execCredentialApiVersions.join(', ')})`,
    );
  }
  const spec = parsed.spec ?? {};
  if (!isRecord(spec)) throw bad(`${EXEC_INFO_ENV} spec is not an object`);
  if (spec.interactive !== undefined && typeof spec.interactive !== 'boolean') {
    throw bad(`${EXEC_INFO_ENV} spec.interactive is not a boolean`);
  }
  const info: ExecInfo = {
    apiVersion: apiVersion as ExecCredentialApiVersion,
    interactive: spec.interactive === true,
  };
  if (spec.cluster !== undefined && spec.cluster !== null) info.cluster = readCluster(spec.cluster);
  return info;
}
