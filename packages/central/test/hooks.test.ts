import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import type { AgentListenerContext, CentralServices, ProxyHooks } from '@kgate/central';
import { removeDataDir, request, startTestCentral } from './helpers/central.ts';

/** Sends an upgrade request over TLS and returns the raw response head. */
function upgrade(port: number, ca: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
  });
}

test('the proxy hook gets /k8s/ requests and upgrades first, with the services to authenticate them', async (t) => {
  const seen: string[] = [];
  let services: CentralServices | undefined;
  const proxy = (s: CentralServices): ProxyHooks => {
    services = s;
    return {
      handleRequest(req, res) {
        seen.push(`request ${req.url}`);
        if (req.url?.startsWith('/k8s/pass/')) return false;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`proxied ${req.url}`);
        return true;
      },
      handleUpgrade(req, socket) {
        seen.push(`upgrade ${req.url}`);
        if (!req.url?.startsWith('/k8s/up/')) return false;
        socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
        return true;
      },
    };
  };
  const c = await startTestCentral({ proxy });
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  assert.ok(services?.auth.verifyAccessToken, 'the proxy gets the auth services');
  const proxied = await c.req('GET', '/k8s/prod/api/v1/pods');
  assert.equal(proxied.status, 200);
  assert.equal(proxied.text, 'proxied /k8s/prod/api/v1/pods');
  const passed = await c.req('GET', '/k8s/pass/api');
  assert.equal(passed.status, 401, 'declined by the proxy: the API answers (and wants a token)');
  const api = await c.req('GET', '/healthz');
  assert.equal(api.status, 200);
  assert.deepEqual(seen, ['request /k8s/prod/api/v1/pods', 'request /k8s/pass/api']);

  assert.match(await upgrade(c.central.port, c.central.caCertPem, '/k8s/up/exec'), /^HTTP\/1\.1 101 /);
  assert.match(await upgrade(c.central.port, c.central.caCertPem, '/k8s/down/exec'), /^HTTP\/1\.1 404 /);
  assert.match(await upgrade(c.central.port, c.central.caCertPem, '/healthz'), /^HTTP\/1\.1 404 /);
  assert.deepEqual(seen.slice(2), ['upgrade /k8s/up/exec', 'upgrade /k8s/down/exec']);
});

test('by default the /k8s/ proxy answers upgrades and requests, refusing anonymous ones with a Status', async (t) => {
  const c = await startTestCentral();
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  assert.match(await upgrade(c.central.port, c.central.caCertPem, '/k8s/x/exec'), /^HTTP\/1\.1 401 /);
  assert.match(await upgrade(c.central.port, c.central.caCertPem, '/healthz'), /^HTTP\/1\.1 404 /);
  const res = await c.req<{ kind: string; reason: string }>('GET', '/k8s/x/api');
  assert.equal(res.status, 401);
  assert.equal(res.json.kind, 'Status');
  assert.equal(res.json.reason, 'Unauthorized');
});

test('an agent listener factory gets the agent address, TLS material and services, and its port is reported', async (t) => {
  let context: AgentListenerContext | undefined;
  const c = await startTestCentral({
    agentListener: async (_services, ctx) => {
      context = ctx;
      const server = https.createServer({ cert: ctx.tls.certPem, key: ctx.tls.keyPem }, (_req, res) =>
        res.end('tunnel'),
      );
      await new Promise<void>((resolve) => server.listen(ctx.port, ctx.host, resolve));
      return {
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },
  });
  t.after(async () => {
    await c.stop();
    removeDataDir(c.dataDir);
  });
  assert.equal(context?.host, '127.0.0.1');
  assert.equal(context?.port, 0);
  assert.equal(context?.tls.caPem, c.central.caCertPem);
  const res = await request({ url: c.central.agentUrl, caCertPem: c.central.caCertPem }, 'GET', '/');
  assert.equal(res.text, 'tunnel');
});
