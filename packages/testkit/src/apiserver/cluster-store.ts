/**
 * `server.store`: the registry plus what tests need to use it directly, objects
 * addressed by kind or resource name, to read them and to make changes "as another
 * client" (a controller, a second user) while kubectl watches.
 */
import { getString, type KubeObject } from './json.ts';
import { type ClusterStoreOptions, Registry } from './registry.ts';
import { findTypeByKind, qualifiedResource, type ResourceType, resourceTypes } from './resources.ts';
import { ApiError, badRequest, failureStatus } from './status.ts';

/** The namespaces a fresh cluster has. */
export const initialNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

export class ClusterStore extends Registry {
  constructor(options: ClusterStoreOptions = {}) {
    super(options);
    for (const name of initialNamespaces)
      this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  /** Resolves `pods`, `deployments.apps`, `deployments`, `Pod` or `po` to a served type. */
  resolve(resource: string): ResourceType {
    const found = resourceTypes.find(
      (t) =>
        t.resource === resource ||
        qualifiedResource(t) === resource ||
        t.kind === resource ||
        t.shortNames.includes(resource),
    );
    if (found === undefined)
      throw new ApiError(failureStatus('NotFound', `the server doesn't have a resource type "${resource}"`));
    return found;
  }

  /** Creates an object from its apiVersion/kind (namespace from metadata, `default` when absent). */
  create(input: KubeObject | Readonly<Record<string, unknown>>): KubeObject {
    // A JSON round trip turns any plain object a test builds into a JSON value (and copies it).
    const obj = JSON.parse(JSON.stringify(input)) as KubeObject;
    const type = findTypeByKind(getString(obj, 'apiVersion') ?? '', getString(obj, 'kind') ?? '');
    if (type === undefined)
      throw badRequest(`no served type for ${getString(obj, 'apiVersion')}/${getString(obj, 'kind')}`);
    return this.createObject(type, getString(obj, 'metadata', 'namespace') ?? 'default', obj);
  }

  /** The object, or undefined when absent. */
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const type = this.resolve(resource);
    return this.objects.get(type, type.namespaced ? (namespace ?? 'default') : '', name);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const type = this.resolve(resource);
    return this.objects.list(type, type.namespaced ? namespace : undefined);
  }

  /** Changes an object in place with `mutate` and stores it as-is (bypassing validation), like a controller would. */
  modify(
    resource: string,
    namespace: string | undefined,
    name: string,
    mutate: (obj: KubeObject) => void,
  ): KubeObject {
    const type = this.resolve(resource);
    const ns = type.namespaced ? (namespace ?? 'default') : '';
    const obj = this.getObject(type, ns, name);
    mutate(obj);
    return this.objects.put(type, obj);
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject {
    const type = this.resolve(resource);
    return this.deleteObject(type, namespace ?? 'default', name);
  }
}
