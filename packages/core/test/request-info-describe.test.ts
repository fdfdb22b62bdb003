/**
 * The readings of request info that audit rows, error messages and RBAC checks show users.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeRequest,
  isReadOnlyRequest,
  isReadOnlyVerb,
  parseRequestInfo,
  resourceWithSubresource,
} from '@kgate/core/request-info';

function info(method: string, url: string) {
  const q = url.indexOf('?');
  return parseRequestInfo({
    method,
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? undefined : url.slice(q + 1),
  });
}

// [user-visible meaning, method, url, summary]
const summaries: [string, string, string, string][] = [
  [
    'a namespaced list names its namespace',
    'GET',
    '/api/v1/namespaces/default/pods',
    'list pods in namespace "default"',
  ],
  ['a list across all namespaces names none', 'GET', '/api/v1/pods', 'list pods'],
  [
    'a watch says watch',
    'GET',
    '/api/v1/namespaces/default/pods?watch=true',
    'watch pods in namespace "default"',
  ],
  [
    'a watch narrowed by field selector names the object',
    'GET',
    '/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dweb',
    'watch pods "web" in namespace "default"',
  ],
  [
    'a subresource is shown the way RBAC names it',
    'GET',
    '/api/v1/namespaces/shop/pods/web/log',
    'get pods/log "web" in namespace "shop"',
  ],
  [
    'a named group is shown as resource.group, like kubectl',
    'PUT',
    '/apis/apps/v1/namespaces/shop/deployments/web/scale',
    'update deployments.apps/scale "web" in namespace "shop"',
  ],
  ['a cluster-scoped object has no namespace', 'DELETE', '/api/v1/nodes/n1', 'delete nodes "n1"'],
  [
    'a namespace object is not said to be inside itself',
    'GET',
    '/api/v1/namespaces/team-a',
    'get namespaces "team-a"',
  ],
  [
    'a namespace subresource is not said to be inside itself',
    'PUT',
    '/api/v1/namespaces/team-a/finalize',
    'update namespaces/finalize "team-a"',
  ],
  ['a non-resource request shows its path', 'GET', '/healthz', 'get /healthz'],
  ['a method with no verb is visible as such', 'OPTIONS', '/api/v1/pods', '(no verb) pods'],
  [
    'a name with quotes cannot break out of its quotes',
    'GET',
    '/api/v1/namespaces/ns/configmaps/a%22b',
    'get configmaps "a\\"b" in namespace "ns"',
  ],
];

for (const [meaning, method, url, summary] of summaries) {
  test(`audit summary: ${meaning} (${method} ${url})`, () => {
    assert.equal(describeRequest(info(method, url)), summary);
  });
}

test('only get, list, watch and a non-resource HEAD count as read-only verbs', () => {
  for (const verb of ['get', 'list', 'watch', 'head']) assert.equal(isReadOnlyVerb(verb), true, verb);
  for (const verb of [
    'create',
    'update',
    'patch',
    'delete',
    'deletecollection',
    'proxy',
    'post',
    'options',
    '',
  ])
    assert.equal(isReadOnlyVerb(verb), false, verb);
});

test('kubectl exec, attach, port-forward and proxies over GET are not treated as read-only', () => {
  for (const sub of ['exec', 'attach', 'portforward', 'proxy']) {
    const request = info('GET', `/api/v1/namespaces/ns/pods/web/${sub}`);
    assert.equal(request.verb, 'get');
    assert.equal(isReadOnlyRequest(request), false, sub);
  }
  assert.equal(isReadOnlyRequest(info('GET', '/api/v1/proxy/namespaces/ns/pods/web')), false);
  assert.equal(isReadOnlyRequest(info('GET', '/api/v1/nodes/n1/proxy/metrics')), false);
});

test('reading logs, status, lists and health is read-only; writes are not', () => {
  assert.equal(isReadOnlyRequest(info('GET', '/api/v1/namespaces/ns/pods/web/log')), true);
  assert.equal(isReadOnlyRequest(info('GET', '/api/v1/namespaces/ns/pods/web/status')), true);
  assert.equal(isReadOnlyRequest(info('GET', '/api/v1/pods?watch=true')), true);
  assert.equal(isReadOnlyRequest(info('GET', '/healthz')), true);
  assert.equal(isReadOnlyRequest(info('PATCH', '/api/v1/namespaces/ns/pods/web')), false);
  assert.equal(isReadOnlyRequest(info('POST', '/api/v1/namespaces/ns/pods/web/exec')), false);
  assert.equal(isReadOnlyRequest(info('POST', '/healthz')), false);
});

test('RBAC resource strings: pods, pods/log, and nothing for non-resource requests', () => {
  assert.equal(resourceWithSubresource(info('GET', '/api/v1/namespaces/ns/pods')), 'pods');
  assert.equal(resourceWithSubresource(info('GET', '/api/v1/namespaces/ns/pods/web/log')), 'pods/log');
  assert.equal(
    resourceWithSubresource(info('GET', '/api/v1/namespaces/ns/services/web/proxy/x/y')),
    'services/proxy',
  );
  assert.equal(resourceWithSubresource(info('GET', '/api/v1/proxy/namespaces/ns/pods/web/x')), 'pods');
  assert.equal(resourceWithSubresource(info('GET', '/apis/apps/v1')), '');
  assert.equal(resourceWithSubresource(info('GET', '/healthz')), '');
});
