/**
 * What the agent sends to the apiserver, seen by a bare HTTPS server standing in for
 * it: only the agent's own credential and the impersonation of the asserted user,
 * whatever headers reach the agent; redirects and refused upgrades are never a way to
 * reuse the agent's credential (CVE-2018-1002105, CVE-2021-31999, CVE-2022-3172).
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { createCertificateAuthority, issueServerCertificate } from '@kgate/core/pki';
import type { HeaderPair } from '../../../proto/wire/index.ts';
import { type Gateway, startGateway } from './support/gateway.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
}

let gateway: Gateway;
let backend: https.Server;
let trap: https.Server;
let backendCa: string;
const seen: Seen[] = [];
let trapHits = 0;
/** Sockets of refused upgrades, to see that the agent closes them. */
const refusedSockets: Duplex[] = [];
const saToken = 'agent-own-credential';
/** Requests each backend connection has carried; `/stale…` on a used one is dropped unanswered. */
const requestsOnSocket = new WeakMap<object, number>();
let staleDrops = 0;

function record(req: IncomingMessage): void {
  seen.push({
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    rawHeaders: req.rawHeaders,
  });
}

before(async () => {
  const ca = await createCertificateAuthority({ commonName: 'backend CA' });
  const cert = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  backendCa = ca.certPem;
  trap = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => {
    trapHits++;
    res.end('stolen');
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  const trapPort = (trap.address() as AddressInfo).port;
  backend = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    record(req);
    const carried = requestsOnSocket.get(req.socket) ?? 0;
    requestsOnSocket.set(req.socket, carried + 1);
    if (req.url?.startsWith('/stale') && carried > 0) {
      // As if the server had closed this idle keep-alive connection just as the request came.
      staleDrops++;
      req.socket.destroy();
      return;
    }
    if (req.url?.startsWith('/slow')) {
      setTimeout(() => res.end('{"kind":"Status","status":"Success"}'), 600);
      return;
    }
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(302, { location: `https://127.0.0.1:${trapPort}/steal`, 'content-length': '0' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"kind":"Status","status":"Success"}');
  });
  backend.on('upgrade', (req, socket, head) => {
    record(req);
    if (req.url?.startsWith('/refuse')) {
      // Answers, and leaves the connection open: the agent must close it.
      refusedSockets.push(socket);
      socket.on('error', () => {});
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nrefused');
      return;
    }
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: test\r\n\r\n',
    );
    if (head.length > 0) socket.write(head);
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  gateway = await startGateway({ agent: false });
  gateway.startAgent({
    target: {
      url: new URL(`https://127.0.0.1:${(backend.address() as AddressInfo).port}`),
      tls: { ca: backendCa, rejectUnauthorized: true },
      authorization: () => `Bearer ${saToken}`,
      source: 'test backend',
    },
  });
  await gateway.waitConnected();
});

after(async () => {
  await gateway.close();
  backend.closeAllConnections();
  trap.closeAllConnections();
  await new Promise((resolve) => backend.close(resolve));
  await new Promise((resolve) => trap.close(resolve));
});

interface TunnelAnswer {
  status: number;
  headers: HeaderPair[];
  body: string;
}

/** Sends a request straight into the tunnel (bypassing central's own checks). */
async function throughTunnel(
  headers: HeaderPair[],
  options: { path?: string; assertionCluster?: string; method?: string; body?: string } = {},
): Promise<TunnelAnswer> {
  const requestId = `req-${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve, reject) => {
    let status = 0;
    let head: HeaderPair[] = [];
    let body = '';
    gateway
      .tunnel()
      .openExchange(gateway.cluster.clusterId, {
        onHead(s, h) {
          status = s;
          head = h;
        },
        onData(data) {
          body += Buffer.from(data).toString();
        },
        onEnd() {
          resolve({ status, headers: head, body });
        },
        onError: (reason) => reject(new Error(reason)),
      })
      .then((exchange) => {
        exchange.open(
          {
            requestId,
            method: options.method ?? 'GET',
            path: options.path ?? '/api/v1/namespaces',
            headers,
            assertion: gateway.signer.sign(
              { userId: 'u-alice', username: 'alice', roles: ['admin'] },
              { clusterId: 'x', clusterName: options.assertionCluster ?? gateway.cluster.clusterName },
              requestId,
              exchange.assertionKey,
            ),
            upgrade: false,
          },
          options.body === undefined ? { end: true } : { data: Buffer.from(options.body), end: true },
        );
      }, reject);
  });
}

function lastSeen(): Seen {
  const last = seen.at(-1);
  assert.ok(last, 'the backend saw a request');
  return last;
}

describe('what reaches the apiserver', { timeout: 60_000 }, () => {
  test('the client’s Authorization and Impersonate-* headers never arrive, in any letter case; the asserted user does', async () => {
    const answer = await throughTunnel([
      { name: 'Authorization', value: 'Bearer stolen-cluster-admin-token' },
      { name: 'IMPERSONATE-USER', value: 'root' },
      { name: 'impersonate-group', value: 'system:masters' },
      { name: 'Impersonate-Uid', value: '0' },
      { name: 'Impersonate-Extra-Scopes', value: 'everything' },
      { name: 'X-Remote-User', value: 'root' },
      { name: 'Accept', value: 'application/json' },
    ]);
    assert.equal(answer.status, 200);
    const { headers, rawHeaders } = lastSeen();
    assert.equal(headers.authorization, `Bearer ${saToken}`);
    assert.equal(headers['impersonate-user'], 'alice');
    const groups = rawHeaders.filter(
      (_, i) => i % 2 === 1 && rawHeaders[i - 1]?.toLowerCase() === 'impersonate-group',
    );
    assert.deepEqual(groups, ['kgate:authenticated', 'kgate:role:admin']);
    assert.equal(headers['impersonate-uid'], undefined);
    assert.equal(headers['impersonate-extra-scopes'], undefined);
    assert.equal(headers['x-remote-user'], undefined);
    assert.equal(headers.accept, 'application/json');
  });

  test('a header the client names in Connection is dropped, but it cannot drop the agent’s impersonation (CVE-2021-31999)', async () => {
    await throughTunnel([
      { name: 'Connection', value: 'Impersonate-User, Impersonate-Group, X-Hop' },
      { name: 'X-Hop', value: 'hop-by-hop' },
      { name: 'X-Kept', value: 'end-to-end' },
    ]);
    const { headers } = lastSeen();
    assert.equal(headers['impersonate-user'], 'alice');
    assert.equal(headers['x-hop'], undefined);
    assert.equal(headers['x-kept'], 'end-to-end');
    assert.doesNotMatch(String(headers.connection ?? ''), /impersonate/i);
  });

  test('an assertion for another cluster is refused with a Forbidden Status and nothing reaches the apiserver', async () => {
    const before = seen.length;
    const answer = await throughTunnel([], { assertionCluster: 'another-cluster' });
    assert.equal(answer.status, 403);
    const status = JSON.parse(answer.body) as { kind: string; reason: string; message: string };
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Forbidden');
    assert.match(status.message, /meant for another cluster/);
    assert.equal(seen.length, before);
  });

  test('requests the apiserver answers slowly do not drain the idle streams central assigns requests to', async () => {
    const idle = () => gateway.tunnel().registry.list()[0]?.idleStreams ?? 0;
    const before = idle();
    assert.ok(before > 0);
    const slow = [1, 2, 3].map(() => throughTunnel([], { path: '/slow' }));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(idle(), before, 'each slow request’s stream was replaced while it waited');
    for (const answer of await Promise.all(slow)) assert.equal(answer.status, 200);
    assert.equal(idle(), before);
  });

  test('a GET on a pooled connection the apiserver closed while idle is sent again on a new one, once; a POST is not replayed', async () => {
    // A request first, so that the agent's pool holds a used connection to the backend.
    assert.equal((await throughTunnel([])).status, 200);
    const drops = staleDrops;
    const before = seen.length;
    const answer = await throughTunnel([], { path: '/stale/api/v1/namespaces' });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(staleDrops, drops + 1, 'the first attempt went out on the used connection and was dropped');
    assert.deepEqual(
      seen.slice(before).map((s) => s.url),
      ['/stale/api/v1/namespaces', '/stale/api/v1/namespaces'],
    );
    assert.equal(lastSeen().headers['impersonate-user'], 'alice', 'the retry is the same request');

    // A request with a body may have reached the apiserver: like Go's http.Transport, the
    // agent does not send it twice, and the client gets a 503 Status naming the failure.
    assert.equal((await throughTunnel([])).status, 200);
    const post = await throughTunnel([{ name: 'Content-Type', value: 'application/json' }], {
      path: '/stale/api/v1/namespaces',
      method: 'POST',
      body: '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x"}}',
    });
    assert.equal(post.status, 503);
    assert.match((JSON.parse(post.body) as { message: string }).message, /could not reach the API server/);
    assert.equal(staleDrops, drops + 2);
  });

  test('a 3xx from the apiserver reaches the client as is, and its Location is never visited with credentials', async () => {
    const token = await gateway.users.token('alice', ['admin']);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      https
        .get(`${gateway.centralUrl}/k8s/${gateway.cluster.clusterName}/redirect/api`, {
          ca: gateway.centralCaPem,
          headers: { authorization: `Bearer ${token}` },
        })
        .on('response', resolve)
        .on('error', reject);
    });
    res.resume();
    assert.equal(res.statusCode, 302);
    assert.match(String(res.headers.location), /\/steal$/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(trapHits, 0);
  });
});

/** A raw upgrade request through central; resolves with the response head and the socket. */
function upgradeThroughCentral(
  path: string,
  upgrade: string,
  token: string,
): Promise<{ head: string; socket: tls.TLSSocket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(gateway.centralUrl);
    const socket = tls.connect(
      { host: url.hostname, port: Number(url.port), ca: gateway.centralCaPem },
      () => {
        socket.write(
          `GET /k8s/${gateway.cluster.clusterName}${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n` +
            `Connection: Upgrade\r\nUpgrade: ${upgrade}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        );
      },
    );
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve({ head: buffer.subarray(0, end).toString(), socket, rest: buffer.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

describe('upgrades', { timeout: 60_000 }, () => {
  test('an accepted websocket upgrade carries bytes both ways, untouched', async () => {
    const token = await gateway.users.token('alice', ['admin']);
    const { head, socket, rest } = await upgradeThroughCentral(
      '/api/v1/namespaces/default/pods/web/exec?command=sh',
      'websocket',
      token,
    );
    assert.match(head, /^HTTP\/1\.1 101 /);
    assert.match(head, /\r\nupgrade: websocket/i);
    const payload = Buffer.from([0x82, 0x05, 1, 2, 3, 4, 5]);
    const echoed = new Promise<Buffer>((resolve) => {
      let got = rest;
      const check = () => got.length >= payload.length && resolve(got);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        check();
      });
      check();
    });
    socket.write(payload);
    assert.deepEqual(await echoed, payload);
    const { headers } = lastSeen();
    assert.equal(headers['impersonate-user'], 'alice');
    assert.equal(headers.authorization, `Bearer ${saToken}`);
    socket.destroy();
  });

  test('a refused upgrade is relayed to the client and the agent closes its apiserver connection (CVE-2018-1002105)', async () => {
    const token = await gateway.users.token('alice', ['admin']);
    const before = refusedSockets.length;
    const { head, socket } = await upgradeThroughCentral(
      '/refuse/api/v1/namespaces/default/pods/web/exec',
      'SPDY/3.1',
      token,
    );
    assert.match(head, /^HTTP\/1\.1 403 /);
    const backendSocket = refusedSockets[before];
    assert.ok(backendSocket, 'the backend saw the upgrade');
    await new Promise<void>((resolve, reject) => {
      if (backendSocket.destroyed) return resolve();
      const timer = setTimeout(() => reject(new Error('the agent kept the refused connection open')), 3000);
      backendSocket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.once('close', () => resolve());
      socket.resume();
    });
  });

  test('an upgrade to anything but SPDY/3.1 or websocket is refused before it reaches the cluster', async () => {
    const token = await gateway.users.token('alice', ['admin']);
    const before = seen.length;
    const { head, socket } = await upgradeThroughCentral(
      '/api/v1/namespaces/default/pods/web/exec',
      'h2c',
      token,
    );
    socket.destroy();
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.equal(seen.length, before);
  });
});
