/**
 * The kubeconfig a benchmark's kgate-agent reaches the fixture cluster with (the
 * ServiceAccount token `bench/gateway-node.ts cluster` prints), written 0600.
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export async function writeAgentKubeconfig(
  file: string,
  cluster: { url: string; caPem: string; saToken: string },
): Promise<void> {
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'c', cluster: { server: cluster.url, 'certificate-authority-data': btoa(cluster.caPem) } },
      ],
      users: [{ name: 'agent', user: { token: cluster.saToken } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'agent' } }],
      'current-context': 'c',
    }),
    { mode: 0o600 },
  );
}
