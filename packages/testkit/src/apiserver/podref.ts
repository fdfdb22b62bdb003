/** Builds the streaming contract's {@link PodRef} from a stored pod. */
import { getArray, getNumber, getString, isObject, type KubeObject } from './json.ts';
import type { PodRef } from './streaming/index.ts';

export function podRefOf(pod: KubeObject): PodRef {
  const containers = getArray(pod, 'spec', 'containers').filter(isObject);
  const ports: number[] = [];
  for (const c of containers)
    for (const p of getArray(c, 'ports')) {
      const port = getNumber(p, 'containerPort');
      if (port !== undefined) ports.push(port);
    }
  const env: Record<string, string> = {};
  for (const e of getArray(containers[0], 'env')) {
    const name = getString(e, 'name');
    if (name !== undefined) env[name] = getString(e, 'value') ?? '';
  }
  return {
    namespace: getString(pod, 'metadata', 'namespace') ?? '',
    name: getString(pod, 'metadata', 'name') ?? '',
    containers: containers.map((c) => getString(c, 'name') ?? ''),
    ports,
    env,
  };
}
