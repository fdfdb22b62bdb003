/**
 * Authorization by a flat RBAC-style rule table, matching like kube's RBAC authorizer
 * (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac): verbs, apiGroups, resources
 * (`pods`, `pods/log`, `*`, `*​/log`), resourceNames, nonResourceURLs (exact, `*`,
 * `prefix*`). `namespaces` restricts a rule like a RoleBinding would. The
 * `system:masters` group may do everything, and every authenticated user gets the
 * default discovery and basic-user permissions.
 */
import { allAuthenticated, mastersGroup, type UserInfo } from './user.ts';

export interface RbacSubject {
  kind: 'User' | 'Group';
  name: string;
}

/** One rule: who (subjects) may do what (a PolicyRule), optionally only in some namespaces. */
export interface RbacRule {
  subjects: RbacSubject[];
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  /** Namespaces the rule applies in; empty or absent = everywhere (cluster-wide). */
  namespaces?: string[];
  nonResourceURLs?: string[];
}

/** authorizer.Attributes: what a request (or an impersonation step) asks to do. */
export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  path: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/** What system:discovery, system:public-info-viewer and system:basic-user grant. */
const defaultRules: RbacRule[] = [
  {
    subjects: [{ kind: 'Group', name: allAuthenticated }],
    verbs: ['get'],
    nonResourceURLs: [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/healthz',
      '/livez',
      '/readyz',
      '/version',
      '/version/',
      '/openapi',
      '/openapi/*',
    ],
  },
  {
    subjects: [{ kind: 'Group', name: allAuthenticated }],
    verbs: ['create'],
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  },
  {
    subjects: [{ kind: 'Group', name: allAuthenticated }],
    verbs: ['create'],
    apiGroups: ['authentication.k8s.io'],
    resources: ['selfsubjectreviews'],
  },
];

function subjectMatches(rule: RbacRule, user: UserInfo): boolean {
  return rule.subjects.some((s) => (s.kind === 'User' ? s.name === user.name : user.groups.includes(s.name)));
}

function resourceMatches(rule: RbacRule, resource: string, subresource: string): boolean {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`),
  );
}

function nonResourceMatches(rule: RbacRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

function ruleAllows(rule: RbacRule, a: Attributes): boolean {
  if (!subjectMatches(rule, a.user)) return false;
  if (!rule.verbs.some((v) => v === '*' || v === a.verb)) return false;
  if (!a.isResourceRequest) return nonResourceMatches(rule, a.path);
  if (!(rule.apiGroups ?? []).some((g) => g === '*' || g === a.apiGroup)) return false;
  if (!resourceMatches(rule, a.resource, a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  if (names.length > 0 && !names.includes(a.name)) return false;
  const namespaces = rule.namespaces ?? [];
  if (namespaces.length > 0 && !namespaces.includes(a.namespace)) return false;
  return true;
}

/** Whether the rule table (plus the built-in defaults) allows the request. */
export function authorize(rules: readonly RbacRule[], a: Attributes): boolean {
  if (a.user.groups.includes(mastersGroup)) return true;
  return defaultRules.some((r) => ruleAllows(r, a)) || rules.some((r) => ruleAllows(r, a));
}

/** responsewriters.forbiddenMessage: `User "jane" cannot list resource "pods" in API group "" …`. */
export function forbiddenReason(a: Attributes): string {
  if (!a.isResourceRequest) return `User "${a.user.name}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  const scope = a.namespace === '' ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
  return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
}
