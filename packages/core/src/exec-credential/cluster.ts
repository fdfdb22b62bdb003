/**
 * Builds the `spec.cluster` a plugin receives from a kubeconfig cluster entry, as client-go's
 * `rest.ConfigToExecCluster` does: the CA file is read into `certificate-authority-data`,
 * and `config` is the cluster's `client.authentication.k8s.io/exec` extension.
 */
import { readFileSync } from 'node:fs';
import { KgateError } from '../errors.ts';
import { EXEC_CLUSTER_EXTENSION, type ExecCluster } from './types.ts';

/**
 * The kubeconfig `clusters[].cluster` fields that matter to an exec plugin, in the
 * kubeconfig's own JSON names; a parsed kubeconfig cluster fits this shape.
 */
export interface KubeconfigClusterFields {
  /** Sent as `""` when missing, as client-go does. */
  server?: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** Absolute path of a PEM CA bundle, used when `certificate-authority-data` is empty. */
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  extensions?: readonly { name: string; extension?: unknown }[] | null;
}

/** Options for {@link execClusterFromKubeconfig}. */
export interface ExecClusterOptions {
  /** Reads `certificate-authority`; defaults to `fs.readFileSync`. */
  readFile?: (path: string) => Uint8Array;
}

/**
 * The `spec.cluster` a client passes to an exec plugin for this kubeconfig cluster.
 *
 * @throws {KgateError} `EXEC_CONFIG_INVALID` when `certificate-authority` cannot be read
 * @example
 * ```ts
 * const cluster = execClusterFromKubeconfig({ server: 'https://10.0.0.1:6443', 'certificate-authority-data': caB64 });
 * await runExecPlugin(config, { cluster });
 * ```
 */
export function execClusterFromKubeconfig(
  cluster: KubeconfigClusterFields,
  options: ExecClusterOptions = {},
): ExecCluster {
  const out: ExecCluster = { server: cluster.server ?? '' };
  if (cluster['tls-server-name']) out['tls-server-name'] = cluster['tls-server-name'];
  if (cluster['insecure-skip-tls-verify'] === true) out['insecure-skip-tls-verify'] = true;
  const caData = cluster['certificate-authority-data'];
  const caFile = cluster['certificate-authority'];
  if (caData) {
    // Decode and re-encode: client-go holds the bytes, so wrapped or unpadded base64 in the
    // kubeconfig reaches the plugin in canonical form.
    out['certificate-authority-data'] = Buffer.from(caData, 'base64').toString('base64');
  } else if (caFile) {
    const read = options.readFile ?? readFileSync;
    let bytes: Uint8Array;
    try {
      bytes = read(caFile);
    } catch (cause) {
      throw new KgateError('EXEC_CONFIG_INVALID', `cannot read certificate-authority ${caFile}`, {
        hint: 'fix the path in clusters[].cluster.certificate-authority or use certificate-authority-data',
        cause,
      });
    }
    if (bytes.length > 0) out['certificate-authority-data'] = Buffer.from(bytes).toString('base64');
  }
  if (cluster['proxy-url']) out['proxy-url'] = cluster['proxy-url'];
  if (cluster['disable-compression'] === true) out['disable-compression'] = true;
  // client-go turns the list into a map, so a repeated name means the last one wins.
  const extension = (cluster.extensions ?? []).findLast((e) => e.name === EXEC_CLUSTER_EXTENSION);
  if (extension !== undefined && extension.extension !== undefined) out.config = extension.extension;
  return out;
}
