/**
 * Deciding one request: may a user with these roles do this on this cluster?
 *
 * - A matching deny rule of any of the user's roles refuses, whatever allows.
 * - Otherwise a matching allow rule allows; none → refused (default deny).
 * - Role names the policy does not define contribute nothing.
 * - Kubernetes grants every authenticated user discovery (`GET /api`, `/apis/…`,
 *   `/openapi/…`, `/version`, `/healthz`, `/livez`, `/readyz`) and `create` on
 *   selfsubjectaccessreviews, selfsubjectrulesreviews (authorization.k8s.io) and
 *   selfsubjectreviews (authentication.k8s.io); kgate grants the same to a user with some
 *   allow rule on the cluster, so that kubectl works (a matching deny rule still refuses
 *   the reviews).
 * - Other non-resource paths (`/metrics`, `/logs/…`, `/debug/…`) and non-resource verbs
 *   other than get and head need a rule with `*` for namespaces, API groups, resources and
 *   verbs on the cluster: Kubernetes gives them only to cluster admins, and `/logs` shows
 *   the control plane's log files.
 */
import type { RequestInfo } from '../request-info/index.ts';
import type { CompiledRole, CompiledRule, Policy } from './compile.ts';

/** The request is allowed, by `rule` of `role`. */
export interface AllowDecision {
  allowed: true;
  role: string;
  /** `developer.rules[0]`. For a built-in grant, the allow rule that reaches the cluster. */
  rule: string;
  /** Set when the request is allowed by what Kubernetes grants every user, not by the rule itself. */
  builtIn?: 'discovery' | 'self-review';
}

/** The request is refused. */
export interface DenyDecision {
  allowed: false;
  /** The role of the deny rule that refused it; absent for a default deny. */
  role?: string;
  /** The deny rule that refused it (`developer.deny[0]`); absent for a default deny. */
  rule?: string;
  /**
   * Why, in the words of Kubernetes' Forbidden message (without the user):
   * `cannot list resource "pods" in API group "" at the cluster scope on cluster "dev-1": no rule of roles developer allows it`.
   */
  reason: string;
}

/** What {@link authorize} decided. */
export type Decision = AllowDecision | DenyDecision;

const SELF_REVIEWS: ReadonlyMap<string, string> = new Map([
  ['selfsubjectaccessreviews', 'authorization.k8s.io'],
  ['selfsubjectrulesreviews', 'authorization.k8s.io'],
  ['selfsubjectreviews', 'authentication.k8s.io'],
]);

/** Kubernetes' `system:discovery` and `system:public-info-viewer` paths. */
const DISCOVERY_PATHS: ReadonlySet<string> = new Set([
  '/api',
  '/apis',
  '/openapi',
  '/version',
  '/healthz',
  '/livez',
  '/readyz',
]);
const DISCOVERY_PREFIXES = ['/api/', '/apis/', '/openapi/'];

function isDiscoveryPath(path: string): boolean {
  return DISCOVERY_PATHS.has(path) || DISCOVERY_PREFIXES.some((prefix) => path.startsWith(prefix));
}

function isSelfReview(info: RequestInfo): boolean {
  return (
    info.verb === 'create' && info.subresource === '' && SELF_REVIEWS.get(info.resource) === info.apiGroup
  );
}

function matches(rule: CompiledRule, cluster: string, info: RequestInfo): boolean {
  if (!rule.clusters.matches(cluster)) return false;
  // Only `*` reaches requests without a namespace: cluster-scoped objects and lists or
  // deletes across every namespace.
  if (info.namespace === '' ? !rule.namespaces.all : !rule.namespaces.matches(info.namespace)) return false;
  if (
    info.apiGroup === '' &&
    info.resource === 'pods' &&
    rule.podSubresources.get(info.subresource)?.has(info.verb)
  )
    return true;
  if (!rule.anyVerb && !rule.verbs.has(info.verb)) return false;
  if (!rule.apiGroups.matches(info.apiGroup)) return false;
  return rule.resources(info.resource, info.subresource);
}

interface Roles {
  /** Defined roles, in the order the user's role names list them, each once. */
  defined: CompiledRole[];
  /** The user's role names, each once, for messages. */
  names: string[];
  /** Names the policy does not define. */
  undefinedNames: string[];
}

function resolveRoles(policy: Policy, roleNames: readonly string[]): Roles {
  const names = [...new Set(roleNames)];
  const defined: CompiledRole[] = [];
  const undefinedNames: string[] = [];
  for (const name of names) {
    const role = policy.roles.get(name);
    if (role) defined.push(role);
    else undefinedNames.push(name);
  }
  return { defined, names, undefinedNames };
}

/** An all-powerful deny rule on the cluster, which shuts the user out of it entirely. */
function totalDeny(roles: readonly CompiledRole[], cluster: string): CompiledRule | undefined {
  for (const role of roles)
    for (const rule of role.deny) if (rule.coversAll && rule.clusters.matches(cluster)) return rule;
  return undefined;
}

