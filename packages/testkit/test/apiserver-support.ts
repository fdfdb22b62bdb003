/**
 * Helpers for the API server fixture's tests: run the real kubectl with a timeout, send
 * raw HTTPS requests (to check exact response shapes), and read streamed responses
 * (watches, `kubectl get -w`) line by line until what the test waits for shows up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ApiServer, type KeyAndCert, type KubeObject, startApiServer } from '@kgate/testkit/apiserver';
import { type KubectlVersion, kubectlPath } from '@kgate/testkit/kubectl';
import { type ProcessResult, runProcess } from '@kgate/testkit/process';

export type Run = ProcessResult;

/** Runs kubectl with a kubeconfig and a hard timeout; never throws on a non-zero exit. */
export function kubectl(
  version: KubectlVersion,
  kubeconfig: string,
  args: string[],
  timeoutMs = 20_000,
): Promise<Run> {
  return runProcess(kubectlPath(version), ['--kubeconfig', kubeconfig, ...args], { timeoutMs });
}

/**
 * The fixture as the Status and watch tests use it: a short watch window and frequent
 * bookmarks (so 410s and bookmarks show up quickly), with an `api` namespace.
 */
export async function startApiTestServer(): Promise<ApiServer> {
  const server = await startApiServer({ watchWindow: 20, watchBookmarkIntervalMs: 150 });
  server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'api' } });
  return server;
}

/** A busybox pod in the `api` namespace. */
export function pod(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'api', labels },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
  };
}

/** A response body read as a Status. */
export const status = (body: unknown) =>
  body as { message: string; reason: string; code: number; details?: unknown };

/** An object's `metadata.resourceVersion`, or '' when it has none. */
export const rvOf = (obj: KubeObject | undefined) =>
  (obj?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion ?? '';

/** A temporary directory removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kgate-apiserver-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | object;
  /** Bearer token; the admin token when omitted, none when null. */
  token?: string | null;
  cert?: KeyAndCert;
}

function bodyText(body: string | object): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function options(server: ApiServer, req: RawRequest): https.RequestOptions {
  const headers: Record<string, string | string[]> = { ...(req.headers ?? {}) };
  const token = req.token === undefined ? server.adminToken : req.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (req.body !== undefined && headers['Content-Type'] === undefined)
    headers['Content-Type'] = 'application/json';
  // Node frames a DELETE body only when told its length.
  if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(bodyText(req.body)));
  const opts: https.RequestOptions = {
    host: server.host,
    port: server.port,
    method: req.method ?? 'GET',
    path: req.path,
    headers,
    ca: server.caPem,
    timeout: 10_000,
  };
  if (req.cert !== undefined) {
    opts.cert = req.cert.certPem;
    opts.key = req.cert.keyPem;
  }
  return opts;
}

/** Sends one HTTPS request to the fixture and reads the whole answer. */
export function raw(server: ApiServer, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = https.request(options(server, req), (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text) as unknown,
        });
      });
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`request to ${req.path} timed out`)));
    r.on('error', reject);
    if (req.body !== undefined) r.end(bodyText(req.body));
    else r.end();
  });
}

/** Reads a stream's lines as they arrive. */
export class LineReader {
  readonly lines: string[] = [];
  #buffer = '';
  #ended = false;
  #waiters: (() => void)[] = [];

  push(chunk: string): void {
    this.#buffer += chunk;
    let nl = this.#buffer.indexOf('\n');
    while (nl >= 0) {
      this.lines.push(this.#buffer.slice(0, nl));
      this.#buffer = this.#buffer.slice(nl + 1);
      nl = this.#buffer.indexOf('\n');
    }
    this.#wake();
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  get ended(): boolean {
    return this.#ended;
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until a line matches (searching from line `from`); rejects on timeout or end of stream. */
  async waitFor(
    match: (line: string) => boolean,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<{ line: string; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((l, i) => i >= from && match(l));
      const line = this.lines[index];
      if (index >= 0 && line !== undefined) return { line, index };
      if (this.#ended)
        throw new Error(`stream ended without the expected line; got:\n${this.lines.join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a line; got:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Opens a streamed GET (a watch) and returns its line reader; `close` aborts it. */
export function stream(
  server: ApiServer,
  req: RawRequest,
): Promise<{ status: number; reader: LineReader; close: () => void }> {
  return new Promise((resolve, reject) => {
    const r = https.request({ ...options(server, req), timeout: 0 }, (res) => {
      const reader = new LineReader();
      res.setEncoding('utf8');
      res.on('data', (c: string) => reader.push(c));
      res.on('end', () => reader.end());
      res.on('close', () => reader.end());
      res.on('error', () => reader.end());
      resolve({ status: res.statusCode ?? 0, reader, close: () => r.destroy() });
    });
    r.on('error', reject);
    r.end();
  });
}

/** Runs kubectl in the background (e.g. `get -w`), reading its stdout line by line. */
export function kubectlBackground(
  version: KubectlVersion,
  kubeconfig: string,
  args: string[],
  timeoutMs = 30_000,
): { child: ChildProcess; stdout: LineReader; stop: () => void } {
  const child = spawn(kubectlPath(version), ['--kubeconfig', kubeconfig, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new LineReader();
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (c: string) => stdout.push(c));
  child.on('close', () => stdout.end());
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return {
    child,
    stdout,
    stop: () => {
      clearTimeout(timer);
      child.kill('SIGTERM');
    },
  };
}

/** Splits a kubectl table line into its columns (two or more spaces separate them). */
export function columns(line: string): string[] {
  return line.trim().split(/\s{2,}/);
}
