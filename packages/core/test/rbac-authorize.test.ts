/**
 * Central refuses or forwards every proxied Kubernetes request on what `authorize` says.
 * A wrong answer here either locks a user out of what an admin granted, or lets them
 * reach what was denied. Requests are built from HTTP method + URL with the real
 * request-info parser, as central builds them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import {
  authorize,
  canReachCluster,
  compilePolicy,
  type Decision,
  parseRolesDocument,
  RolesInvalidError,
} from '@kgate/core/rbac';
import { parseRequestInfo, type RequestInfo } from '@kgate/core/request-info';

const ROLES = `
roles:
  - name: developer
    description: Day-to-day work in dev clusters
    rules:
      - clusters: ["dev-*"]
        namespaces: ["*"]
        api_groups: ["", "apps"]
        resources: ["pods", "deployments", "pods/log"]
        verbs: ["get", "list", "watch", "logs", "exec"]
    deny:
      - clusters: ["*"]
        resources: ["secrets"]
        verbs: ["*"]
  - name: admin
    rules:
      - clusters: ["*"]
        resources: ["*"]
        verbs: ["*"]
  - name: team-a-viewer
    rules:
      - clusters: ["*"]
        namespaces: ["team-a"]
        api_groups: [""]
        resources: ["pods"]
        verbs: ["get", "list", "watch"]
  - name: team-a-cleaner
    rules:
      - clusters: ["*"]
        namespaces: ["team-a"]
        api_groups: [""]
        resources: ["pods"]
        verbs: ["deletecollection"]
  - name: teams
    rules:
      - clusters: ["*"]
        namespaces: ["team-*"]
        resources: ["*"]
        verbs: ["*"]
  - name: shell
    rules:
      - clusters: ["dev-*"]
        namespaces: ["team-a"]
        api_groups: ["apps"]
        resources: ["deployments"]
        verbs: ["exec", "portforward"]
  - name: log-reader
    rules:
      - clusters: ["*"]
        resources: ["configmaps"]
        verbs: ["logs"]
  - name: no-shell-in-prod
    deny:
      - clusters: ["prod*"]
        resources: ["configmaps"]
        verbs: ["exec"]
  - name: widgets
    rules:
      - clusters: ["*"]
        api_groups: ["example.com"]
        resources: ["widgets", "widgets/status"]
        verbs: ["get", "list", "update"]
  - name: scaler
    rules:
      - clusters: ["*"]
        resources: ["*/scale"]
        verbs: ["get", "update", "patch"]
  - name: pod-peeker
    rules:
      - clusters: ["*"]
        api_groups: [""]
        resources: ["pods/*"]
        verbs: ["get"]
  - name: staging
    rules:
      - clusters: ["staging-?"]
        resources: ["*"]
        verbs: ["get"]
  - name: no-reviews
    deny:
      - clusters: ["*"]
        api_groups: ["authorization.k8s.io"]
        resources: ["selfsubjectaccessreviews"]
        verbs: ["create"]
  - name: locked-out-of-prod
    deny:
      - clusters: ["prod"]
        resources: ["*"]
        verbs: ["*"]
users:
  - username: dev@example.com
    roles: [developer]
