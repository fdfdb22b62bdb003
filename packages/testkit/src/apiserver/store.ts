/**
 * The fixture's etcd: objects by type/namespace/name, one global resourceVersion
 * counter, and a bounded window of past events so that watches can resume from a
 * resourceVersion (and get 410 Expired once it has fallen out of the window).
 *
 * This layer stores what it is given; defaulting, validation and concurrency checks
 * live in the registry above it.
 */
import { clone, getString, type KubeObject, metadataOf } from './json.ts';
import type { ResourceType } from './resources.ts';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  /** The resourceVersion this change produced. */
  resourceVersion: number;
  resourceType: ResourceType;
  /** The object after the change (for DELETED: its last state, with the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change (MODIFIED, DELETED). */
  previous?: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

function keyOf(type: ResourceType, namespace: string, name: string): string {
  return `${type.group}/${type.resource}/${namespace}/${name}`;
}

export class ObjectStore {
  readonly #objects = new Map<string, KubeObject>();
  readonly #history: StoreEvent[] = [];
  readonly #listeners = new Set<StoreListener>();
  readonly #window: number;
  #resourceVersion: number;
  /** Events with a resourceVersion above this one are all still in the window. */
  #oldestResumable: number;

  /** `window`: how many past events are kept for watch resumption. */
  constructor(window: number, initialResourceVersion = 1000) {
    this.#window = Math.max(1, window);
    this.#resourceVersion = initialResourceVersion;
    this.#oldestResumable = initialResourceVersion;
  }

  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResumable(): number {
    return this.#oldestResumable;
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const obj = this.#objects.get(keyOf(type, namespace, name));
    return obj === undefined ? undefined : clone(obj);
  }

  /** Objects of a type (in one namespace, or all), sorted the way etcd keys sort: namespace, then name. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? `${type.group}/${type.resource}/` : keyOf(type, namespace, '');
    const keys = [...this.#objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    return keys.flatMap((k) => {
      const obj = this.#objects.get(k);
      return obj === undefined ? [] : [clone(obj)];
    });
  }

  /** Stores a new object version, stamping the next resourceVersion, and notifies watchers. */
  put(type: ResourceType, obj: KubeObject): KubeObject {
    const meta = metadataOf(obj);
    const namespace = getString(meta, 'namespace') ?? '';
    const name = getString(meta, 'name') ?? '';
    const key = keyOf(type, namespace, name);
    const previous = this.#objects.get(key);
    const rv = ++this.#resourceVersion;
    meta.resourceVersion = String(rv);
    const stored = clone(obj);
    this.#objects.set(key, stored);
    const event: StoreEvent = {
      type: previous === undefined ? 'ADDED' : 'MODIFIED',
      resourceVersion: rv,
      resourceType: type,
      object: clone(stored),
    };
    if (previous !== undefined) event.previous = previous;
    this.#emit(event);
    return clone(stored);
  }

  /** Removes an object; returns its last state (carrying the deletion's resourceVersion). */
  remove(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const key = keyOf(type, namespace, name);
    const previous = this.#objects.get(key);
    if (previous === undefined) return undefined;
    this.#objects.delete(key);
    const rv = ++this.#resourceVersion;
    const last = clone(previous);
    metadataOf(last).resourceVersion = String(rv);
    this.#emit({ type: 'DELETED', resourceVersion: rv, resourceType: type, object: last, previous });
    return clone(last);
  }

  /** Events after `resourceVersion`, or undefined when some of them have left the window. */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.#oldestResumable) return undefined;
    return this.#history.filter((e) => e.resourceVersion > resourceVersion);
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: StoreEvent): void {
    this.#history.push(event);
    while (this.#history.length > this.#window) {
      const dropped = this.#history.shift();
      if (dropped !== undefined) this.#oldestResumable = dropped.resourceVersion;
    }
    for (const listener of [...this.#listeners]) listener(event);
  }
}
