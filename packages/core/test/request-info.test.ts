/**
 * Request info must agree with kube-apiserver's `RequestInfoFactory` (the cases of
 * k8s.io/apiserver `requestinfo_test.go`, plus what kubectl sends for logs, exec, proxies
 * and watches): a disagreement means kgate authorizes or audits a different request from
 * the one the cluster runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestInfo, type RequestInfo } from '@kgate/core/request-info';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'get';

interface Row {
  /** What a user would notice if this row failed. */
  user: string;
  method: Method;
  /** Path, optionally with `?query` (split off and passed as the raw query). */
  url: string;
  /** [verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts] */
  want: [string, string, string, string, string, string, string, string, string[]];
  /** Selector fields, when the request records them. */
  selectors?: Pick<RequestInfo, 'fieldSelector' | 'labelSelector'>;
}

const resourceRows: Row[] = [
  // Ported from upstream: resource paths.
  {
    user: 'listing namespaces is checked as list namespaces',
    method: 'GET',
    url: '/api/v1/namespaces',
    want: ['list', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
  },
  {
    user: 'reading one namespace is checked as get on that namespace, inside itself',
    method: 'GET',
    url: '/api/v1/namespaces/other',
    want: ['get', 'api', '', 'v1', 'other', 'namespaces', '', 'other', ['namespaces', 'other']],
  },
  {
    user: 'listing pods in a namespace is scoped to that namespace',
    method: 'GET',
    url: '/api/v1/namespaces/other/pods',
    want: ['list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
  },
  {
    user: 'reading one pod names the pod',
    method: 'GET',
    url: '/api/v1/namespaces/other/pods/foo',
    want: ['get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
  },
  {
    user: 'HEAD on a pod is checked as get, not refused as an unknown verb',
    method: 'HEAD',
    url: '/api/v1/namespaces/other/pods/foo',
    want: ['get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
  },
  {
    user: 'listing pods in all namespaces has no namespace',
    method: 'GET',
    url: '/api/v1/pods',
    want: ['list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
  },
  {
    user: 'HEAD on a collection is checked as list',
    method: 'HEAD',
    url: '/api/v1/pods',
    want: ['list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
  },
  // Ported: special verbs in the path.
  {
    user: 'the old /proxy/ prefix is checked as the proxy verb on the pod',
    method: 'GET',
    url: '/api/v1/proxy/namespaces/other/pods/foo',
    want: ['proxy', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
  },
  {
    user: 'a path after the old /proxy/ prefix is passed through, never taken as a subresource',
    method: 'GET',
    url: '/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource',
    want: [
      'proxy',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
      ['pods', 'foo', 'subpath', 'not', 'a', 'subresource'],
    ],
  },
  {
    user: 'the old /watch/ prefix is checked as watch',
    method: 'GET',
    url: '/api/v1/watch/pods',
    want: ['watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
  },
  {
    user: 'kubectl get pods -A -w is checked as watch, not list',
    method: 'GET',
    url: '/api/v1/pods?watch=true',
    want: ['watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
  },
  {
    user: 'watch=false is a plain list',
    method: 'GET',
    url: '/api/v1/pods?watch=false',
    want: ['list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
  },
  {
    user: 'the old /watch/ prefix keeps the namespace',
    method: 'GET',
    url: '/api/v1/watch/namespaces/other/pods',
    want: ['watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
  },
  {
    user: 'watch=1 watches',
    method: 'GET',
    url: '/api/v1/namespaces/other/pods?watch=1',
    want: ['watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
  },
  {
    user: 'watch=0 lists',
    method: 'GET',
    url: '/api/v1/namespaces/other/pods?watch=0',
    want: ['list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
  },
  // Ported: subresources.
  {
    user: 'reading pod status is checked on pods/status',
    method: 'GET',
    url: '/api/v1/namespaces/other/pods/foo/status',
    want: ['get', 'api', '', 'v1', 'other', 'pods', 'status', 'foo', ['pods', 'foo', 'status']],
  },
  {
    user: 'a pod proxy path is checked on pods/proxy and keeps the proxied path',
    method: 'GET',
    url: '/api/v1/namespaces/other/pods/foo/proxy/subpath',
    want: ['get', 'api', '', 'v1', 'other', 'pods', 'proxy', 'foo', ['pods', 'foo', 'proxy', 'subpath']],
  },
  {
    user: 'finalizing a namespace is update on namespaces/finalize, not a resource named finalize',
    method: 'PUT',
    url: '/api/v1/namespaces/other/finalize',
    want: [
      'update',
      'api',
      '',
      'v1',
      'other',
      'namespaces',
      'finalize',
      'other',
      ['namespaces', 'other', 'finalize'],
    ],
  },
  {
    user: 'updating namespace status is update on namespaces/status',
    method: 'PUT',
    url: '/api/v1/namespaces/other/status',
    want: [
      'update',
      'api',
      '',
      'v1',
      'other',
      'namespaces',
      'status',
      'other',
      ['namespaces', 'other', 'status'],
    ],
  },
  // Ported: verbs from methods.
  {
    user: 'kubectl patch is checked as patch',
    method: 'PATCH',
    url: '/api/v1/namespaces/other/pods/foo',
    want: ['patch', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
  },
  {
    user: 'deleting one pod is delete',
    method: 'DELETE',
    url: '/api/v1/namespaces/other/pods/foo',
    want: ['delete', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
  },
  {
    user: 'creating a pod is create',
    method: 'POST',
    url: '/api/v1/namespaces/other/pods',
    want: ['create', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
  },
  // Ported: deletecollection.
  {
    user: 'deleting all nodes is deletecollection, not delete',
    method: 'DELETE',
    url: '/api/v1/nodes',
    want: ['deletecollection', 'api', '', 'v1', '', 'nodes', '', '', ['nodes']],
  },
  {
    user: 'deleting all namespaces is deletecollection',
    method: 'DELETE',
    url: '/api/v1/namespaces',
    want: ['deletecollection', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
  },
  {
    user: 'deleting all pods of a namespace is deletecollection in that namespace',
    method: 'DELETE',
    url: '/api/v1/namespaces/other/pods',
    want: ['deletecollection', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
  },
  {
    user: 'deletecollection in a named API group keeps the group',
    method: 'DELETE',
    url: '/apis/extensions/v1/namespaces/other/pods',
    want: ['deletecollection', 'apis', 'extensions', 'v1', 'other', 'pods', '', '', ['pods']],
  },
  // Ported: group and version.
  {
    user: 'a create in a named group is checked against that group',
    method: 'POST',
    url: '/apis/extensions/v1/namespaces/other/pods',
    want: ['create', 'apis', 'extensions', 'v1', 'other', 'pods', '', '', ['pods']],
  },
  {
    user: 'a beta version is kept as the API version',
    method: 'POST',
    url: '/apis/extensions/v1beta3/namespaces/other/pods',
    want: ['create', 'apis', 'extensions', 'v1beta3', 'other', 'pods', '', '', ['pods']],
  },
  // Ported from upstream's resource/non-resource table.
  {
    user: 'any version string after /api is read as the version',
    method: 'GET',
    url: '/api/version/resource',
    want: ['list', 'api', '', 'version', '', 'resource', '', '', ['resource']],
  },
  {
    user: 'a subresource of a cluster-scoped object in a group is found',
    method: 'GET',
    url: '/apis/group/version/resource/name/subresource',
    want: [
      'get',
      'apis',
      'group',
      'version',
      '',
      'resource',
      'subresource',
      'name',
      ['resource', 'name', 'subresource'],
    ],
  },
  {
    user: 'a subresource of a cluster-scoped core object is found',
    method: 'GET',
    url: '/api/version/resource/name/subresource',
    want: [
      'get',
      'api',
      '',
      'version',
      '',
      'resource',
      'subresource',
      'name',
      ['resource', 'name', 'subresource'],
    ],
  },
  {
    user: 'a list in a named group is a list',
    method: 'GET',
    url: '/apis/batch/v1/job',
    want: ['list', 'apis', 'batch', 'v1', '', 'job', '', '', ['job']],
  },
  {
    user: 'a get in a named group names the object',
    method: 'GET',
    url: '/apis/batch/v1/job/foo',
    want: ['get', 'apis', 'batch', 'v1', '', 'job', '', 'foo', ['job', 'foo']],
  },
  {
    user: 'the scale subresource in a named group is found',
    method: 'GET',
    url: '/apis/batch/v1/job/foo/scale',
    want: ['get', 'apis', 'batch', 'v1', '', 'job', 'scale', 'foo', ['job', 'foo', 'scale']],
  },
  // kubectl's own requests.
  {
    user: 'kubectl logs is checked on pods/log',
    method: 'GET',
    url: '/api/v1/namespaces/ns/pods/web/log?container=app&follow=true',
    want: ['get', 'api', '', 'v1', 'ns', 'pods', 'log', 'web', ['pods', 'web', 'log']],
  },
  {
    user: 'kubectl exec over WebSocket (a GET) is checked on pods/exec',
    method: 'GET',
    url: '/api/v1/namespaces/ns/pods/web/exec?command=sh&stdin=true&stdout=true&tty=true',
    want: ['get', 'api', '', 'v1', 'ns', 'pods', 'exec', 'web', ['pods', 'web', 'exec']],
  },
  {
    user: 'kubectl exec over SPDY (a POST) is create on pods/exec',
    method: 'POST',
    url: '/api/v1/namespaces/ns/pods/web/exec?command=ls',
    want: ['create', 'api', '', 'v1', 'ns', 'pods', 'exec', 'web', ['pods', 'web', 'exec']],
  },
  {
    user: 'kubectl attach is create on pods/attach',
    method: 'POST',
    url: '/api/v1/namespaces/ns/pods/web/attach?stdin=true&stdout=true',
    want: ['create', 'api', '', 'v1', 'ns', 'pods', 'attach', 'web', ['pods', 'web', 'attach']],
  },
  {
    user: 'kubectl port-forward over WebSocket is get on pods/portforward',
    method: 'GET',
    url: '/api/v1/namespaces/ns/pods/web/portforward?ports=8080',
    want: ['get', 'api', '', 'v1', 'ns', 'pods', 'portforward', 'web', ['pods', 'web', 'portforward']],
  },
  {
    user: 'kubectl port-forward over SPDY is create on pods/portforward',
    method: 'POST',
    url: '/api/v1/namespaces/ns/pods/web/portforward',
    want: ['create', 'api', '', 'v1', 'ns', 'pods', 'portforward', 'web', ['pods', 'web', 'portforward']],
  },
  {
    user: 'a pod proxy keeps every segment of the proxied path',
    method: 'GET',
    url: '/api/v1/namespaces/ns/pods/p/proxy/some/path',
    want: ['get', 'api', '', 'v1', 'ns', 'pods', 'proxy', 'p', ['pods', 'p', 'proxy', 'some', 'path']],
  },
  {
    user: 'a service proxy with scheme and port in the name is checked on services/proxy',
    method: 'GET',
    url: '/api/v1/namespaces/ns/services/https:web:443/proxy/api/health',
    want: [
      'get',
      'api',
      '',
      'v1',
      'ns',
      'services',
      'proxy',
      'https:web:443',
      ['services', 'https:web:443', 'proxy', 'api', 'health'],
    ],
  },
  {
    user: 'a web UI reached through kubectl proxy (trailing slash) still works',
    method: 'GET',
    url: '/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/',
    want: [
      'get',
      'api',
      '',
      'v1',
      'kubernetes-dashboard',
      'services',
      'proxy',
      'https:kubernetes-dashboard:',
      ['services', 'https:kubernetes-dashboard:', 'proxy'],
    ],
  },
  {
    user: 'a directory URL deep in a service proxy keeps working',
    method: 'GET',
    url: '/api/v1/namespaces/ns/services/web/proxy/static/',
    want: ['get', 'api', '', 'v1', 'ns', 'services', 'proxy', 'web', ['services', 'web', 'proxy', 'static']],
  },
  {
    user: 'kubelet metrics through nodes/proxy are checked on nodes/proxy',
    method: 'GET',
    url: '/api/v1/nodes/n1/proxy/metrics',
    want: ['get', 'api', '', 'v1', '', 'nodes', 'proxy', 'n1', ['nodes', 'n1', 'proxy', 'metrics']],
  },
  {
    user: 'a ClusterProfile status update is checked on clusterprofiles/status in its group',
    method: 'PUT',
    url: '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/ns/clusterprofiles/x/status',
    want: [
      'update',
      'apis',
      'multicluster.x-k8s.io',
      'v1alpha1',
      'ns',
      'clusterprofiles',
      'status',
      'x',
      ['clusterprofiles', 'x', 'status'],
    ],
  },
  {
    user: 'the old /watch/ prefix on one object names it',
    method: 'GET',
    url: '/api/v1/watch/namespaces/ns/pods/web',
    want: ['watch', 'api', '', 'v1', 'ns', 'pods', '', 'web', ['pods', 'web']],
  },
  {
    user: 'a watch parameter on a single-object GET is ignored, as the API server does',
    method: 'GET',
    url: '/api/v1/namespaces/ns/pods/web?watch=true',
    want: ['get', 'api', '', 'v1', 'ns', 'pods', '', 'web', ['pods', 'web']],
  },
  {
    user: 'an RBAC name with colons percent-encoded is decoded like the API server does',
    method: 'GET',
    url: '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Acontroller%3Ajob-controller',
    want: [
      'get',
      'apis',
      'rbac.authorization.k8s.io',
      'v1',
      '',
      'clusterroles',
      '',
      'system:controller:job-controller',
      ['clusterroles', 'system:controller:job-controller'],
    ],
  },
  {
    user: 'an encoded non-ASCII name is decoded as UTF-8',
    method: 'GET',
    url: '/api/v1/namespaces/ns/configmaps/caf%C3%A9',
    want: ['get', 'api', '', 'v1', 'ns', 'configmaps', '', 'café', ['configmaps', 'café']],
  },
  {
    user: 'watch given twice with the same meaning is accepted',
    method: 'GET',
    url: '/api/v1/pods?watch=true&watch=1',
    want: ['watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
  },
  {
    user: 'an empty watch value watches, as the API server reads it',
    method: 'GET',
    url: '/api/v1/pods?watch=',
    want: ['watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
  },
  {
    user: 'watch=FALSE lists (the API server ignores case)',
    method: 'GET',
    url: '/api/v1/pods?watch=FALSE',
    want: ['list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
  },
  {
    user: 'an HTTP method the API server does not map (OPTIONS) gets no verb, so no rule allows it',
    method: 'OPTIONS',
    url: '/api/v1/namespaces/ns/pods',
    want: ['', 'api', '', 'v1', 'ns', 'pods', '', '', ['pods']],
  },
  {
    user: 'a lower-case method gets no verb, as in Go where methods are case-sensitive',
    method: 'get',
    url: '/api/v1/namespaces/ns/pods',
    want: ['', 'api', '', 'v1', 'ns', 'pods', '', '', ['pods']],
  },
  {
    user: 'a list by name through a field selector is narrowed to that name',
    method: 'GET',
    url: '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dweb',
    want: ['list', 'api', '', 'v1', 'ns', 'pods', '', 'web', ['pods']],
    selectors: { fieldSelector: 'metadata.name=web' },
  },
  {
    user: 'kubectl get pod web -w (field selector + watch) is a watch on web',
    method: 'GET',
    url: '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dweb&resourceVersion=0&watch=true',
    want: ['watch', 'api', '', 'v1', 'ns', 'pods', '', 'web', ['pods']],
    selectors: { fieldSelector: 'metadata.name=web' },
  },
  {
    user: 'a deletecollection records its selectors but takes no name from them',
    method: 'DELETE',
    url: '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dweb&labelSelector=app%3Dweb',
    want: ['deletecollection', 'api', '', 'v1', 'ns', 'pods', '', '', ['pods']],
    selectors: { fieldSelector: 'metadata.name=web', labelSelector: 'app=web' },
  },
];

function split(url: string): { path: string; query: string | undefined } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: undefined } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

for (const row of resourceRows) {
  test(`${row.user} (${row.method} ${row.url})`, () => {
    const { path, query } = split(row.url);
    const [verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts] = row.want;
    const expected: RequestInfo = {
      isResourceRequest: true,
      path,
      verb,
      apiPrefix,
      apiGroup,
      apiVersion,
      namespace,
      resource,
      subresource,
      name,
      parts,
      ...row.selectors,
    };
    assert.deepEqual(parseRequestInfo({ method: row.method, path, query }), expected);
  });
}

/** Not resources: discovery, health and OpenAPI. [method, url, verb] */
const nonResourceRows: [string, Method, string, string][] = [
  ['the server root', 'GET', '/', 'get'],
  ['kubectl version', 'GET', '/version?timeout=32s', 'get'],
  ['health checks', 'GET', '/healthz', 'get'],
  ['liveness checks', 'GET', '/livez', 'get'],
  ['readiness checks', 'GET', '/readyz', 'get'],
  ['a HEAD health check (verb is the lower-case method)', 'HEAD', '/healthz', 'head'],
  ['OpenAPI v2', 'GET', '/openapi/v2', 'get'],
  ['the OpenAPI v3 index', 'GET', '/openapi/v3', 'get'],
  ['one OpenAPI v3 group document', 'GET', '/openapi/v3/apis/apps/v1?hash=ABC123', 'get'],
  ['core discovery', 'GET', '/api?timeout=32s', 'get'],
  ['group discovery', 'GET', '/apis?timeout=32s', 'get'],
  ['one group', 'GET', '/apis/apps', 'get'],
  ['core v1 discovery (too short to be a resource)', 'GET', '/api/v1', 'get'],
  ['a group version discovery', 'GET', '/apis/apps/v1', 'get'],
  ['an upstream "group without enough steps"', 'GET', '/apis/extensions/v1beta1', 'get'],
  ['an upstream "not enough steps"', 'GET', '/api/version', 'get'],
  ['a path under neither prefix', 'GET', '/not-api/version/resource', 'get'],
  ['upstream "bad prefix"', 'GET', '/badprefix/version/resource', 'get'],
  ['upstream "missing api group" (three segments under /apis)', 'GET', '/apis/version/resource', 'get'],
  ['a POST to a discovery path (verb is the lower-case method)', 'POST', '/api', 'post'],
  [
    'OIDC discovery (a segment starting with a dot is not a dot-segment)',
    'GET',
    '/.well-known/openid-configuration',
    'get',
  ],
  ['metrics', 'GET', '/metrics', 'get'],
];

for (const [what, method, url, verb] of nonResourceRows) {
  test(`${what} is a non-resource request checked by path, not a resource (${method} ${url})`, () => {
    const { path, query } = split(url);
    assert.deepEqual(parseRequestInfo({ method, path, query }), {
      isResourceRequest: false,
      path,
      verb,
      apiPrefix: '',
      apiGroup: '',
      apiVersion: '',
      namespace: '',
      resource: '',
      subresource: '',
      name: '',
      parts: [],
    } satisfies RequestInfo);
  });
}

test('a parsed URLSearchParams query is read like the raw query string', () => {
  const query = new URLSearchParams({ fieldSelector: 'metadata.name=web', watch: 'true' });
  const info = parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/ns/pods', query });
  assert.equal(info.verb, 'watch');
  assert.equal(info.name, 'web');
});

test('a query given with its leading "?" is read the same as without', () => {
  const a = parseRequestInfo({ method: 'GET', path: '/api/v1/pods', query: '?watch=true' });
  assert.equal(a.verb, 'watch');
});
