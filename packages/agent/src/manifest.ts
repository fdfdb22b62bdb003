/**
 * The ready-to-apply manifest that installs kgate-agent in a cluster (what
 * `kgate admin clusters add NAME` prints): Namespace, ServiceAccount, a ClusterRole
 * that may only impersonate users and groups (plus read nodes and /version for the
 * cluster's facts), its binding, the Secret with central's URL, the cluster name and
 * the join token, and the Deployment. The same objects as the Kustomize base in
 * deploy/agent/.
 */
import { KgateError } from '@kgate/core/errors';
import { stringify } from 'yaml';
import packageJson from '../package.json' with { type: 'json' };

/** Options of {@link renderAgentManifest}. */
export interface AgentManifestOptions {
  /** Central's agent port, `https://host:port`. */
  centralUrl: string;
  clusterName: string;
  /** The join token (goes into the Secret only). */
  token: string;
  /** PEM of the CA that signed central's agent-port certificate, when not a public CA. */
  caPem?: string;
  /** Default `kgate-system`. */
  namespace?: string;
  /** Container image. Default `node:24-alpine`. */
  image?: string;
  /** npm package spec the container runs. Default `@kgate/agent@<this version>`. */
  packageSpec?: string;
}

/** The name of every object of the agent. */
export const agentName = 'kgate-agent';

const dns1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The agent's objects, in apply order. */
export function agentObjects(options: AgentManifestOptions): Record<string, unknown>[] {
  const namespace = options.namespace ?? 'kgate-system';
  if (!dns1123.test(namespace))
    throw new KgateError('INVALID_ARGUMENT', `namespace "${namespace}" is not a DNS-1123 label`, {
      hint: 'use lower-case letters, digits and "-"',
    });
  let url: URL;
  try {
    url = new URL(options.centralUrl);
  } catch {
    throw new KgateError('INVALID_ARGUMENT', `central URL "${options.centralUrl}" is not a URL`, {
      hint: 'use https://host:port of central’s agent port',
    });
  }
  if (url.protocol !== 'https:')
    throw new KgateError('INVALID_ARGUMENT', `central URL "${options.centralUrl}" is not https`, {
      hint: 'the agent only dials central over TLS',
    });
  if (options.token === '')
    throw new KgateError('INVALID_ARGUMENT', 'the join token is empty', {
      hint: 'issue a join token for the cluster',
    });
  const labels = { 'app.kubernetes.io/name': agentName, 'app.kubernetes.io/part-of': 'kgate' };
  const secretData: Record<string, string> = {
    CENTRAL_URL: url.origin,
    CLUSTER_NAME: options.clusterName,
    AGENT_TOKEN: options.token,
  };
  if (options.caPem !== undefined) {
    secretData.CENTRAL_CA = '/etc/kgate/central-ca.crt';
    secretData['central-ca.crt'] = options.caPem;
  }
  const packageSpec = options.packageSpec ?? `@kgate/agent@${packageJson.version}`;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: agentName, namespace, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: agentName, labels },
      rules: [
        // The whole point: act as the user central vouched for, nothing else.
        { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
        // Cluster facts for central (node count, version); list is what counting needs.
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
        { nonResourceURLs: ['/version'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: agentName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: agentName },
      subjects: [{ kind: 'ServiceAccount', name: agentName, namespace }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: agentName, namespace, labels },
      type: 'Opaque',
      stringData: secretData,
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: agentName, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': agentName } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: agentName,
            automountServiceAccountToken: true,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              runAsGroup: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'agent',
                image: options.image ?? 'node:24-alpine',
                command: ['npx', '--yes', `--package=${packageSpec}`, 'kgate-agent'],
                envFrom: [{ secretRef: { name: agentName } }],
                env: [
                  { name: 'HOME', value: '/tmp/home' },
                  { name: 'npm_config_cache', value: '/tmp/npm' },
                ],
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/kgate', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '384Mi' } },
              },
            ],
            volumes: [
              { name: 'config', secret: { secretName: agentName } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    },
  ];
}

/**
 * The agent's manifest as multi-document YAML, for `kubectl apply -f -`.
 *
 * @example
 * ```ts
 * process.stdout.write(renderAgentManifest({ centralUrl: 'https://central.example.com:8443', clusterName: 'prod', token }));
 * ```
 */
export function renderAgentManifest(options: AgentManifestOptions): string {
  return agentObjects(options)
    .map((object) => stringify(object, { lineWidth: 0 }))
    .join('---\n');
}
