/**
 * The server-side printers: the real columns and cells of each built-in type
 * (k8s.io/kubernetes pkg/printers/internalversion) and the custom-resource default
 * (Name and a date-typed Age), as kube-apiserver fills Tables with them.
 */
import {
  getArray,
  getNumber,
  getObject,
  getString,
  getStringMap,
  isObject,
  type Json,
  type JsonObject,
  type KubeObject,
} from './json.ts';
import type { ResourceType } from './resources.ts';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const ageDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

function col(
  name: string,
  description: string,
  priority = 0,
  type = 'string',
  format = '',
): ColumnDefinition {
  return { name, type, format, description, priority };
}

const nameCol = col('Name', nameDescription, 0, 'string', 'name');
const ageCol = col('Age', ageDescription);

/** Go's duration.HumanDuration, as the server-side printers use it for Age. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8)
    return days % 365 === 0 ? `${days / 365}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

function age(obj: KubeObject, now: number): string {
  const created = getString(obj, 'metadata', 'creationTimestamp');
  if (created === undefined) return '<unknown>';
  return humanDuration(now - Date.parse(created));
}

/** labels.FormatLabels: `a=b,c=d` sorted by key, `<none>` when empty. */
function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels[k]}`).join(',');
}

/** metav1.FormatLabelSelector. */
function formatLabelSelector(selector: JsonObject | undefined): string {
  if (selector === undefined) return '<none>';
  const parts: string[] = [];
  const matchLabels = getStringMap(selector, 'matchLabels');
  for (const k of Object.keys(matchLabels).sort()) parts.push(`${k}=${matchLabels[k]}`);
  for (const expr of getArray(selector, 'matchExpressions')) {
    if (!isObject(expr)) continue;
    const key = getString(expr, 'key') ?? '';
    const values = getArray(expr, 'values').map(String);
    switch (getString(expr, 'operator')) {
      case 'In':
        parts.push(`${key} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${key} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(key);
        break;
      case 'DoesNotExist':
        parts.push(`!${key}`);
        break;
    }
  }
  const text = parts.join(',');
  return text === '' ? '<none>' : text;
}

function containerCells(podSpec: JsonObject | undefined): [string, string] {
  const containers = getArray(podSpec, 'containers').filter(isObject);
  return [
    containers.map((c) => getString(c, 'name') ?? '').join(','),
    containers.map((c) => getString(c, 'image') ?? '').join(','),
  ];
}

function podCells(pod: KubeObject, now: number): Json[] {
  const containers = getArray(pod, 'spec', 'containers');
  const statuses = getArray(pod, 'status', 'containerStatuses').filter(isObject);
  let reason = getString(pod, 'status', 'reason') ?? getString(pod, 'status', 'phase') ?? '';
  let ready = 0;
  let restarts = 0;
  for (const cs of [...statuses].reverse()) {
    restarts += getNumber(cs, 'restartCount') ?? 0;
    const waiting = getString(cs, 'state', 'waiting', 'reason');
    const terminated = getObject(cs, 'state', 'terminated');
    if (waiting !== undefined && waiting !== '') reason = waiting;
    else if (terminated !== undefined)
      reason = getString(terminated, 'reason') ?? `ExitCode:${getNumber(terminated, 'exitCode') ?? 0}`;
    else if (cs.ready === true && getObject(cs, 'state', 'running') !== undefined) ready++;
  }
  if (
    getString(pod, 'metadata', 'deletionTimestamp') !== undefined &&
    !['Succeeded', 'Failed'].includes(reason)
  )
    reason = 'Terminating';
  const firstIP = getArray(pod, 'status', 'podIPs').filter(isObject)[0];
  const ip = getString(firstIP, 'ip') ?? '';
  const gates = getArray(pod, 'spec', 'readinessGates').filter(isObject);
  const conditions = getArray(pod, 'status', 'conditions').filter(isObject);
  const trueGates = gates.filter((g) =>
    conditions.some((c) => c.type === getString(g, 'conditionType') && c.status === 'True'),
  ).length;
  return [
    getString(pod, 'metadata', 'name') ?? '',
    `${ready}/${containers.length}`,
    reason,
    String(restarts),
    age(pod, now),
    ip === '' ? '<none>' : ip,
    getString(pod, 'spec', 'nodeName') || '<none>',
    getString(pod, 'status', 'nominatedNodeName') || '<none>',
    gates.length === 0 ? '<none>' : `${trueGates}/${gates.length}`,
  ];
}

