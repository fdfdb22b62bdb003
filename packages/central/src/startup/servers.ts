import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody } from '../api/errors.ts';
import type { ProxyHooks } from '../hooks.ts';

/** The path prefix the Kubernetes proxy owns. */
export const PROXY_PREFIX = '/k8s/';

const TLS_OPTIONS = { minVersion: 'TLSv1.2' } as const;

/**
 * How long an idle keep-alive connection stays open: kube-apiserver's 90 s, which is also
 * how long kubectl's and client-go's transport keep one. Node's default (5 s) closed the
 * connection of a client pausing between requests, so its next request paid a new TLS
 * handshake (in central's CPU too) or met a connection closing under it.
 */
export const IDLE_CONNECTION_TIMEOUT_MS = 90_000;

function refuseUpgrade(socket: Duplex): void {
  const body = JSON.stringify(errorBody('NOT_FOUND', 'no upgrade handler for this path'));
  socket.on('error', () => {});
  socket.end(
    `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Central's HTTPS server: HTTP/1.1 only (kubectl's SPDY and WebSocket upgrades need it;
 * no ALPN h2). Requests under `/k8s/` go to the proxy first, the rest to the REST API
 * handler Fastify passes in; upgrades go to the proxy or are refused.
 */
export function createHttpsServer(
  tls: { certPem: string; keyPem: string },
  getProxy: () => ProxyHooks | undefined,
  apiHandler: (req: IncomingMessage, res: ServerResponse) => void,
): https.Server {
  const server = https.createServer({ ...TLS_OPTIONS, cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const proxy = getProxy();
    if (proxy && req.url?.startsWith(PROXY_PREFIX) && proxy.handleRequest(req, res)) return;
    apiHandler(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const proxy = getProxy();
    if (proxy?.handleUpgrade && req.url?.startsWith(PROXY_PREFIX) && proxy.handleUpgrade(req, socket, head))
      return;
    refuseUpgrade(socket);
  });
  server.keepAliveTimeout = IDLE_CONNECTION_TIMEOUT_MS;
  // A client that fails the TLS handshake is its own problem, not a server error.
  server.on('tlsClientError', () => {});
  return server;
}

/** Listens and resolves with the real port. */
export function listen(server: https.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
