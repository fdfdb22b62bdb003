/**
 * The apiserver as seen from a pod: `KUBERNETES_SERVICE_HOST`/`_PORT`, the
 * ServiceAccount token (re-read when it rotates) and the cluster CA, like client-go's
 * `rest.InClusterConfig`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KgateError } from '@kgate/core/errors';
import { type ApiServerTarget, TokenFile } from './target.ts';

/** Where the ServiceAccount files are mounted. */
export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Options of {@link inClusterTarget}; the defaults are the real pod's. */
export interface InClusterOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Folder with `token` and `ca.crt`. Default {@link serviceAccountDir}. */
  serviceAccountDir?: string;
  /** How often the token file is checked for rotation. Default 10 s. */
  tokenCheckEveryMs?: number;
}

/**
 * The in-cluster apiserver. Throws `CONFIG_INVALID` outside a pod.
 *
 * @example
 * ```ts
 * const target = inClusterTarget();
 * ```
 */
export function inClusterTarget(options: InClusterOptions = {}): ApiServerTarget {
  const env = options.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || host === '' || port === undefined || port === '')
    throw new KgateError(
      'CONFIG_INVALID',
      'not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set',
      {
        hint: 'run the agent in a pod, or pass --kubeconfig FILE [--context NAME]',
      },
    );
  const dir = options.serviceAccountDir ?? serviceAccountDir;
  const token = new TokenFile(path.join(dir, 'token'), { checkEveryMs: options.tokenCheckEveryMs ?? 10_000 });
  let ca: string;
  try {
    ca = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  } catch (error) {
    throw new KgateError('CONFIG_INVALID', `cannot read the cluster CA ${path.join(dir, 'ca.crt')}`, {
      hint: 'mount the ServiceAccount (automountServiceAccountToken: true)',
      cause: error,
    });
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: new URL(`https://${hostPart}:${port}`),
    tls: { ca, rejectUnauthorized: true },
    authorization: () => `Bearer ${token.current()}`,
    source: 'in-cluster ServiceAccount',
  };
}
