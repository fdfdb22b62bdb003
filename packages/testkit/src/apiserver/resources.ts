/**
 * The resource types the fixture serves, described the way kube-apiserver's discovery
 * documents describe them (verbs, short names, categories, subresources), plus what the
 * handlers need to behave like the real registry (name validation rule, whether
 * strategic-merge patch applies).
 */

/** A subresource as discovery lists it (`pods/log`, `deployments/scale`). */
export interface SubresourceType {
  name: string;
  kind: string;
  verbs: string[];
  /** Set when the subresource's kind lives in another group (Scale is autoscaling/v1). */
  group?: string;
  version?: string;
}

/** Which apimachinery name validation `metadata.name` goes through. */
export type NameRule = 'subdomain' | 'label' | 'dns1035';

export interface ResourceType {
  /** API group; empty for core. */
  group: string;
  version: string;
  /** Plural resource name as in URLs. */
  resource: string;
  kind: string;
  singularName: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceType[];
  /** Built-in type: strategic-merge patch is accepted (custom resources answer 415). */
  builtin: boolean;
  nameRule: NameRule;
  /** Empty for resources without storage (the reviews). */
  storageVersionHash: string;
  /** Set for the create-only review resources answered from the caller's identity, never stored. */
  review?: 'SelfSubjectReview' | 'SelfSubjectAccessReview';
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const statusVerbs = ['get', 'patch', 'update'];

/** The types served, in discovery order within each group version. */
const selfSubjectReviews: ResourceType = {
  group: 'authentication.k8s.io',
  version: 'v1',
  resource: 'selfsubjectreviews',
  kind: 'SelfSubjectReview',
  singularName: 'selfsubjectreview',
  namespaced: false,
  shortNames: [],
  categories: [],
  verbs: ['create'],
  subresources: [],
  builtin: true,
  nameRule: 'subdomain',
  storageVersionHash: '',
  review: 'SelfSubjectReview',
};

export const resourceTypes: readonly ResourceType[] = [
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    singularName: 'configmap',
    namespaced: true,
    shortNames: ['cm'],
    categories: [],
    verbs: allVerbs,
    subresources: [],
    builtin: true,
    nameRule: 'subdomain',
    storageVersionHash: 'qFsyl6wFWjQ=',
  },
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    singularName: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [
      { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
      { name: 'status', kind: 'Namespace', verbs: statusVerbs },
    ],
    builtin: true,
    nameRule: 'label',
    storageVersionHash: 'Q3oi5N2YM8M=',
  },
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    singularName: 'pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    verbs: allVerbs,
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'status', kind: 'Pod', verbs: statusVerbs },
    ],
    builtin: true,
    nameRule: 'subdomain',
    storageVersionHash: 'xPOwRZ+Yhw8=',
  },
  {
    group: '',
    version: 'v1',
    resource: 'secrets',
    kind: 'Secret',
    singularName: 'secret',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: allVerbs,
    subresources: [],
    builtin: true,
    nameRule: 'subdomain',
    storageVersionHash: 'S6u1pOWzb84=',
  },
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    singularName: 'serviceaccount',
    namespaced: true,
    shortNames: ['sa'],
    categories: [],
    verbs: allVerbs,
    subresources: [],
    builtin: true,
    nameRule: 'subdomain',
    storageVersionHash: 'pbx9ZvyFpBE=',
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    singularName: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    verbs: allVerbs,
    subresources: [{ name: 'status', kind: 'Service', verbs: statusVerbs }],
    builtin: true,
    nameRule: 'dns1035',
    storageVersionHash: '0/CO1lhkEBI=',
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    singularName: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    verbs: allVerbs,
    subresources: [
      { name: 'scale', kind: 'Scale', verbs: statusVerbs, group: 'autoscaling', version: 'v1' },
      { name: 'status', kind: 'Deployment', verbs: statusVerbs },
    ],
    builtin: true,
    nameRule: 'subdomain',
    storageVersionHash: '8aSe+NMegvE=',
  },
  selfSubjectReviews,
  // kubectl 1.27 asks the beta version for `auth whoami`.
  { ...selfSubjectReviews, version: 'v1beta1' },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
    singularName: 'selfsubjectaccessreview',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    subresources: [],
    builtin: true,
    nameRule: 'subdomain',
    storageVersionHash: '',
    review: 'SelfSubjectAccessReview',
  },
  {
    group: 'multicluster.x-k8s.io',
    version: 'v1alpha1',
    resource: 'clusterprofiles',
    kind: 'ClusterProfile',
    singularName: 'clusterprofile',
    namespaced: true,
    shortNames: [],
    categories: [],
    // Custom resources list their verbs in this order in real discovery.
    verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
    subresources: [{ name: 'status', kind: 'ClusterProfile', verbs: statusVerbs }],
    builtin: false,
    nameRule: 'subdomain',
    storageVersionHash: 'yEp2OBlhN2o=',
  },
];

/** `group/version`, or `version` for the core group: the `apiVersion` of the type's objects. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** `resource.group` as apimachinery's GroupResource.String() prints it (`pods`, `deployments.apps`). */
export function qualifiedResource(type: Pick<ResourceType, 'group' | 'resource'>): string {
  return type.group === '' ? type.resource : `${type.resource}.${type.group}`;
}

/** `Kind.group` as GroupKind.String() prints it (`Pod`, `Deployment.apps`). */
export function qualifiedKind(type: Pick<ResourceType, 'group' | 'kind'>): string {
  return type.group === '' ? type.kind : `${type.kind}.${type.group}`;
}

export function findType(group: string, version: string, resource: string): ResourceType | undefined {
  return resourceTypes.find((t) => t.group === group && t.version === version && t.resource === resource);
}

export function findTypeByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return resourceTypes.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

/** The API groups other than core with their served versions (the first is preferred), in discovery order. */
export function apiGroups(): { name: string; versions: string[] }[] {
  const seen = new Map<string, string[]>();
  for (const t of resourceTypes) {
    if (t.group === '') continue;
    const versions = seen.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    seen.set(t.group, versions);
  }
  return [...seen].map(([name, versions]) => ({ name, versions }));
}
