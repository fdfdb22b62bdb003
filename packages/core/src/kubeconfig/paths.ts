/**
 * Relative file paths inside a kubeconfig mean "relative to this file", not to the
 * current directory (client-go `ResolveLocalPaths`). The fields are
 * `certificate-authority` of a cluster; `client-certificate`, `client-key`,
 * `tokenFile` of a user; and an exec plugin's `command` when it contains a path
 * separator (a bare name is looked up on PATH instead).
 */
import path from 'node:path';
import type { AuthInfo, Cluster, Config } from './types.ts';

function resolveIn(base: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '' || path.isAbsolute(value)) return value;
  return path.join(base, value);
}

/**
 * A copy of `cluster` with its file paths made absolute against `baseDir`.
 *
 * @example
 * ```ts
 * resolveClusterPaths({ 'certificate-authority': 'ca.crt' }, '/home/me/.kube');
 * // { 'certificate-authority': '/home/me/.kube/ca.crt' }
 * ```
 */
export function resolveClusterPaths(cluster: Cluster, baseDir: string): Cluster {
  const ca = resolveIn(baseDir, cluster['certificate-authority']);
  return ca === cluster['certificate-authority'] ? cluster : { ...cluster, 'certificate-authority': ca };
}

/**
 * A copy of `user` with its file paths (and a path-like exec `command`) made absolute
 * against `baseDir`.
 *
 * @example
 * ```ts
 * resolveUserPaths({ exec: { command: './bin/login' } }, '/home/me/.kube').exec?.command;
 * // '/home/me/.kube/bin/login'
 * ```
 */
export function resolveUserPaths(user: AuthInfo, baseDir: string): AuthInfo {
  const out: AuthInfo = { ...user };
  for (const key of ['client-certificate', 'client-key', 'tokenFile'] as const) {
    const resolved = resolveIn(baseDir, user[key]);
    if (resolved !== user[key]) out[key] = resolved;
  }
  const exec = user.exec;
  if (exec?.command?.includes(path.sep)) out.exec = { ...exec, command: resolveIn(baseDir, exec.command) };
  return out;
}

/**
 * A copy of `config` whose clusters and users have their relative file paths resolved
 * against the directory of `file`, the file they were read from.
 *
 * @example
 * ```ts
 * const usable = resolveConfigPaths(parseKubeconfig(text, file), file);
 * ```
 */
export function resolveConfigPaths(config: Config, file: string): Config {
  const base = path.dirname(path.resolve(file));
  const out: Config = { ...config };
  if (config.clusters)
    out.clusters = config.clusters.map((entry) => ({
      ...entry,
      cluster: resolveClusterPaths(entry.cluster, base),
    }));
  if (config.users)
    out.users = config.users.map((entry) => ({ ...entry, user: resolveUserPaths(entry.user, base) }));
  return out;
}
