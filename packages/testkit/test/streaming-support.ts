/**
 * Helpers for the streaming tests: a small HTTPS server that serves just enough of the
 * API (discovery, GET pod, the pod subresources) to route requests to the streaming
 * handlers, plus WebSocket and SPDY clients that play kubectl's part.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { localServerTls } from '@kgate/testkit/tls';
import { WebSocket } from 'ws';
import {
  handlePodLog,
  handlePodUpgrade,
  type PodRef,
  PodRuntime,
  type PodRuntimeOptions,
} from '../src/apiserver/streaming/index.ts';

export interface StreamingServer {
  url: string;
  port: number;
  ca: string;
  runtime: PodRuntime;
  pods: Map<string, PodRef>;
  addPod(pod: PodRef): void;
  deletePod(namespace: string, name: string): void;
  close(): Promise<void>;
}

const podPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(?:\/(log|exec|attach|portforward))?$/;

/** Starts the small API server on 127.0.0.1:0. */
export async function startStreamingServer(options: PodRuntimeOptions = {}): Promise<StreamingServer> {
  const { ca, cert, key } = await localServerTls();
  const runtime = new PodRuntime(options);
  const pods = new Map<string, PodRef>();
  const find = (url: URL) => {
    const match = podPath.exec(url.pathname);
    if (match === null) return undefined;
    const [, namespace = '', name = '', sub] = match;
    return { pod: pods.get(`${namespace}/${name}`), sub, namespace, name };
  };
  const server: Server = createServer({ cert, key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (serveDiscovery(url, res)) return;
    const found = find(url);
    if (found?.pod === undefined) {
      notFound(res, found?.name ?? url.pathname);
      return;
    }
    if (found.sub === 'log') handlePodLog(runtime, req, res, url, found.pod);
    else if (found.sub === undefined) json(res, 200, podObject(found.pod));
    else
      json(res, 400, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'Upgrade request required',
        code: 400,
      });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const found = find(url);
    const sub = found?.sub;
    if (found?.pod === undefined || (sub !== 'exec' && sub !== 'attach' && sub !== 'portforward')) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    handlePodUpgrade(runtime, sub, req, socket, head, url, found.pod);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    ca,
    runtime,
    pods,
    addPod(pod) {
      pods.set(`${pod.namespace}/${pod.name}`, pod);
      runtime.ensure(pod);
    },
    deletePod(namespace, name) {
      pods.delete(`${namespace}/${name}`);
      runtime.remove(namespace, name);
    },
    close: () =>
      new Promise<void>((resolve) => {
        runtime.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function notFound(res: ServerResponse, name: string): void {
  json(res, 404, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `pods "${name}" not found`,
    reason: 'NotFound',
    details: { name, kind: 'pods' },
    code: 404,
  });
}

/** Just enough discovery for kubectl to map `pods` (legacy, unaggregated). */
function serveDiscovery(url: URL, res: ServerResponse): boolean {
  if (url.pathname === '/api') {
    json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    return true;
  }
  if (url.pathname === '/apis') {
    json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    return true;
  }
  if (url.pathname === '/api/v1') {
    const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    json(res, 200, {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs, shortNames: ['po'] },
        {
          name: 'pods/attach',
          singularName: '',
          namespaced: true,
          kind: 'PodAttachOptions',
          verbs: ['create', 'get'],
        },
        {
          name: 'pods/exec',
          singularName: '',
          namespaced: true,
          kind: 'PodExecOptions',
          verbs: ['create', 'get'],
        },
        { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
        {
          name: 'pods/portforward',
          singularName: '',
          namespaced: true,
          kind: 'PodPortForwardOptions',
          verbs: ['create', 'get'],
        },
      ],
    });
    return true;
  }
  if (url.pathname === '/version') {
    json(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0' });
    return true;
  }
  return false;
}

function podObject(pod: PodRef): unknown {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: pod.name, namespace: pod.namespace, uid: `uid-${pod.name}`, resourceVersion: '1' },
    spec: {
      nodeName: 'node-1',
      containers: pod.containers.map((name, index) => ({
        name,
        image: 'example.com/echo:1',
        stdin: true,
        ...(index === 0 ? { env: Object.entries(pod.env).map(([n, value]) => ({ name: n, value })) } : {}),
        ...(index === 0 ? { ports: pod.ports.map((containerPort) => ({ containerPort })) } : {}),
      })),
    },
    status: {
      phase: 'Running',
      containerStatuses: pod.containers.map((name) => ({
        name,
        ready: true,
        started: true,
        restartCount: 0,
      })),
    },
  };
}

/** A pod with sensible defaults. */
export function pod(name: string, overrides: Partial<PodRef> = {}): PodRef {
  return {
    namespace: 'default',
    name,
    containers: ['app'],
    ports: [8080],
    env: { GREETING: 'hello' },
    ...overrides,
  };
}

/** Writes a kubeconfig for the server into a fresh temp dir; returns its path and a cleanup. */
export function kubeconfigFor(server: { url: string; ca: string }): { path: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-streaming-'));
  const file = path.join(dir, 'kubeconfig');
  const ca = Buffer.from(server.ca).toString('base64');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fixture',
      '  cluster:',
      `    server: ${server.url}`,
      `    certificate-authority-data: ${ca}`,
      'users:',
      '- name: tester',
      '  user:',
      '    token: test-token',
      'contexts:',
      '- name: fixture',
      '  context: {cluster: fixture, user: tester, namespace: default}',
      'current-context: fixture',
      '',
    ].join('\n'),
  );
  return { path: file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ChannelResult {
  protocol: string;
  /** Output per channel (text channels decoded as UTF-8). */
  channels: Map<number, Buffer>;
  /** Text of every message in order, as `channel:text`. */
  messages: { channel: number; data: Buffer }[];
  closeCode: number;
}

/** Opens a WebSocket to a pod subresource. */
export function openWebSocket(server: StreamingServer, pathAndQuery: string, protocols: string[]): WebSocket {
  return new WebSocket(`wss://127.0.0.1:${server.port}${pathAndQuery}`, protocols, { ca: server.ca });
}

/** Collects a channel.k8s.io session until the server closes it. */
export function collectChannels(ws: WebSocket, base64 = false): Promise<ChannelResult> {
  const channels = new Map<number, Buffer>();
  const messages: { channel: number; data: Buffer }[] = [];
  ws.on('message', (raw: Buffer, isBinary) => {
    let channel = raw[0] ?? 0;
    let data = raw.subarray(1);
    if (base64 && !isBinary) {
      channel -= 48;
      data = Buffer.from(data.toString('latin1'), 'base64');
    }
    messages.push({ channel, data });
    channels.set(channel, Buffer.concat([channels.get(channel) ?? Buffer.alloc(0), data]));
  });
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('close', (closeCode) => resolve({ protocol: ws.protocol, channels, messages, closeCode }));
  });
}

