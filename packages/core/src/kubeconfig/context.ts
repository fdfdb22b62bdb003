/**
 * Following a context to the cluster and user it names, and cutting a config down to
 * one context (`kubectl config view --minify`).
 */
import { KgateError } from '../errors.ts';
import type { Config, Context, NamedAuthInfo, NamedCluster } from './types.ts';

/** A context with the entries it names. */
export interface ResolvedContext {
  /** The context's name. */
  name: string;
  context: Context;
  cluster: NamedCluster;
  /** Absent when the context names no user: kubectl then connects without credentials. */
  user: NamedAuthInfo | undefined;
}

function listed(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `"${n}"`).join(', ');
}

/**
 * The context named `name` (default: `current-context`) with its cluster and user.
 * Throws `KUBECONFIG_CONTEXT_NOT_FOUND` naming whatever is missing.
 *
 * @example
 * ```ts
 * const { cluster, user } = currentContext(loaded.config);
 * cluster.cluster.server;
 * ```
 */
export function currentContext(config: Config, name?: string): ResolvedContext {
  const contexts = config.contexts ?? [];
  const wanted = name ?? config['current-context'] ?? '';
  if (wanted === '')
    throw new KgateError('KUBECONFIG_CONTEXT_NOT_FOUND', 'no current context is set in the kubeconfig', {
      hint: `name a context, or set one with kubectl config use-context NAME; contexts: ${listed(contexts.map((c) => c.name))}`,
    });
  const index = contexts.findIndex((c) => c.name === wanted);
  const entry = contexts[index];
  if (entry === undefined)
    throw new KgateError('KUBECONFIG_CONTEXT_NOT_FOUND', `context "${wanted}" not found in the kubeconfig`, {
      hint: `choose one of: ${listed(contexts.map((c) => c.name))}`,
    });

  const missing: string[] = [];
  const { cluster: clusterName, user: userName } = entry.context;
  const cluster = (config.clusters ?? []).find((c) => c.name === clusterName);
  if (clusterName === '') missing.push(`contexts[${index}].context.cluster is not set`);
  else if (cluster === undefined)
    missing.push(`contexts[${index}].context.cluster "${clusterName}" not found`);
  const user = userName === '' ? undefined : (config.users ?? []).find((u) => u.name === userName);
  if (userName !== '' && user === undefined)
    missing.push(`contexts[${index}].context.user "${userName}" not found`);
  if (cluster === undefined || missing.length > 0)
    throw new KgateError('KUBECONFIG_CONTEXT_NOT_FOUND', `context "${wanted}": ${missing.join('; ')}`, {
      hint: `add the missing entries, or point context "${wanted}" at existing ones (kubectl config set-context)`,
    });
  return { name: wanted, context: entry.context, cluster, user };
}

/**
 * A config holding only one context (default: the current one), its cluster and its
 * user, with `current-context` set to it. Preferences, extensions and unknown
 * top-level fields are kept, as kubectl's minify keeps them.
 *
 * @example
 * ```ts
 * const single = minify(loaded.config, 'prod');
 * await writeKubeconfigFile(file, single);
 * ```
 */
export function minify(config: Config, contextName?: string): Config {
  const resolved = currentContext(config, contextName);
  return {
    ...config,
    clusters: [resolved.cluster],
    contexts: (config.contexts ?? []).filter((c) => c.name === resolved.name),
    'current-context': resolved.name,
    users: resolved.user === undefined ? [] : [resolved.user],
  };
}