/** The first allow rule that applies to the cluster, unless a total deny shuts the user out. */
function reachingRule(roles: readonly CompiledRole[], cluster: string): CompiledRule | undefined {
  if (totalDeny(roles, cluster)) return undefined;
  for (const role of roles) for (const rule of role.allow) if (rule.clusters.matches(cluster)) return rule;
  return undefined;
}

function noRuleReason(roles: Roles, cluster: string, what: 'allows it' | 'applies to'): string {
  if (roles.names.length === 0) return 'the user has no roles';
  const object = what === 'applies to' ? ` cluster ${JSON.stringify(cluster)}` : '';
  let reason = `no rule of roles ${roles.names.join(', ')} ${what}${object}`;
  const missing = roles.undefinedNames;
  if (missing.length === 1) reason += ` (role ${missing[0]} is not defined)`;
  else if (missing.length > 1) reason += ` (roles ${missing.join(', ')} are not defined)`;
  return reason;
}

function deny(rule: CompiledRule | undefined, reason: string): DenyDecision {
  return rule === undefined
    ? { allowed: false, reason }
    : { allowed: false, role: rule.role, rule: rule.id, reason };
}

function allow(rule: CompiledRule, builtIn?: AllowDecision['builtIn']): AllowDecision {
  return builtIn === undefined
    ? { allowed: true, role: rule.role, rule: rule.id }
    : { allowed: true, role: rule.role, rule: rule.id, builtIn };
}

function authorizeNonResource(roles: Roles, cluster: string, info: RequestInfo): Decision {
  const what = `cannot ${info.verb} path ${JSON.stringify(info.path)} on cluster ${JSON.stringify(cluster)}`;
  const denied = totalDeny(roles.defined, cluster);
  if (denied) return deny(denied, `${what}: denied by ${denied.id}`);
  for (const role of roles.defined)
    for (const rule of role.allow) if (rule.coversAll && rule.clusters.matches(cluster)) return allow(rule);
  if ((info.verb === 'get' || info.verb === 'head') && isDiscoveryPath(info.path)) {
    const reaching = reachingRule(roles.defined, cluster);
    if (reaching) return allow(reaching, 'discovery');
    return deny(undefined, `${what}: ${noRuleReason(roles, cluster, 'applies to')}`);
  }
  return deny(
    undefined,
    `${what}: only a rule with "*" for namespaces, api_groups, resources and verbs reaches this path`,
  );
}

/**
 * Decides whether a user with `roleNames` may make the request `info` on `clusterName`.
 * Costs a few set lookups and regex tests per rule of the user's roles.
 *
 * @param roleNames - the user's roles; names the policy does not define contribute nothing
 * @example
 * ```ts
 * const info = parseRequestInfo({ method: 'DELETE', path: '/api/v1/namespaces/default/pods/web' });
 * const decision = authorize(policy, ['developer'], 'dev-1', info);
 * if (!decision.allowed) reply403(`User "dev@example.com" ${decision.reason}`);
 * ```
 */
export function authorize(
  policy: Policy,
  roleNames: readonly string[],
  clusterName: string,
  info: RequestInfo,
): Decision {
  const roles = resolveRoles(policy, roleNames);
  if (!info.isResourceRequest) return authorizeNonResource(roles, clusterName, info);

  const resource = info.subresource === '' ? info.resource : `${info.resource}/${info.subresource}`;
  const scope =
    info.namespace === '' ? 'at the cluster scope' : `in the namespace ${JSON.stringify(info.namespace)}`;
  const what =
    `cannot ${info.verb === '' ? '(no verb)' : info.verb} resource ${JSON.stringify(resource)} ` +
    `in API group ${JSON.stringify(info.apiGroup)} ${scope} on cluster ${JSON.stringify(clusterName)}`;
  // kube-apiserver has no verb for this HTTP method; no rule is meant to allow it.
  if (info.verb === '') return deny(undefined, `${what}: the HTTP method maps to no Kubernetes verb`);

  for (const role of roles.defined)
    for (const rule of role.deny)
      if (matches(rule, clusterName, info)) return deny(rule, `${what}: denied by ${rule.id}`);
  for (const role of roles.defined)
    for (const rule of role.allow) if (matches(rule, clusterName, info)) return allow(rule);
  if (isSelfReview(info)) {
    const reaching = reachingRule(roles.defined, clusterName);
    if (reaching) return allow(reaching, 'self-review');
  }
  return deny(undefined, `${what}: ${noRuleReason(roles, clusterName, 'allows it')}`);
}

/**
 * Whether a user with `roleNames` may do anything on `clusterName`: some allow rule of
 * theirs names the cluster, and no deny rule with `*` for everything shuts them out.
 * For listing the clusters a user can use. It can say yes for a cluster where narrower
 * deny rules happen to cancel every allow rule; `authorize` still refuses each request.
 *
 * @example
 * ```ts
 * const visible = clusters.filter((c) => canReachCluster(policy, user.roles, c.name));
 * ```
 */
export function canReachCluster(policy: Policy, roleNames: readonly string[], clusterName: string): boolean {
  return reachingRule(resolveRoles(policy, roleNames).defined, clusterName) !== undefined;
}
