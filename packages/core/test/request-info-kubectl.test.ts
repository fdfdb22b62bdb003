/**
 * What real kubectl sends must parse, and parse to what it does: if kgate refused a
 * request kubectl makes, or read it as a different verb, users would be blocked or
 * authorized for the wrong thing. A small plain-HTTP server answers just enough for kubectl
 * (legacy discovery, one pod) and records every request.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { parseRequestInfo, type RequestInfo } from '@kgate/core/request-info';
import { type KubectlVersion, kubectlPath } from '@kgate/testkit/kubectl';

const pod = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '7', uid: 'u1' },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
  status: { phase: 'Running' },
};

const routes: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      {
        name: 'pods',
        singularName: 'pod',
        namespaced: true,
        kind: 'Pod',
        verbs: ['get', 'list', 'watch', 'delete', 'deletecollection', 'create', 'patch', 'update'],
        shortNames: ['po'],
      },
      { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    ],
  },
  '/api/v1/namespaces/default/pods': {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '7' },
    items: [pod],
  },
  '/api/v1/namespaces/default/pods/web': pod,
};

interface Seen {
  method: string;
  url: string;
}

let server: http.Server;
let base: string;
let dir: string;
const seen: Seen[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kgate-request-info-'));
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    seen.push({ method: req.method ?? '', url });
    const { pathname, searchParams } = new URL(url, 'http://x');
    if (searchParams.get('watch') === 'true') {
      // An empty watch stream: kubectl sees the watch end and exits.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end();
      return;
    }
    if (pathname.endsWith('/log')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello\n');
      return;
    }
    const body = routes[pathname];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Runs kubectl and returns the requests it made (its exit status does not matter here). */
async function requestsOf(version: KubectlVersion, args: string[]): Promise<Seen[]> {
  const start = seen.length;
  await new Promise<void>((resolve) => {
    execFile(
      kubectlPath(version),
      ['--server', base, '--cache-dir', path.join(dir, `cache-${version}`), '--request-timeout=10s', ...args],
      { env: { ...process.env, KUBECONFIG: path.join(dir, 'none.yaml') }, timeout: 30_000 },
      () => resolve(),
    );
  });
  return seen.slice(start);
}

function parse(request: Seen): RequestInfo {
  const q = request.url.indexOf('?');
  return parseRequestInfo({
    method: request.method,
    path: q < 0 ? request.url : request.url.slice(0, q),
    query: q < 0 ? '' : request.url.slice(q + 1),
  });
}

/** Every request parses; returns the resource requests' summaries. */
function summaries(requests: Seen[]): string[] {
  assert.ok(requests.length > 0, 'kubectl made no request');
  return requests
    .map(parse)
    .filter((info) => info.isResourceRequest)
    .map(
      (info) => `${info.verb} ${info.resource}${info.subresource ? `/${info.subresource}` : ''} ${info.name}`,
    );
}

for (const version of ['1.27', '1.33'] as const) {
  test(`kubectl ${version} get pods is accepted and read as a list (no discovery request refused)`, async () => {
    const got = summaries(await requestsOf(version, ['get', 'pods', '-n', 'default']));
    assert.ok(got.includes('list pods '), got.join('; '));
  });

  test(`kubectl ${version} get pod -w is read as a get, then a watch narrowed to the pod`, async () => {
    const got = summaries(await requestsOf(version, ['get', 'pod', 'web', '-n', 'default', '-w']));
    assert.ok(got.includes('get pods web'), got.join('; '));
    assert.ok(got.includes('watch pods web'), got.join('; '));
  });

  test(`kubectl ${version} logs is read as get on pods/log`, async () => {
    const got = summaries(await requestsOf(version, ['logs', 'web', '-n', 'default']));
    assert.ok(got.includes('get pods/log web'), got.join('; '));
  });
}

test('kubectl get --raw with a typed trailing slash is refused, with a hint naming the path without it', async () => {
  const requests = await requestsOf('1.33', ['get', '--raw', '/api/v1/namespaces/default/pods/']);
  const raw = requests.find((r) => r.url.startsWith('/api/v1/namespaces/default/pods'));
  assert.ok(raw, 'kubectl did not send the raw path');
  assert.equal(
    raw.url.split('?')[0],
    '/api/v1/namespaces/default/pods/',
    'kubectl keeps a typed trailing slash',
  );
  assert.throws(
    () => parse(raw),
    (err: unknown) =>
      isKgateError(err, 'REQUEST_PATH_INVALID') &&
      /ends with "\/"/.test(err.message) &&
      err.hint === 'remove the trailing slash: /api/v1/namespaces/default/pods',
  );
});
