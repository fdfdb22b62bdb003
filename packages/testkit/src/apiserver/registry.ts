/**
 * The registry above the object store: what kube-apiserver's generic registry does on
 * each write (name generation, namespace checks, validation, optimistic concurrency,
 * status-subresource rules, generation, finalizers, dry run) and the Status errors it
 * answers.
 */
import { randomInt, randomUUID } from 'node:crypto';
import {
  type Allocator,
  createAllocator,
  defaultForCreate,
  defaultForUpdate,
  tracksGeneration,
} from './defaults.ts';
import {
  clone,
  getArray,
  getNumber,
  getString,
  isObject,
  type Json,
  type KubeObject,
  metadataOf,
} from './json.ts';
import { applyPatch, applyPatchType } from './patch.ts';
import { apiVersionOf, type ResourceType, resourceTypes } from './resources.ts';
import { matches, type Selectors } from './selectors.ts';
import { alreadyExists, badRequest, conflict, notFound, staleConflict } from './status.ts';
import { ObjectStore } from './store.ts';
import { validateObject } from './validation.ts';

export interface WriteOptions {
  /** `dryRun=All`: everything but the write. */
  dryRun?: boolean;
  /** `status` to write the status subresource. */
  subresource?: string;
}

export interface DeleteOptions {
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface PatchOptions extends WriteOptions {
  fieldManager?: string;
}

export interface ClusterStoreOptions {
  /** How many past events watches can resume from (default 1000). */
  watchWindow?: number;
  clock?: () => Date;
}

const namespacesType = resourceTypes.find((t) => t.group === '' && t.resource === 'namespaces');
const serviceAccountsType = resourceTypes.find((t) => t.group === '' && t.resource === 'serviceaccounts');

const generateAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function hasStatusSubresource(type: ResourceType): boolean {
  return type.subresources.some((s) => s.name === 'status');
}

/** The object without the fields every write rewrites, to detect no-op updates. */
function comparable(obj: KubeObject): string {
  const copy = clone(obj);
  const meta = metadataOf(copy);
  delete meta.resourceVersion;
  delete meta.managedFields;
  return JSON.stringify(copy);
}

/** Everything but metadata and status: what a generation bump is about. */
function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

/** The generic registry: the writes kube-apiserver's REST storage does, with its errors. */
export class Registry {
  readonly objects: ObjectStore;
  readonly #alloc: Allocator;

  constructor(options: ClusterStoreOptions = {}) {
    this.objects = new ObjectStore(options.watchWindow ?? 1000);
    this.#alloc = createAllocator(options.clock ?? (() => new Date()));
  }

  get resourceVersion(): number {
    return this.objects.resourceVersion;
  }

  /** Reads one object; throws the real NotFound Status when absent. */
  getObject(type: ResourceType, namespace: string, name: string): KubeObject {
    const obj = this.objects.get(type, namespace, name);
    if (obj === undefined) throw notFound(type, name);
    return obj;
  }

  listObjects(type: ResourceType, namespace: string | undefined, selectors?: Selectors): KubeObject[] {
    const all = this.objects.list(type, namespace);
    return selectors === undefined ? all : all.filter((o) => matches(type, selectors, o));
  }

