/**
 * Resource patterns, matched as Kubernetes RBAC matches them (`ResourceMatches` in
 * k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac): `*` is every resource and every
 * subresource; `pods` is pods only, none of their subresources; `pods/log` is that
 * subresource; `pods/*` any subresource of pods; `*\/scale` that subresource of any
 * resource. No other wildcards: a rule cannot say `pod*`.
 */

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** What is wrong with a resource pattern, and how to fix it. */
export interface ResourcePatternError {
  reason: string;
  hint: string;
}

function nameError(part: string, pattern: string): ResourcePatternError | undefined {
  if (NAME.test(part)) return undefined;
  if (part === '') return { reason: 'has an empty part', hint: 'write pods, pods/log, pods/* or */scale' };
  if (part.includes('*'))
    return {
      reason: 'has a partial wildcard',
      hint: 'a wildcard stands alone: write *, pods/* or */scale, or list the resources',
    };
  if (part.includes('.'))
    return {
      reason: 'names an API group',
      hint: `write the resource alone (${JSON.stringify(pattern.split('.')[0])}) and its group in api_groups`,
    };
  return {
    reason: 'is not a resource name',
    hint: 'resources are lowercase plurals such as pods or deployments (see kubectl api-resources)',
  };
}

/**
 * What is wrong with `pattern` as an entry of a rule's `resources`, or `undefined` when
 * it is fine.
 *
 * @example
 * ```ts
 * resourcePatternError('deployments.apps')?.reason; // 'names an API group'
 * ```
 */
export function resourcePatternError(pattern: string): ResourcePatternError | undefined {
  if (pattern === '*') return undefined;
  const parts = pattern.split('/');
  if (parts.length > 2)
    return { reason: 'has more than one "/"', hint: 'write pods, pods/log, pods/* or */scale' };
  const [resource = '', subresource] = parts;
  if (subresource === undefined) return nameError(resource, pattern);
  if (resource === '*' && subresource === '*')
    return {
      reason: 'matches nothing in Kubernetes RBAC',
      hint: 'write * for every resource and subresource',
    };
  return (
    (resource === '*' ? undefined : nameError(resource, pattern)) ??
    (subresource === '*' ? undefined : nameError(subresource, pattern))
  );
}

/** Whether a request's resource and subresource match a compiled `resources` list. */
export type ResourceMatcher = (resource: string, subresource: string) => boolean;

/**
 * Compiles a valid `resources` list into a matcher of three set lookups.
 *
 * @example
 * ```ts
 * const matches = compileResources(['pods', '*\/scale']);
 * matches('pods', ''); // true
 * matches('pods', 'log'); // false
 * matches('deployments', 'scale'); // true
 * ```
 */
export function compileResources(patterns: readonly string[]): ResourceMatcher {
  if (patterns.includes('*')) return () => true;
  const exact = new Set<string>();
  const anySubresourceOf = new Set<string>();
  const subresourceOfAny = new Set<string>();
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) anySubresourceOf.add(pattern.slice(0, -2));
    else if (pattern.startsWith('*/')) subresourceOfAny.add(pattern.slice(2));
    else exact.add(pattern);
  }
  return (resource, subresource) => {
    if (subresource === '') return exact.has(resource);
    return (
      exact.has(`${resource}/${subresource}`) ||
      anySubresourceOf.has(resource) ||
      subresourceOfAny.has(subresource)
    );
  };
}