function serviceCells(svc: KubeObject, now: number): Json[] {
  const type = getString(svc, 'spec', 'type') ?? 'ClusterIP';
  const externalIPs = getArray(svc, 'spec', 'externalIPs').map(String);
  let external = '<none>';
  if (type === 'ExternalName') external = getString(svc, 'spec', 'externalName') ?? '';
  else if (type === 'LoadBalancer') {
    const ingress = getArray(svc, 'status', 'loadBalancer', 'ingress')
      .filter(isObject)
      .map((i) => getString(i, 'ip') ?? getString(i, 'hostname') ?? '');
    const all = [...ingress, ...externalIPs].filter((x) => x !== '');
    external = all.length > 0 ? all.join(',') : '<pending>';
  } else if (externalIPs.length > 0) external = externalIPs.join(',');
  const ports = getArray(svc, 'spec', 'ports')
    .filter(isObject)
    .map((p) => {
      const nodePort = getNumber(p, 'nodePort');
      const proto = getString(p, 'protocol') ?? 'TCP';
      return nodePort ? `${getNumber(p, 'port')}:${nodePort}/${proto}` : `${getNumber(p, 'port')}/${proto}`;
    });
  return [
    getString(svc, 'metadata', 'name') ?? '',
    type,
    getString(svc, 'spec', 'clusterIP') || '<none>',
    external,
    ports.length === 0 ? '<none>' : ports.join(','),
    age(svc, now),
    formatLabels(getStringMap(svc, 'spec', 'selector')),
  ];
}

function deploymentCells(d: KubeObject, now: number): Json[] {
  const [names, images] = containerCells(getObject(d, 'spec', 'template', 'spec'));
  return [
    getString(d, 'metadata', 'name') ?? '',
    `${getNumber(d, 'status', 'readyReplicas') ?? 0}/${getNumber(d, 'spec', 'replicas') ?? 0}`,
    getNumber(d, 'status', 'updatedReplicas') ?? 0,
    getNumber(d, 'status', 'availableReplicas') ?? 0,
    age(d, now),
    names,
    images,
    formatLabelSelector(getObject(d, 'spec', 'selector')),
  ];
}

function countKeys(...maps: (JsonObject | undefined)[]): number {
  return maps.reduce((n, m) => n + (m === undefined ? 0 : Object.keys(m).length), 0);
}

export interface Printer {
  columns: ColumnDefinition[];
  cells: (obj: KubeObject, now: number) => Json[];
}

const printers: Record<string, Printer> = {
  '/pods': {
    columns: [
      nameCol,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      ageCol,
      col(
        'IP',
        'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
        1,
      ),
      col('Node', 'NodeName indicates in which node this pod is scheduled.', 1),
      col(
        'Nominated Node',
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
        1,
      ),
      col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
    ],
    cells: podCells,
  },
  '/services': {
    columns: [
      nameCol,
      col('Type', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
      col(
        'External-IP',
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
      ),
      col('Port(s)', 'The list of ports that are exposed by this service.'),
      ageCol,
      col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
    ],
    cells: serviceCells,
  },
  '/namespaces': {
    columns: [nameCol, col('Status', 'The status of the namespace'), ageCol],
    cells: (ns, now) => [
      getString(ns, 'metadata', 'name') ?? '',
      getString(ns, 'status', 'phase') ?? '',
      age(ns, now),
    ],
  },
  '/configmaps': {
    columns: [nameCol, col('Data', 'Data contains the configuration data.'), ageCol],
    cells: (cm, now) => [
      getString(cm, 'metadata', 'name') ?? '',
      countKeys(getObject(cm, 'data'), getObject(cm, 'binaryData')),
      age(cm, now),
    ],
  },
  '/secrets': {
    columns: [
      nameCol,
      col('Type', 'Used to facilitate programmatic handling of secret data.'),
      col('Data', 'Data contains the secret data.'),
      ageCol,
    ],
    cells: (s, now) => [
      getString(s, 'metadata', 'name') ?? '',
      getString(s, 'type') ?? '',
      countKeys(getObject(s, 'data'), getObject(s, 'stringData')),
      age(s, now),
    ],
  },
  '/serviceaccounts': {
    columns: [
      nameCol,
      col(
        'Secrets',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      ),
      ageCol,
    ],
    cells: (sa, now) => [
      getString(sa, 'metadata', 'name') ?? '',
      getArray(sa, 'secrets').length,
      age(sa, now),
    ],
  },
  'apps/deployments': {
    columns: [
      nameCol,
      col('Ready', 'Number of the pod with ready state'),
      col(
        'Up-to-date',
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      col(
        'Available',
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      ageCol,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col(
        'Selector',
        'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
        1,
      ),
    ],
    cells: deploymentCells,
  },
};

/** Custom resources without additionalPrinterColumns get Name and a date-typed Age. */
const customResourcePrinter: Printer = {
  columns: [nameCol, col('Age', ageDescription, 0, 'date')],
  cells: (obj, now) => [getString(obj, 'metadata', 'name') ?? '', age(obj, now)],
};

/** The printer of a type. */
export function printerFor(type: ResourceType): Printer {
  if (!type.builtin) return customResourcePrinter;
  return printers[`${type.group}/${type.resource}`] ?? customResourcePrinter;
}
