/**
 * What the request and upgrade paths of the proxy share: the dependencies, the
 * per-request bookkeeping that becomes a {@link ProxyRecord}, and the headers that
 * enter the tunnel.
 */
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import { failureStatus, type StatusObject } from '@kgate/core/k8s-status';
import type { RequestInfo } from '@kgate/core/request-info';
import type { ExchangeHandlers, TunnelExchange } from '../tunnel/exchange.ts';
import type { AssertionSigner, ClusterRef, Identity, TunnelLogger } from '../tunnel/ports.ts';
import { endToEndHeaders, type HeaderPair, hopByHopHeaders, pairsFromRaw } from '../tunnel/proto.ts';
import type { AdmitDeps, ProxyTarget } from './admit.ts';
import type { ProxyRecord, RequestRecorder } from './ports.ts';

/** The tunnel as the proxy uses it. */
export interface ProxyTunnel {
  isConnected(clusterId: string): boolean;
  openExchange(clusterId: string, handlers: ExchangeHandlers, timeoutMs?: number): Promise<TunnelExchange>;
}

/** Everything the proxy paths need. */
export interface ProxyDeps extends AdmitDeps {
  tunnel: ProxyTunnel;
  signer: AssertionSigner;
  recorder: RequestRecorder | undefined;
  logger: TunnelLogger;
  streamTimeoutMs: number;
  newRequestId(): string;
  now(): number;
}

/** Collects what a {@link ProxyRecord} says about one request while it runs. */
export class RequestTrace {
  readonly requestId: string;
  readonly #deps: ProxyDeps;
  readonly #started: number;
  readonly #startedAt = new Date();
  readonly #target: ProxyTarget;
  readonly #method: string;
  readonly #upgrade: boolean;
  identity: Identity | undefined;
  cluster: ClusterRef | undefined;
  info: RequestInfo | undefined;
  status = 0;
  bytesIn = 0;
  bytesOut = 0;
  error: string | undefined;
  #recorded = false;

  constructor(deps: ProxyDeps, target: ProxyTarget, method: string, upgrade: boolean) {
    this.#deps = deps;
    this.requestId = deps.newRequestId();
    this.#started = deps.now();
    this.#target = target;
    this.#method = method;
    this.#upgrade = upgrade;
  }

  /** Hands the record to the recorder (once). */
  finish(): void {
    if (this.#recorded) return;
    this.#recorded = true;
    const recorder = this.#deps.recorder;
    if (recorder === undefined) return;
    const info = this.info;
    const entry: ProxyRecord = {
      requestId: this.requestId,
      startedAt: this.#startedAt,
      durationMs: this.#deps.now() - this.#started,
      clusterName: this.#target.clusterName,
      method: this.#method,
      path: this.#target.path,
      verb: info?.verb ?? '',
      apiGroup: info?.apiGroup ?? '',
      resource: info?.resource ?? '',
      subresource: info?.subresource ?? '',
      namespace: info?.namespace ?? '',
      name: info?.name ?? '',
      status: this.status,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      upgrade: this.#upgrade,
    };
    if (this.identity !== undefined) {
      entry.userId = this.identity.userId;
      entry.username = this.identity.username;
    }
    if (this.cluster !== undefined) entry.clusterId = this.cluster.clusterId;
    if (this.error !== undefined) entry.error = this.error;
    try {
      Promise.resolve(recorder.record(entry)).catch((error: unknown) =>
        this.#deps.logger.warn('recording a proxied request failed', { error: String(error) }),
      );
    } catch (error) {
      this.#deps.logger.warn('recording a proxied request failed', { error: String(error) });
    }
  }
}

/**
 * The client's headers as they enter the tunnel: end-to-end only, and without the
 * client's credential for central (the agent adds its own). For an upgrade the
 * `Upgrade` header is kept so the agent can check it too.
 */
export function tunnelRequestHeaders(req: IncomingMessage, upgrade: string | undefined): HeaderPair[] {
  const headers = endToEndHeaders(pairsFromRaw(req.rawHeaders), { drop: ['host'] });
  if (upgrade !== undefined) headers.push({ name: 'Upgrade', value: upgrade });
  return headers;
}

/** Response headers for the client: hop-by-hop ones and those named in `Connection` dropped. */
export function clientResponseHeaders(headers: readonly HeaderPair[]): HeaderPair[] {
  return endToEndHeaders(headers, { keepIdentity: true });
}

/** The response headers of a 101: `Connection`/`Upgrade` belong to the switch and are kept. */
export function switchingHeaders(headers: readonly HeaderPair[]): HeaderPair[] {
  return headers.filter((h) => {
    const lower = h.name.toLowerCase();
    return lower === 'connection' || lower === 'upgrade' || !hopByHopHeaders.has(lower);
  });
}

/** Whether the request has a body to send (a length > 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** 502 `Status`: the agent failed the tunnelled request before any response reached the client. */
export function agentFailedStatus(cluster: ClusterRef, reason: string): StatusObject {
  return failureStatus(
    'InternalError',
    `the agent of cluster "${cluster.clusterName}" failed: ${reason}`,
    {},
    502,
  );
}

/** 503 `Status`: no agent session of the cluster could take the request. */
export function agentUnavailableStatus(cluster: ClusterRef, why: string): StatusObject {
  return failureStatus(
    'ServiceUnavailable',
    `the agent of cluster "${cluster.clusterName}" is not connected to kgate-central (${why})`,
    { name: cluster.clusterName, kind: 'clusters', retryAfterSeconds: 5 },
  );
}

/**
 * The tunnel's `onData` towards the client: counts the bytes and, when the client's
 * buffer is full, pauses this one stream until it drains (so a slow reader stalls only
 * its own request, through HTTP/2 flow control back to the agent).
 */
export function writeToClient(
  trace: RequestTrace,
  client: Writable,
  exchange: () => TunnelExchange | undefined,
): (data: Uint8Array) => void {
  return (data) => {
    trace.bytesOut += data.length;
    if (!client.write(data)) {
      exchange()?.pause();
      client.once('drain', () => exchange()?.resume());
    }
  };
}