  #checkBodyType(type: ResourceType, obj: KubeObject): void {
    const apiVersion = getString(obj, 'apiVersion');
    const kind = getString(obj, 'kind');
    if (!type.builtin) {
      obj.apiVersion ??= apiVersionOf(type);
      obj.kind ??= type.kind;
      return;
    }
    if (apiVersion !== undefined && apiVersion !== '' && apiVersion !== apiVersionOf(type))
      throw badRequest(
        `the API version in the data (${apiVersion}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    if (kind !== undefined && kind !== '' && kind !== type.kind)
      throw badRequest(
        `${kind} in version "${type.version}" cannot be handled as a ${type.kind}: converting (${type.version}.${kind}) to (${type.group === '' ? 'core' : type.group}.${type.kind}): unknown conversion`,
      );
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
  }

  #checkNamespace(type: ResourceType, namespace: string, obj: KubeObject): void {
    const meta = metadataOf(obj);
    if (!type.namespaced) {
      delete meta.namespace;
      return;
    }
    const bodyNamespace = getString(meta, 'namespace');
    if (bodyNamespace !== undefined && bodyNamespace !== '' && bodyNamespace !== namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    meta.namespace = namespace;
    if (namespacesType !== undefined && this.objects.get(namespacesType, '', namespace) === undefined)
      throw notFound(namespacesType, namespace);
  }

  /** POST: creates an object in `namespace` (ignored for cluster-scoped types). */
  createObject(
    type: ResourceType,
    namespace: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const obj = clone(body);
    this.#checkBodyType(type, obj);
    const meta = metadataOf(obj);
    const generateName = getString(meta, 'generateName');
    if ((getString(meta, 'name') ?? '') === '' && generateName !== undefined && generateName !== '') {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += generateAlphabet[randomInt(generateAlphabet.length)];
      meta.name = `${generateName}${suffix}`;
    }
    validateObject(type, obj);
    this.#checkNamespace(type, namespace, obj);
    const name = getString(meta, 'name') ?? '';
    if (this.objects.get(type, type.namespaced ? namespace : '', name) !== undefined)
      throw alreadyExists(type, name);
    meta.uid = randomUUID();
    meta.creationTimestamp = this.#alloc.now();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (tracksGeneration(type)) meta.generation = 1;
    else delete meta.generation;
    if (hasStatusSubresource(type) && !type.builtin) delete obj.status;
    defaultForCreate(type, obj, this.#alloc);
    if (options.dryRun) return obj;
    const stored = this.objects.put(type, obj);
    if (type.group === '' && type.resource === 'namespaces' && serviceAccountsType !== undefined)
      this.objects.put(serviceAccountsType, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: 'default',
          namespace: name,
          uid: randomUUID(),
          creationTimestamp: this.#alloc.now(),
        },
      });
    return stored;
  }

  /** PUT: replaces an object (or its status), with the optimistic-concurrency check. */
  updateObject(
    type: ResourceType,
    namespace: string,
    name: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const ns = type.namespaced ? namespace : '';
    const current = this.getObject(type, ns, name);
    const obj = clone(body);
    this.#checkBodyType(type, obj);
    const meta = metadataOf(obj);
    const bodyName = getString(meta, 'name') ?? '';
    if (bodyName !== name)
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    if (type.namespaced) {
      const bodyNamespace = getString(meta, 'namespace');
      if (bodyNamespace !== undefined && bodyNamespace !== '' && bodyNamespace !== namespace)
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
    }
    const rv = getString(meta, 'resourceVersion') ?? '';
    const currentRv = getString(current, 'metadata', 'resourceVersion') ?? '';
    if (rv !== '' && rv !== currentRv) throw staleConflict(type, name);

    let next: KubeObject;
    if (options.subresource === 'status') {
      next = clone(current);
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
    } else {
      next = obj;
      if (hasStatusSubresource(type)) {
        if (current.status === undefined) delete next.status;
        else next.status = clone(current.status);
      }
      const nextMeta = metadataOf(next);
      const currentMeta = metadataOf(current);
      for (const key of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ]) {
        const value = currentMeta[key];
        if (value === undefined) delete nextMeta[key];
        else nextMeta[key] = value;
      }
      if (type.namespaced) nextMeta.namespace = namespace;
      if (tracksGeneration(type) && specOf(next) !== specOf(current))
        nextMeta.generation = (getNumber(currentMeta, 'generation') ?? 0) + 1;
      validateObject(type, next);
      if (specOf(next) !== specOf(current)) defaultForUpdate(type, next, this.#alloc);
    }
    metadataOf(next).resourceVersion = currentRv;
    if (comparable(next) === comparable(current) || options.dryRun) return next;
    if (
      getString(next, 'metadata', 'deletionTimestamp') !== undefined &&
      getArray(next, 'metadata', 'finalizers').length === 0
    ) {
      return this.objects.remove(type, ns, name) ?? next;
    }
    return this.objects.put(type, next);
  }

  /**
   * PATCH: applies a patch of the given media type to the current object and stores the
   * result like an update. A server-side apply patch creates the object when absent.
   */
  patchObject(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: string,
    patch: Json,
    options: PatchOptions = {},
  ): { object: KubeObject; created: boolean } {
    const ns = type.namespaced ? namespace : '';
    const current = this.objects.get(type, ns, name);
    if (current === undefined) {
      if (patchType !== applyPatchType || (options.subresource ?? '') !== '') throw notFound(type, name);
      if (!isObject(patch)) throw badRequest('the body of an apply patch must be an object');
      const body = clone(patch);
      metadataOf(body).name ??= name;
      return { object: this.createObject(type, namespace, body, options), created: true };
    }
    const patched = applyPatch(type, current, patchType, patch);
    if (!isObject(patched)) throw badRequest('the patched object is not a JSON object');
    if ((getString(patched, 'metadata', 'name') ?? '') === '') metadataOf(patched).name = name;
    if (patchType === applyPatchType)
      metadataOf(patched).resourceVersion = getString(current, 'metadata', 'resourceVersion') ?? '';
    return { object: this.updateObject(type, namespace, name, patched, options), created: false };
  }

  /** DELETE: removes an object (or marks it for deletion while finalizers remain). */
  deleteObject(type: ResourceType, namespace: string, name: string, options: DeleteOptions = {}): KubeObject {
    const ns = type.namespaced ? namespace : '';
    const current = this.getObject(type, ns, name);
    const meta = metadataOf(current);
    const pre = options.preconditions;
    const uid = getString(meta, 'uid') ?? '';
    const rv = getString(meta, 'resourceVersion') ?? '';
    if (pre?.uid !== undefined && pre.uid !== uid)
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid}`,
      );
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== rv)
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${rv}`,
      );
    if (options.dryRun) return current;
    if (getArray(meta, 'finalizers').length > 0) {
      if (getString(meta, 'deletionTimestamp') !== undefined) return current;
      meta.deletionTimestamp = this.#alloc.now();
      meta.deletionGracePeriodSeconds = 0;
      return this.objects.put(type, current);
    }
    if (type.group === '' && type.resource === 'namespaces')
      return this.#deleteNamespace(type, current, name);
    return this.objects.remove(type, ns, name) ?? current;
  }

  /** Like the namespace controller: Terminating first, then the contents, then the namespace. */
  #deleteNamespace(type: ResourceType, current: KubeObject, name: string): KubeObject {
    metadataOf(current).deletionTimestamp = this.#alloc.now();
    current.status = { phase: 'Terminating' };
    const terminating = this.objects.put(type, current);
    for (const t of resourceTypes) {
      if (!t.namespaced) continue;
      for (const obj of this.objects.list(t, name))
        this.objects.remove(t, name, getString(obj, 'metadata', 'name') ?? '');
    }
    this.objects.remove(type, '', name);
    return terminating;
  }

  /** DELETE on a collection: removes every object matching the selectors. */
  deleteCollection(
    type: ResourceType,
    namespace: string | undefined,
    selectors: Selectors,
    options: DeleteOptions = {},
  ): KubeObject[] {
    return this.listObjects(type, namespace, selectors).map((obj) =>
      this.deleteObject(
        type,
        getString(obj, 'metadata', 'namespace') ?? '',
        getString(obj, 'metadata', 'name') ?? '',
        { dryRun: options.dryRun ?? false },
      ),
    );
  }
}
