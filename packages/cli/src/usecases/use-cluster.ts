/**
 * `kgate clusters use NAME`: put a context for a gateway cluster into the kubeconfig. The
 * kubeconfig gets no token: its user is an exec entry that runs `kgate token`, so
 * credentials stay in the keyring (or kgate's 0600 file) and are refreshed as they expire.
 */
import path from 'node:path';
import {
  addToKubeconfig,
  type MergeReport,
  type NamedAuthInfo,
  type NamedCluster,
} from '@kgate/core/kubeconfig';
import type { CliContext } from '../context.ts';
import { userError } from '../errors.ts';
import { type ClusterInfo, listClustersRequest } from '../infrastructure/central/clusters.ts';
import { settingsOf } from '../infrastructure/config-file.ts';
import { writeTokenLauncher } from '../infrastructure/launcher.ts';
import { userHome } from '../infrastructure/paths.ts';
import { kgateExecUser } from './exec-user.ts';

/** The name of the kubeconfig cluster, user and context kgate writes for `cluster`. */
export function contextName(cluster: string): string {
  return `kgate-${cluster}`;
}

/** The Kubernetes API of `cluster` through central. */
export function clusterServer(server: string, cluster: string): string {
  return `${server}/k8s/${encodeURIComponent(cluster)}`;
}

/** The kubeconfig user entry: an exec plugin, no secret. */
export function execUser(name: string, launcher: string, server: string): NamedAuthInfo {
  return kgateExecUser(name, {
    command: launcher,
    args: ['token', '--server', server],
    interactiveMode: 'Never',
    writtenBy: 'kgate clusters use',
  });
}

/** What `use` did. */
export interface UseClusterResult {
  cluster: ClusterInfo;
  context: string;
  report: MergeReport;
}

/** Checks the cluster exists at central, writes the kubeconfig entries and remembers the choice. */
export async function useCluster(
  context: CliContext,
  server: string,
  name: string,
  kubeconfig: string | undefined,
): Promise<UseClusterResult> {
  const kubeconfigFile = kubeconfig === undefined ? undefined : path.resolve(kubeconfig);
  const session = await context.freshSession(server);
  const clusters = await listClustersRequest(
    context.transport,
    context.connection(session),
    session.accessToken,
  );
  const cluster = clusters.find((c) => c.name === name);
  if (cluster === undefined) {
    const names = clusters.map((c) => c.name);
    throw userError(
      'CLUSTER_NOT_FOUND',
      `no cluster named "${name}" at ${server}`,
      names.length > 0
        ? `clusters you can use: ${names.join(', ')}`
        : 'no clusters are registered yet; ask an admin to add one',
    );
  }
  const launcher = writeTokenLauncher({
    binDir: context.paths.binDir,
    kgateHome: context.paths.home,
    nodePath: context.nodePath,
    tokenBundle: context.tokenBundle,
  });
  const entryName = contextName(name);
  const kubeCluster: NamedCluster = {
    name: entryName,
    cluster: {
      server: clusterServer(server, name),
      ...(session.caPem === undefined
        ? {}
        : { 'certificate-authority-data': Buffer.from(session.caPem).toString('base64') }),
    },
  };
  const report = await addToKubeconfig(
    {
      cluster: kubeCluster,
      user: execUser(entryName, launcher, server),
      context: { name: entryName, context: { cluster: entryName, user: entryName } },
      setCurrentContext: true,
    },
    {
      // `--kubeconfig FILE` as a one-file KUBECONFIG rather than as an explicit path: the
      // same file is read and written, but a file that does not exist yet is created
      // instead of refused.
      env: kubeconfigFile === undefined ? context.io.env : { ...context.io.env, KUBECONFIG: kubeconfigFile },
      homeDir: userHome(context.io.env),
      // The kgate-<name> entries are kgate's own: a second `use` (a rotated CA, a moved
      // installation) replaces them; entries of other names are never touched.
      onConflict: 'overwrite',
    },
  );
  await context.updateConfig((config) => {
    const settings = settingsOf(config, server);
    settings.cluster = name;
    if (kubeconfigFile === undefined) delete settings.kubeconfig;
    else settings.kubeconfig = kubeconfigFile;
  });
  return { cluster, context: entryName, report };
}
