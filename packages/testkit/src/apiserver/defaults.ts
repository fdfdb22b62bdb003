/**
 * What the real control plane adds to objects: API defaulting (restartPolicy, ports'
 * protocol, …) and the status that kubelet and the controllers would report, so that
 * `kubectl get pods` shows `1/1 Running` and `kubectl get deploy` shows `1/1 1 1`.
 * Everything is deterministic: IPs come from counters, times from the injected clock.
 */
import {
  ensureObject,
  getArray,
  getNumber,
  getObject,
  getString,
  isObject,
  type JsonObject,
  type KubeObject,
} from './json.ts';
import type { ResourceType } from './resources.ts';

/** The name of the one fake node every pod runs on. */
export const nodeName = 'kgate-node';
const hostIP = '172.18.0.2';

/** Counters for the addresses the fixture hands out. */
export interface Allocator {
  podIP(): string;
  clusterIP(): string;
  /** A node port from the default range 30000-32767. */
  nodePort(): number;
  now(): string;
}

/** Seconds-precision RFC 3339, like metav1.Time's JSON form. */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function createAllocator(clock: () => Date): Allocator {
  let pod = 0;
  let svc = 0;
  let nodePort = 0;
  return {
    nodePort: () => 30000 + (nodePort++ % 2768),
    podIP: () => {
      pod++;
      return `10.244.${Math.floor(pod / 250)}.${(pod % 250) + 2}`;
    },
    clusterIP: () => {
      svc++;
      return `10.96.${Math.floor(svc / 250)}.${(svc % 250) + 10}`;
    },
    now: () => rfc3339(clock()),
  };
}

function defaultContainers(spec: JsonObject): void {
  for (const key of ['containers', 'initContainers']) {
    for (const c of getArray(spec, key)) {
      if (!isObject(c)) continue;
      const image = getString(c, 'image') ?? '';
      const tagged = /:[^/]+$/.test(image) && !image.endsWith(':latest');
      c.imagePullPolicy ??= tagged || image.includes('@') ? 'IfNotPresent' : 'Always';
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
      for (const port of getArray(c, 'ports')) if (isObject(port)) port.protocol ??= 'TCP';
    }
  }
}

/** PodSpec defaults (also applied to a Deployment's template). */
export function defaultPodSpec(spec: JsonObject): void {
  defaultContainers(spec);
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
}

/** A running pod's status: every container started and ready, no restarts. */
function runningPodStatus(pod: KubeObject, alloc: Allocator): JsonObject {
  const now = alloc.now();
  const podIP = alloc.podIP();
  const containers = getArray(pod, 'spec', 'containers').filter(isObject);
  const condition = (type: string): JsonObject => ({
    type,
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: now,
  });
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers'),
      condition('Initialized'),
      condition('Ready'),
      condition('ContainersReady'),
      condition('PodScheduled'),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: now,
    containerStatuses: containers.map((c, i) => {
      const image = getString(c, 'image') ?? '';
      return {
        name: getString(c, 'name') ?? `c${i}`,
        state: { running: { startedAt: now } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image,
        imageID: `${image.split(':')[0] ?? image}@sha256:${'0'.repeat(64)}`,
        containerID: `containerd://${(getString(pod, 'metadata', 'uid') ?? '').replaceAll('-', '')}${i}`,
        started: true,
      };
    }),
    qosClass: 'BestEffort',
  };
}

function deploymentStatus(deploy: KubeObject, now: string): JsonObject {
  const replicas = getNumber(deploy, 'spec', 'replicas') ?? 1;
  const name = getString(deploy, 'metadata', 'name') ?? '';
  const status: JsonObject = {
    observedGeneration: getNumber(deploy, 'metadata', 'generation') ?? 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        lastUpdateTime: now,
        lastTransitionTime: now,
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      },
      {
        type: 'Progressing',
        status: 'True',
        lastUpdateTime: now,
        lastTransitionTime: now,
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${name}-5d4f8c7b9" has successfully progressed.`,
      },
    ],
  };
  // Like the real status, zero counts are omitted.
  for (const key of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'])
    if (status[key] === 0) delete status[key];
  return status;
}

/** Defaults and initial status for a new object. */
export function defaultForCreate(type: ResourceType, obj: KubeObject, alloc: Allocator): void {
  const key = `${type.group}/${type.resource}`;
  switch (key) {
    case '/pods': {
      const spec = ensureObject(obj, 'spec');
      defaultPodSpec(spec);
      spec.nodeName ??= nodeName;
      spec.serviceAccountName ??= 'default';
      spec.serviceAccount ??= getString(spec, 'serviceAccountName') ?? 'default';
      spec.tolerations ??= [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ];
      obj.status = runningPodStatus(obj, alloc);
      break;
    }
    case '/services': {
      const spec = ensureObject(obj, 'spec');
      spec.type ??= 'ClusterIP';
      if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
        spec.clusterIP ??= alloc.clusterIP();
        spec.clusterIPs ??= [getString(spec, 'clusterIP') ?? ''];
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
        spec.internalTrafficPolicy ??= 'Cluster';
      }
      spec.sessionAffinity ??= 'None';
      const exposed = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
      if (exposed) spec.externalTrafficPolicy ??= 'Cluster';
      if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
      for (const port of getArray(spec, 'ports')) {
        if (!isObject(port)) continue;
        port.protocol ??= 'TCP';
        port.targetPort ??= getNumber(port, 'port') ?? 0;
        if (exposed) port.nodePort ??= alloc.nodePort();
      }
      obj.status = { loadBalancer: {} };
      break;
    }
    case '/namespaces': {
      const meta = ensureObject(obj, 'metadata');
      const labels = ensureObject(meta, 'labels');
      labels['kubernetes.io/metadata.name'] = getString(meta, 'name') ?? '';
      ensureObject(obj, 'spec').finalizers = ['kubernetes'];
      obj.status = { phase: 'Active' };
      break;
    }
    case '/secrets':
      obj.type ??= 'Opaque';
      break;
    case 'apps/deployments': {
      const spec = ensureObject(obj, 'spec');
      spec.replicas ??= 1;
      const strategy = ensureObject(spec, 'strategy');
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const rolling = ensureObject(strategy, 'rollingUpdate');
        rolling.maxUnavailable ??= '25%';
        rolling.maxSurge ??= '25%';
      }
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      const template = getObject(spec, 'template');
      if (template !== undefined) defaultPodSpec(ensureObject(template, 'spec'));
      const annotations = ensureObject(ensureObject(obj, 'metadata'), 'annotations');
      annotations['deployment.kubernetes.io/revision'] ??= '1';
      obj.status = deploymentStatus(obj, alloc.now());
      break;
    }
  }
}

/** Re-applies defaults and recomputes controller-owned status after a spec change. */
export function defaultForUpdate(type: ResourceType, obj: KubeObject, alloc: Allocator): void {
  if (type.group === 'apps' && type.resource === 'deployments') {
    const spec = ensureObject(obj, 'spec');
    spec.replicas ??= 1;
    const template = getObject(spec, 'template');
    if (template !== undefined) defaultPodSpec(ensureObject(template, 'spec'));
    obj.status = deploymentStatus(obj, alloc.now());
  }
  if (type.group === '' && type.resource === 'pods') defaultPodSpec(ensureObject(obj, 'spec'));
}

/** Whether the type bumps metadata.generation on spec changes (all but the core types without it). */
export function tracksGeneration(type: ResourceType): boolean {
  return (
    (type.group === 'apps' && type.resource === 'deployments') || !type.builtin || type.resource === 'pods'
  );
}
