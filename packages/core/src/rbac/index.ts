/**
 * `@kgate/core/rbac`: kgate's own access rules for the Kubernetes API requests central
 * forwards. Roles of allow and deny rules over cluster, namespace, API group, resource
 * and verb (docs/rbac.md), read from YAML with errors that name the role and the field,
 * compiled once, and evaluated per request.
 *
 * @example
 * ```ts
 * import { authorize, compilePolicy, parseRolesDocument } from '@kgate/core/rbac';
 * import { parseRequestInfo } from '@kgate/core/request-info';
 * const { roles } = parseRolesDocument(text, { source: 'roles.yaml' });
 * const policy = compilePolicy(roles);
 * const decision = authorize(policy, ['developer'], 'dev-1', parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/default/pods' }));
 * ```
 */
export { type CompiledRole, type CompiledRule, compilePolicy, type Policy } from './compile.ts';
export {
  type AllowDecision,
  authorize,
  canReachCluster,
  type Decision,
  type DenyDecision,
} from './evaluate.ts';
export { compileGlobs, type GlobSet } from './glob.ts';
export { parseRolesDocument } from './parse.ts';
export { formatRolesPath, type PathStep, RolesInvalidError, type RolesProblem } from './problems.ts';
export { stringifyRolesDocument } from './serialize.ts';
export * from './types.ts';
export { type RolesSourceOptions, validateRolesDocument } from './validate.ts';