`;

const policy = compilePolicy(parseRolesDocument(ROLES, { source: 'roles.yaml' }).roles);

/** `GET /api/v1/pods?watch=1` → request info, as central parses it. */
function request(line: string): RequestInfo {
  const [method = '', url = ''] = line.split(' ');
  const q = url.indexOf('?');
  return parseRequestInfo({
    method,
    path: q < 0 ? url : url.slice(0, q),
    ...(q < 0 ? {} : { query: url.slice(q + 1) }),
  });
}

interface Row {
  /** What the user would notice if this row failed. */
  user: string;
  roles: string[];
  cluster: string;
  /** `METHOD /path?query`. */
  request: string;
  /** `true`, or the rule id that allowed it; `false`, or the deny rule id that refused it. */
  allowed: boolean | string;
  denyRule?: string;
  /** The whole reason of a refusal, when the row is about its text. */
  reason?: string;
}

const rows: Row[] = [
  // The design example: dev@example.com with developer.
  {
    user: 'a developer can read a pod in a dev cluster',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/default/pods/web',
    allowed: 'developer.rules[0]',
  },
  {
    user: 'a developer can list and watch pods across all namespaces of a dev cluster',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/pods?watch=true',
    allowed: 'developer.rules[0]',
  },
  {
    user: 'a developer can read deployments (apps group)',
    roles: ['developer'],
    cluster: 'dev-2',
    request: 'GET /apis/apps/v1/namespaces/shop/deployments',
    allowed: true,
  },
  {
    user: 'a developer cannot delete a pod',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'DELETE /api/v1/namespaces/default/pods/web',
    allowed: false,
    reason:
      'cannot delete resource "pods" in API group "" in the namespace "default" on cluster "dev-1": no rule of roles developer allows it',
  },
  {
    user: 'a developer cannot do anything in prod',
    roles: ['developer'],
    cluster: 'prod',
    request: 'GET /api/v1/namespaces/default/pods/web',
    allowed: false,
  },
  {
    user: 'a developer cannot read secrets, by the deny rule',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/default/secrets/db',
    allowed: false,
    denyRule: 'developer.deny[0]',
    reason:
      'cannot get resource "secrets" in API group "" in the namespace "default" on cluster "dev-1": denied by developer.deny[0]',
  },
  {
    user: 'a developer cannot list secrets either',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/secrets',
    allowed: false,
    denyRule: 'developer.deny[0]',
  },
  {
    user: 'a developer cannot reach a group their rule does not name (batch jobs)',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /apis/batch/v1/namespaces/default/jobs',
    allowed: false,
  },
  {
    user: 'a developer cannot reach a pod subresource their rule does not name (eviction)',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'POST /api/v1/namespaces/default/pods/web/eviction',
    allowed: false,
    reason:
      'cannot create resource "pods/eviction" in API group "" in the namespace "default" on cluster "dev-1": no rule of roles developer allows it',
  },
  {
    user: 'a developer can follow pod logs',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/default/pods/web/log?follow=true',
    allowed: true,
  },
  {
    user: 'a developer can kubectl exec in a dev cluster (exec shortcut)',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'POST /api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true',
    allowed: 'developer.rules[0]',
  },
  {
    user: 'a developer cannot kubectl exec in prod',
    roles: ['developer'],
    cluster: 'prod',
    request: 'POST /api/v1/namespaces/default/pods/web/exec?command=sh',
    allowed: false,
  },

  // admin
  {
    user: 'an admin can delete anything anywhere',
    roles: ['admin'],
    cluster: 'prod',
    request: 'DELETE /api/v1/namespaces/kube-system/secrets/token',
    allowed: 'admin.rules[0]',
  },
  {
    user: 'an admin can create namespaces (cluster scope)',
    roles: ['admin'],
    cluster: 'prod',
    request: 'POST /api/v1/namespaces',
    allowed: true,
  },
  {
    user: 'an admin can delete every pod of the cluster',
    roles: ['admin'],
    cluster: 'prod',
    request: 'DELETE /api/v1/pods',
    allowed: true,
  },
  {
    user: 'an admin can exec into pods',
    roles: ['admin'],
    cluster: 'prod',
    request: 'GET /api/v1/namespaces/default/pods/web/exec?command=sh',
    allowed: true,
  },
  {
    user: 'an admin can read CRDs',
    roles: ['admin'],
    cluster: 'prod',
    request: 'GET /apis/example.com/v1/namespaces/x/widgets/w',
    allowed: true,
  },
  {
    user: 'an admin who also has developer is still refused secrets: a deny of any role wins',
    roles: ['admin', 'developer'],
    cluster: 'prod',
    request: 'GET /api/v1/namespaces/default/secrets/db',
    allowed: false,
    denyRule: 'developer.deny[0]',
  },

  // Namespace-limited rules.
  {
    user: 'a team-a viewer can list pods in team-a',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/team-a/pods',
    allowed: 'team-a-viewer.rules[0]',
  },
  {
    user: 'a team-a viewer can watch pods in team-a',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/team-a/pods?watch=1',
    allowed: true,
  },
  {
    user: 'a team-a viewer cannot list pods across all namespaces',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/pods',
    allowed: false,
    reason:
      'cannot list resource "pods" in API group "" at the cluster scope on cluster "dev-1": no rule of roles team-a-viewer allows it',
  },
  {
    user: 'a team-a viewer cannot watch pods across all namespaces',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/pods?watch=true',
    allowed: false,
  },
  {
    user: 'a team-a viewer cannot list pods in team-b',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/team-b/pods',
    allowed: false,
  },
  {
    user: 'a team-a viewer cannot read the team-b namespace object',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/team-b',
    allowed: false,
    reason:
      'cannot get resource "namespaces" in API group "" in the namespace "team-b" on cluster "dev-1": no rule of roles team-a-viewer allows it',
  },
  {
    user: 'a team-a viewer cannot read nodes (cluster-scoped)',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /api/v1/nodes',
    allowed: false,
  },
  {
    user: 'a team-a viewer cannot delete all pods of team-a',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'DELETE /api/v1/namespaces/team-a/pods',
    allowed: false,
  },
  {
    user: 'a team-a cleaner can delete all pods of team-a',
    roles: ['team-a-viewer', 'team-a-cleaner'],
    cluster: 'dev-1',
    request: 'DELETE /api/v1/namespaces/team-a/pods',
    allowed: 'team-a-cleaner.rules[0]',
  },
  {
    user: 'a team-a cleaner cannot delete the pods of every namespace',
    roles: ['team-a-cleaner'],
    cluster: 'dev-1',
    request: 'DELETE /api/v1/pods',
    allowed: false,
  },
  {
    user: 'a namespace glob (team-*) reaches matching namespaces',
    roles: ['teams'],
    cluster: 'dev-1',
    request: 'PATCH /apis/apps/v1/namespaces/team-x/deployments/web',
    allowed: 'teams.rules[0]',
  },
  {
    user: 'a namespace glob (team-*) with resources * still cannot reach cluster-scoped nodes',
    roles: ['teams'],
    cluster: 'dev-1',
    request: 'GET /api/v1/nodes/n1',
    allowed: false,
  },
  {
    user: 'a namespace glob (team-*) cannot create namespaces',
    roles: ['teams'],
    cluster: 'dev-1',
    request: 'POST /api/v1/namespaces',
    allowed: false,
  },
  {
    user: 'a namespace glob (team-*) does not match other namespaces',
    roles: ['teams'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/kube-system/pods',
    allowed: false,
  },

  // Verb shortcuts.
  {
    user: 'exec grants kubectl exec over SPDY (POST pods/exec) whatever the rule resources say',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'POST /api/v1/namespaces/team-a/pods/web/exec?command=sh&stdin=true&tty=true',
    allowed: 'shell.rules[0]',
  },
  {
    user: 'exec grants kubectl exec over WebSocket (GET pods/exec)',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/team-a/pods/web/exec?command=sh',
    allowed: true,
  },
  {
    user: 'exec grants kubectl attach',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'POST /api/v1/namespaces/team-a/pods/web/attach?stdin=true',
    allowed: true,
  },
  {
    user: 'portforward grants kubectl port-forward',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'POST /api/v1/namespaces/team-a/pods/web/portforward',
    allowed: true,
  },
  {
    user: 'portforward grants port-forward over WebSocket',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/team-a/pods/web/portforward?ports=8080',
    allowed: true,
  },
  {
    user: 'exec does not grant logs',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/team-a/pods/web/log',
    allowed: false,
  },
  {
    user: 'exec and portforward alone do not grant reading the resources the rule names',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'GET /apis/apps/v1/namespaces/team-a/deployments/web',
    allowed: false,
  },
  {
    user: 'exec stays within the rule namespaces',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'POST /api/v1/namespaces/team-b/pods/web/exec?command=sh',
    allowed: false,
    reason:
      'cannot create resource "pods/exec" in API group "" in the namespace "team-b" on cluster "dev-1": no rule of roles shell allows it',
  },
  {
    user: 'exec stays within the rule clusters',
    roles: ['shell'],
    cluster: 'prod',
    request: 'POST /api/v1/namespaces/team-a/pods/web/exec?command=sh',
    allowed: false,
  },
  {
    user: 'exec does not grant deleting the exec subresource (only create and get)',
    roles: ['shell'],
    cluster: 'dev-1',
    request: 'DELETE /api/v1/namespaces/team-a/pods/web/exec',
    allowed: false,
  },
  {
    user: 'logs grants kubectl logs whatever the rule resources say',
    roles: ['log-reader'],
    cluster: 'prod',
    request: 'GET /api/v1/namespaces/default/pods/web/log?container=app',
    allowed: 'log-reader.rules[0]',
  },
  {
    user: 'logs does not grant reading the pod itself',
    roles: ['log-reader'],
    cluster: 'prod',
    request: 'GET /api/v1/namespaces/default/pods/web',
    allowed: false,
  },
  {
    user: 'logs does not grant reading the resources the rule names',
    roles: ['log-reader'],
    cluster: 'prod',
    request: 'GET /api/v1/namespaces/default/configmaps/c',
    allowed: false,
  },
  {
    user: 'exec in a deny rule refuses kubectl exec whatever its resources say',
    roles: ['admin', 'no-shell-in-prod'],
    cluster: 'prod',
    request: 'POST /api/v1/namespaces/default/pods/web/exec?command=sh',
    allowed: false,
    denyRule: 'no-shell-in-prod.deny[0]',
  },
  {
    user: 'exec in a deny rule refuses kubectl attach over WebSocket',
    roles: ['admin', 'no-shell-in-prod'],
    cluster: 'prod-eu',
    request: 'GET /api/v1/namespaces/default/pods/web/attach?stdin=true',
    allowed: false,
    denyRule: 'no-shell-in-prod.deny[0]',
  },
  {
    user: 'exec in a deny rule leaves logs and reads alone',
    roles: ['admin', 'no-shell-in-prod'],
    cluster: 'prod',
    request: 'GET /api/v1/namespaces/default/pods/web/log',
    allowed: 'admin.rules[0]',
  },
  {
    user: 'exec in a deny rule does not deny the resources it names',
    roles: ['admin', 'no-shell-in-prod'],
    cluster: 'prod',
    request: 'GET /api/v1/namespaces/default/configmaps/c',
    allowed: true,
  },
  {
    user: 'exec in a deny rule applies only on its clusters',
    roles: ['admin', 'no-shell-in-prod'],
    cluster: 'dev-1',
    request: 'POST /api/v1/namespaces/default/pods/web/exec?command=sh',
    allowed: true,
  },

  // API groups and resource patterns.
  {
    user: 'a CRD rule reaches widgets in its group',
    roles: ['widgets'],
    cluster: 'dev-1',
    request: 'GET /apis/example.com/v1/namespaces/x/widgets',
    allowed: 'widgets.rules[0]',
  },
  {
    user: 'a CRD rule does not reach a resource of the same name in another group',
    roles: ['widgets'],
    cluster: 'dev-1',
    request: 'GET /apis/other.example.org/v1/namespaces/x/widgets',
    allowed: false,
    reason:
      'cannot list resource "widgets" in API group "other.example.org" in the namespace "x" on cluster "dev-1": no rule of roles widgets allows it',
  },
  {
    user: 'a CRD rule naming widgets/status reaches the status subresource',
    roles: ['widgets'],
    cluster: 'dev-1',
    request: 'PUT /apis/example.com/v1/namespaces/x/widgets/w/status',
    allowed: true,
  },
  {
    user: 'a CRD rule naming widgets does not reach other subresources',
    roles: ['widgets'],
    cluster: 'dev-1',
    request: 'PUT /apis/example.com/v1/namespaces/x/widgets/w/scale',
    allowed: false,
  },
  {
    user: '*/scale reaches the scale subresource of any resource',
    roles: ['scaler'],
    cluster: 'dev-1',
    request: 'PATCH /apis/apps/v1/namespaces/shop/deployments/web/scale',
    allowed: 'scaler.rules[0]',
  },
  {
    user: '*/scale does not reach the resources themselves',
    roles: ['scaler'],
    cluster: 'dev-1',
    request: 'PATCH /apis/apps/v1/namespaces/shop/deployments/web',
    allowed: false,
  },
  {
    user: 'pods/* reaches any subresource of pods',
    roles: ['pod-peeker'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/default/pods/web/log',
    allowed: true,
  },
  {
    user: 'pods/* does not reach the pods themselves',
    roles: ['pod-peeker'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/default/pods/web',
    allowed: false,
  },
  {
    user: 'a cluster glob with ? matches one character',
    roles: ['staging'],
    cluster: 'staging-1',
    request: 'GET /api/v1/namespaces/default/pods/web',
    allowed: true,
  },
  {
    user: 'a cluster glob with ? does not match two characters',
    roles: ['staging'],
    cluster: 'staging-10',
    request: 'GET /api/v1/namespaces/default/pods/web',
    allowed: false,
  },
  {
    user: 'a cluster glob is anchored: it does not match a longer name',
    roles: ['developer'],
    cluster: 'predev-1',
    request: 'GET /api/v1/namespaces/default/pods/web',
    allowed: false,
  },

  // Discovery and the reviews Kubernetes grants every user.
  {
    user: 'kubectl can read the server version of a cluster the user can use',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /version',
    allowed: 'developer.rules[0]',
  },
  {
    user: 'kubectl can read API discovery',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /apis/apps/v1',
    allowed: true,
  },
  {
    user: 'kubectl can read the core API discovery',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /api',
    allowed: true,
  },
  {
    user: 'kubectl can read OpenAPI documents',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'GET /openapi/v3/apis/apps/v1?hash=abc',
    allowed: true,
  },
  {
    user: 'a health probe with HEAD works',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'HEAD /healthz',
    allowed: true,
  },
  {
    user: 'discovery is refused on a cluster the user cannot use',
    roles: ['developer'],
    cluster: 'prod',
    request: 'GET /version',
    allowed: false,
    reason:
      'cannot get path "/version" on cluster "prod": no rule of roles developer applies to cluster "prod"',
  },
  {
    user: 'non-resource paths take no writes',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'POST /version',
    allowed: false,
  },
  {
    user: 'a developer cannot read apiserver metrics',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /metrics',
    allowed: false,
  },
  {
    user: 'a developer cannot read the control plane log files',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'GET /logs/kube-apiserver.log',
    allowed: false,
  },
  {
    user: 'an admin can read apiserver metrics',
    roles: ['admin'],
    cluster: 'prod',
    request: 'GET /metrics',
    allowed: 'admin.rules[0]',
  },
  {
    user: 'kubectl auth can-i works for any user of the cluster',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    allowed: 'team-a-viewer.rules[0]',
  },
  {
    user: 'kubectl auth can-i --list works for any user of the cluster',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    allowed: true,
  },
  {
    user: 'kubectl auth whoami works for any user of the cluster',
    roles: ['developer'],
    cluster: 'dev-1',
    request: 'POST /apis/authentication.k8s.io/v1/selfsubjectreviews',
    allowed: true,
  },
  {
    user: 'kubectl auth can-i is refused on a cluster the user cannot use',
    roles: ['developer'],
    cluster: 'prod',
    request: 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    allowed: false,
  },
  {
    user: 'a review resource in the wrong group is not granted to everyone',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'POST /apis/authentication.k8s.io/v1/selfsubjectaccessreviews',
    allowed: false,
  },
  {
    user: 'access reviews (subjectaccessreviews, about other users) are not granted to everyone',
    roles: ['team-a-viewer'],
    cluster: 'dev-1',
    request: 'POST /apis/authorization.k8s.io/v1/subjectaccessreviews',
    allowed: false,
  },
  {
    user: 'a deny rule can take kubectl auth can-i away',
    roles: ['team-a-viewer', 'no-reviews'],
    cluster: 'dev-1',
    request: 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    allowed: false,
    denyRule: 'no-reviews.deny[0]',
  },

  // Role names.
  {
    user: 'a user without roles can do nothing',
    roles: [],
    cluster: 'dev-1',
    request: 'GET /version',
    allowed: false,
    reason: 'cannot get path "/version" on cluster "dev-1": the user has no roles',
  },
  {
    user: 'a role name nobody defined grants nothing, and the refusal says so',
    roles: ['ghost'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/default/pods',
    allowed: false,
    reason:
      'cannot list resource "pods" in API group "" in the namespace "default" on cluster "dev-1": no rule of roles ghost allows it (role ghost is not defined)',
  },
  {
    user: 'an undefined role next to a defined one does not get in the way',
    roles: ['ghost', 'admin'],
    cluster: 'dev-1',
    request: 'GET /api/v1/namespaces/default/pods',
    allowed: 'admin.rules[0]',
  },
  {
    user: 'a total deny shuts a user out of a cluster, discovery included',
    roles: ['admin', 'locked-out-of-prod'],
    cluster: 'prod',
    request: 'GET /version',
    allowed: false,
    denyRule: 'locked-out-of-prod.deny[0]',
  },
  {
    user: 'a total deny on one cluster leaves the others',
    roles: ['admin', 'locked-out-of-prod'],
    cluster: 'prod-2',
    request: 'GET /api/v1/nodes',
    allowed: true,
  },

  // Requests without a Kubernetes verb.
  {
    user: 'an HTTP method kube-apiserver has no verb for is refused, even to an admin',
    roles: ['admin'],
    cluster: 'dev-1',
    request: 'OPTIONS /api/v1/namespaces/default/pods',
    allowed: false,
    reason:
      'cannot (no verb) resource "pods" in API group "" in the namespace "default" on cluster "dev-1": the HTTP method maps to no Kubernetes verb',
  },
];

function check(row: Row, decision: Decision): void {
  if (row.allowed === false) {
    assert.equal(decision.allowed, false, `expected a refusal, got ${JSON.stringify(decision)}`);
    if (decision.allowed) return;
    assert.equal(decision.rule, row.denyRule, decision.reason);
    if (row.reason !== undefined) assert.equal(decision.reason, row.reason);
    return;
  }
  assert.equal(decision.allowed, true, decision.allowed ? '' : decision.reason);
  if (!decision.allowed) return;
  if (typeof row.allowed === 'string') assert.equal(decision.rule, row.allowed);
}

for (const row of rows) {
  test(`${row.user} (${row.request} on ${row.cluster} as ${row.roles.join(',') || 'nobody'})`, () => {
    check(row, authorize(policy, row.roles, row.cluster, request(row.request)));
  });
}

test('an allow by what Kubernetes grants every user is marked built-in, with the rule that reaches the cluster', () => {
  assert.deepEqual(authorize(policy, ['developer'], 'dev-1', request('GET /apis')), {
    allowed: true,
    role: 'developer',
    rule: 'developer.rules[0]',
    builtIn: 'discovery',
  });
  assert.deepEqual(
    authorize(
      policy,
      ['developer'],
      'dev-1',
      request('POST /apis/authentication.k8s.io/v1/selfsubjectreviews'),
    ),
    { allowed: true, role: 'developer', rule: 'developer.rules[0]', builtIn: 'self-review' },
  );
  assert.deepEqual(authorize(policy, ['developer'], 'dev-1', request('GET /api/v1/pods')), {
    allowed: true,
    role: 'developer',
    rule: 'developer.rules[0]',
  });
});

test('a refusal by a deny rule names the role and the rule', () => {
  assert.deepEqual(authorize(policy, ['developer'], 'dev-1', request('GET /api/v1/namespaces/a/secrets/s')), {
    allowed: false,
    role: 'developer',
    rule: 'developer.deny[0]',
    reason:
      'cannot get resource "secrets" in API group "" in the namespace "a" on cluster "dev-1": denied by developer.deny[0]',
  });
});

test('a role listed twice for a user is named once in the refusal', () => {
  const decision = authorize(policy, ['developer', 'developer'], 'prod', request('GET /api/v1/nodes'));
  assert.equal(decision.allowed, false);
  assert.match(decision.allowed ? '' : decision.reason, /: no rule of roles developer allows it$/);
});

const reach: Array<[string, string[], string, boolean]> = [
  ['a developer sees dev clusters in the cluster list', ['developer'], 'dev-1', true],
  ['a developer does not see prod in the cluster list', ['developer'], 'prod', false],
  ['an admin sees every cluster', ['admin'], 'prod', true],
  ['a namespace-limited user still sees the clusters of their rules', ['team-a-viewer'], 'prod', true],
  ['a user without roles sees no cluster', [], 'dev-1', false],
  ['a role nobody defined shows no cluster', ['ghost'], 'dev-1', false],
  ['a deny-only role shows no cluster', ['no-reviews'], 'dev-1', false],
  ['a total deny hides the cluster', ['admin', 'locked-out-of-prod'], 'prod', false],
  ['a total deny hides only its own clusters', ['admin', 'locked-out-of-prod'], 'prod-2', true],
  ['a narrower deny does not hide the cluster', ['admin', 'no-shell-in-prod'], 'prod', true],
];
for (const [what, roles, cluster, want] of reach) {
  test(`${what} (canReachCluster)`, () => {
    assert.equal(canReachCluster(policy, roles, cluster), want);
  });
}

test('compilePolicy refuses invalid roles, naming the role and the field', () => {
  assert.throws(
    () =>
      compilePolicy([
        {
          name: 'ops',
          rules: [
            { clusters: ['*'], namespaces: ['*'], api_groups: ['*'], resources: ['pods'], verbs: ['gett'] },
          ],
          deny: [],
        },
      ]),
    (error: unknown) =>
      error instanceof RolesInvalidError &&
      isKgateError(error, 'INVALID_ARGUMENT') &&
      error.message.startsWith('role "ops": rules[0].verbs[0]: unknown verb "gett" (known: get, list, '),
  );
});

test('compilePolicy refuses two roles with one name (which one would apply is undecidable)', () => {
  const role = {
    name: 'ops',
    rules: [{ clusters: ['*'], namespaces: ['*'], api_groups: ['*'], resources: ['pods'], verbs: ['get'] }],
    deny: [],
  };
  assert.throws(() => compilePolicy([role, role]), /roles\[1\]: name "ops" duplicates roles\[0\]/);
});

test('a policy is not changed by later changes to the roles it was compiled from', () => {
  const roles = parseRolesDocument(
    'roles: [{ name: r, rules: [{ clusters: ["*"], resources: [pods], verbs: [get] }] }]',
  ).roles;
  const compiled = compilePolicy(roles);
  roles[0]?.rules[0]?.verbs.push('delete');
  assert.equal(authorize(compiled, ['r'], 'c', request('DELETE /api/v1/namespaces/d/pods/p')).allowed, false);
});