/** The first upgrade response of a refused WebSocket (status code and body). */
export function refusedWebSocket(ws: WebSocket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => {});
  });
}

export interface HttpResult {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** GETs a path of the server; `onChunk` sees the body as it arrives. */
export function httpsGet(
  server: { port: number; ca: string },
  pathAndQuery: string,
  onChunk?: (chunk: string) => void,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: pathAndQuery,
        ca: server.ca,
        method: 'GET',
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          onChunk?.(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${pathAndQuery} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export type UpgradeResult =
  | { upgraded: true; socket: Duplex; headers: IncomingMessage['headers'] }
  | { upgraded: false; status: number; headers: IncomingMessage['headers']; body: string };

/** Sends an upgrade request (`Upgrade: SPDY/3.1` unless told otherwise) and waits for the answer. */
export function upgradeRequest(
  server: { port: number; ca: string },
  pathAndQuery: string,
  headers: Record<string, string | string[]>,
): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: server.port,
      path: pathAndQuery,
      ca: server.ca,
      method: headers.Upgrade === 'websocket' ? 'GET' : 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', ...headers },
    });
    req.on('upgrade', (res, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      resolve({ upgraded: true, socket, headers: res.headers });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ upgraded: false, status: res.statusCode ?? 0, headers: res.headers, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads a stream to its end. */
export function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
