/**
 * The fake container runtime behind the pod streams: per pod, its containers (log and
 * main process) and every stream open on it, so that deleting the pod ends them all
 * (`kubectl logs -f` exits, exec sessions end with exit code 137, port-forward
 * connections close).
 */
import { KgateError } from '@kgate/core/errors';
import { Container } from './container.ts';
import type { PodRef } from './pod-ref.ts';

/** Something open on a pod that must end when the pod goes away. */
export interface PodStream {
  close(): void;
}

export interface PodRuntimeOptions {
  /** The clock for log timestamps (milliseconds since the epoch). */
  now?: () => number;
}

interface PodEntry {
  ref: PodRef;
  containers: Map<string, Container>;
  streams: Set<PodStream>;
}

/** Fake containers: their main process, logs, and the sessions attached to them. */
export class PodRuntime {
  readonly #pods = new Map<string, PodEntry>();
  readonly #now: () => number;

  constructor(options: PodRuntimeOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Registers (or refreshes) a pod's containers; called when a pod is created or updated. */
  ensure(pod: PodRef): void {
    this.#entry(pod);
  }

  /** Forgets a pod and closes every stream open on it; called when the pod is deleted. */
  remove(namespace: string, name: string): void {
    const key = podKey(namespace, name);
    const entry = this.#pods.get(key);
    if (entry === undefined) return;
    this.#pods.delete(key);
    for (const container of entry.containers.values()) container.stop();
    for (const stream of [...entry.streams]) stream.close();
    entry.streams.clear();
  }

  /** Appends one line to a container's log (followers see it at once). */
  appendLog(namespace: string, pod: string, container: string, line: string): void {
    const entry = this.#pods.get(podKey(namespace, pod));
    const target = entry?.containers.get(container);
    if (target === undefined) {
      throw new KgateError('NOT_FOUND', `no container ${container} in pod ${namespace}/${pod}`, {
        hint: 'create the pod through the API server (or call runtime.ensure) before appending to its log',
      });
    }
    target.log.appendLine(line);
  }

  /** Closes every open stream (server shutdown). */
  close(): void {
    for (const entry of [...this.#pods.values()]) this.remove(entry.ref.namespace, entry.ref.name);
  }

  /** The runtime's clock (milliseconds since the epoch). */
  now(): number {
    return this.#now();
  }

  /** The named container of a pod (registering the pod if it is new), or `undefined`. */
  container(pod: PodRef, name: string): Container | undefined {
    return this.#entry(pod).containers.get(name);
  }

  /** Keeps `stream` until it ends or the pod goes away; returns the function that forgets it. */
  track(pod: PodRef, stream: PodStream): () => void {
    const streams = this.#entry(pod).streams;
    streams.add(stream);
    return () => streams.delete(stream);
  }

  #entry(pod: PodRef): PodEntry {
    const key = podKey(pod.namespace, pod.name);
    let entry = this.#pods.get(key);
    if (entry === undefined) {
      entry = { ref: pod, containers: new Map(), streams: new Set() };
      this.#pods.set(key, entry);
    }
    entry.ref = pod;
    for (const name of pod.containers) {
      if (!entry.containers.has(name))
        entry.containers.set(name, new Container(name, this.#now, startupLines(name)));
    }
    for (const [name, container] of entry.containers) {
      if (!pod.containers.includes(name)) {
        container.stop();
        entry.containers.delete(name);
      }
    }
    return entry;
  }
}

function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** What every container logs when it starts, so that `kubectl logs` has something to show. */
function startupLines(container: string): string[] {
  return [`container ${container} started`, `${container}: echoing stdin to stdout`];
}
