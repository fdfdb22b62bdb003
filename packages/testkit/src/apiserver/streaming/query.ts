/**
 * Query parameters of the pod subresources, decoded as the API server's parameter
 * codec does (apimachinery `runtime.Convert_Slice_string_To_*`), and the container
 * choice every pod subresource shares (pkg/registry/core/pod/strategy.go).
 */
import { failureStatus, type StatusObject } from '../status.ts';
import type { PodRef } from './pod-ref.ts';

/** A boolean parameter: absent, `false` or `0` is false; any other value is true. */
export function queryBool(url: URL, name: string): boolean {
  const value = url.searchParams.get(name);
  if (value === null) return false;
  return value !== 'false' && value !== '0';
}

/** An integer parameter, `undefined` when absent, or the BadRequest Status Go's strconv error gives. */
export function queryInt(url: URL, name: string): number | undefined | StatusObject {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  if (!/^[+-]?\d+$/.test(value)) {
    return failureStatus('BadRequest', `strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  return Number(value);
}

/**
 * The container a request is for: the named one, or the only one. Errors are the API
 * server's BadRequest Statuses.
 */
export function chooseContainer(pod: PodRef, requested: string | null): string | StatusObject {
  if (requested !== null && requested !== '') {
    if (pod.containers.includes(requested)) return requested;
    return failureStatus('BadRequest', `container ${requested} is not valid for pod ${pod.name}`);
  }
  const [only, ...others] = pod.containers;
  if (only === undefined) {
    return failureStatus('BadRequest', `a container name must be specified for pod ${pod.name}`);
  }
  if (others.length > 0) {
    return failureStatus(
      'BadRequest',
      `a container name must be specified for pod ${pod.name}, choose one of: [${pod.containers.join(' ')}]`,
    );
  }
  return only;
}

export function isStatus(value: unknown): value is StatusObject {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}
