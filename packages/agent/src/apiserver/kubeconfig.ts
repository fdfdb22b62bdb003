/**
 * The apiserver named by a kubeconfig context, for an agent running outside the
 * cluster: bearer token (inline or file), client certificate (data or file), CA (data
 * or file). Exec plugins and auth providers are refused: the agent runs unattended.
 */
import { readFileSync } from 'node:fs';
import { KgateError } from '@kgate/core/errors';
import { currentContext, loadKubeconfig } from '@kgate/core/kubeconfig';
import { type ApiServerTarget, type ApiServerTls, TokenFile } from './target.ts';

/** Options of {@link kubeconfigTarget}. */
export interface KubeconfigTargetOptions {
  /** The kubeconfig file (`--kubeconfig`). */
  kubeconfig: string;
  /** The context; default the file's current context. */
  context?: string;
  cwd?: string;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new KgateError('CONFIG_INVALID', `cannot read the ${what} ${file}`, {
      hint: 'fix the path in the kubeconfig, or embed the data (…-data fields)',
      cause: error,
    });
  }
}

function fromData(data: string, what: string, context: string): string {
  const text = Buffer.from(data, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN'))
    throw new KgateError(
      'CONFIG_INVALID',
      `the ${what} of context "${context}" is not base64 of a PEM block`,
      {
        hint: 'encode the PEM file with base64 -w0',
      },
    );
  return text;
}

/**
 * The apiserver of a kubeconfig context.
 *
 * @example
 * ```ts
 * const target = await kubeconfigTarget({ kubeconfig: '/etc/kgate/kubeconfig', context: 'prod' });
 * ```
 */
export async function kubeconfigTarget(options: KubeconfigTargetOptions): Promise<ApiServerTarget> {
  const loadOptions = options.cwd === undefined ? {} : { cwd: options.cwd };
  const loaded = await loadKubeconfig({ ...loadOptions, explicitPath: options.kubeconfig });
  const resolved = currentContext(loaded.config, options.context);
  const name = resolved.name;
  const cluster = resolved.cluster.cluster;
  const server = cluster.server;
  if (server === undefined || server === '')
    throw new KgateError(
      'CONFIG_INVALID',
      `cluster "${resolved.cluster.name}" of context "${name}" has no server`,
      {
        hint: 'set clusters[].cluster.server to https://host:port',
      },
    );
  let url: URL;
  try {
    url = new URL(server);
  } catch (error) {
    throw new KgateError('CONFIG_INVALID', `server "${server}" of context "${name}" is not a URL`, {
      hint: 'use https://host:port',
      cause: error,
    });
  }
  if (url.protocol !== 'https:')
    throw new KgateError('CONFIG_INVALID', `server "${server}" of context "${name}" is not https`, {
      hint: 'the agent sends credentials and only does so over TLS',
    });

  const tls: ApiServerTls = { rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true };
  if (cluster['certificate-authority-data'] !== undefined)
    tls.ca = fromData(cluster['certificate-authority-data'], 'certificate-authority-data', name);
  else if (cluster['certificate-authority'] !== undefined)
    tls.ca = readPem(cluster['certificate-authority'], 'certificate authority');
  if (cluster['tls-server-name'] !== undefined) tls.servername = cluster['tls-server-name'];

  const user = resolved.user?.user ?? {};
  if (user.exec !== undefined || user['auth-provider'] !== undefined)
    throw new KgateError('CONFIG_INVALID', `user of context "${name}" uses an exec plugin or auth provider`, {
      hint: 'give the agent a ServiceAccount token or a client certificate: it runs unattended',
    });
  if (user['client-certificate-data'] !== undefined)
    tls.cert = fromData(user['client-certificate-data'], 'client-certificate-data', name);
  else if (user['client-certificate'] !== undefined)
    tls.cert = readPem(user['client-certificate'], 'client certificate');
  if (user['client-key-data'] !== undefined)
    tls.key = fromData(user['client-key-data'], 'client-key-data', name);
  else if (user['client-key'] !== undefined) tls.key = readPem(user['client-key'], 'client key');
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw new KgateError(
      'CONFIG_INVALID',
      `user of context "${name}" has a client certificate without its key`,
      {
        hint: 'set both client-certificate(-data) and client-key(-data)',
      },
    );

  let authorization: () => string | undefined = () => undefined;
  if (user.token !== undefined && user.token !== '') {
    const value = `Bearer ${user.token}`;
    authorization = () => value;
  } else if (user.tokenFile !== undefined && user.tokenFile !== '') {
    const file = new TokenFile(user.tokenFile);
    authorization = () => `Bearer ${file.current()}`;
  } else if (tls.cert === undefined)
    throw new KgateError(
      'CONFIG_INVALID',
      `user of context "${name}" has no token and no client certificate`,
      {
        hint: 'the agent needs its own credential with the right to impersonate users and groups',
      },
    );

  return { url, tls, authorization, source: `kubeconfig ${options.kubeconfig} context ${name}` };
}
