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
import type { OpenRequests } from './active.ts';
import type { Admission, AdmitDeps, ProxyTarget, Refusal } from './admit.ts';
import type { ProxyDecision, ProxyRecord, ProxyRecordStart, RequestRecorder } from './ports.ts';

/** The tunnel as the proxy uses it. */
export interface ProxyTunnel {
  isConnected(clusterId: string): boolean;
  openExchange(clusterId: string, handlers: ExchangeHandlers, timeoutMs?: number): Promise<TunnelExchange>;
}

/** Everything the proxy paths need. */
export interface ProxyDeps extends AdmitDeps {
  open: OpenRequests;
  tunnel: ProxyTunnel;
  signer: AssertionSigner;
  recorder: RequestRecorder | undefined;
  logger: TunnelLogger;
  streamTimeoutMs: number;
  newRequestId(): string;
  now(): number;
}

/** The `command` query parameters of an exec request (what it runs, for the audit log). */
function execCommand(info: RequestInfo | undefined, query: string): string[] | undefined {
  if (info?.subresource !== 'exec' || query === '') return undefined;
  const command = new URLSearchParams(query).getAll('command');
  return command.length > 0 ? command : undefined;
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
  readonly #sourceIp: string;
  identity: Identity | undefined;
  cluster: ClusterRef | undefined;
  info: RequestInfo | undefined;
  decision: ProxyDecision | undefined;
  status = 0;
  bytesIn = 0;
  bytesOut = 0;
  error: string | undefined;
  #begun = false;
  #recorded = false;

  constructor(deps: ProxyDeps, target: ProxyTarget, req: IncomingMessage, upgrade: boolean) {
    this.#deps = deps;
    this.requestId = deps.newRequestId();
    this.#started = deps.now();
    this.#target = target;
    this.#method = req.method ?? 'GET';
    this.#sourceIp = req.socket.remoteAddress ?? '';
    this.#upgrade = upgrade;
  }

  /** Takes what admission learnt, whether or not it let the request through. */
  admitted(admission: Admission | Refusal): void {
    this.identity = admission.identity;
    this.cluster = admission.cluster;
    this.info = admission.info;
    this.decision = admission.decision;
  }

  #start(): ProxyRecordStart {
    const info = this.info;
    const entry: ProxyRecordStart = {
      requestId: this.requestId,
      startedAt: this.#startedAt,
      sourceIp: this.#sourceIp,
      clusterName: this.#target.clusterName,
      method: this.#method,
      path: this.#target.path,
      verb: info?.verb ?? '',
      apiGroup: info?.apiGroup ?? '',
      resource: info?.resource ?? '',
      subresource: info?.subresource ?? '',
      namespace: info?.namespace ?? '',
      name: info?.name ?? '',
      upgrade: this.#upgrade,
    };
    const command = execCommand(info, this.#target.query);
    if (command !== undefined) entry.command = command;
    if (this.identity !== undefined) {
      entry.userId = this.identity.userId;
      entry.username = this.identity.username;
    }
    if (this.cluster !== undefined) entry.clusterId = this.cluster.clusterId;
    if (this.decision !== undefined) entry.decision = this.decision;
    return entry;
  }

  /**
   * Write-ahead: records the admitted request before it is forwarded. False when the
   * audit log could not take it; the caller then refuses the request (fail closed).
   */
  async begin(): Promise<boolean> {
    const recorder = this.#deps.recorder;
    if (recorder?.begin === undefined) return true;
    try {
      await recorder.begin(this.#start());
      this.#begun = true;
      return true;
    } catch (error) {
      this.#deps.logger.warn('the audit log refused a proxied request', { error: String(error) });
      return false;
    }
  }

  /**
   * Hands the record to the recorder (once). Resolves when it is written (never
   * rejects: a failure is logged), so a refusal can be on record before it is sent.
   */
  finish(): Promise<void> {
    if (this.#recorded) return Promise.resolve();
    this.#recorded = true;
    const recorder = this.#deps.recorder;
    if (recorder === undefined) return Promise.resolve();
    const entry: ProxyRecord = {
      ...this.#start(),
      durationMs: this.#deps.now() - this.#started,
      begun: this.#begun,
      status: this.status,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
    };
    if (this.error !== undefined) entry.error = this.error;
    const failed = (error: unknown) =>
      this.#deps.logger.warn('recording a proxied request failed', { error: String(error) });
    try {
      return Promise.resolve(recorder.record(entry)).catch(failed);
    } catch (error) {
      failed(error);
      return Promise.resolve();
    }
  }
}

/**
 * Tracks an admitted request while it is open, so that a change of access can close it
 * (towards the agent, and `destroy` towards the client); returns the function that stops
 * tracking it.
 */
export function trackOpen(
  deps: ProxyDeps,
  admission: Admission,
  trace: RequestTrace,
  exchange: TunnelExchange,
  destroy: () => void,
): () => void {
  return deps.open.add({
    identity: admission.identity,
    cluster: admission.cluster,
    info: admission.info,
    close(reason) {
      trace.error ??= reason;
      exchange.reset(reason);
      destroy();
    },
  });
}

/**
 * The client's headers as they enter the tunnel: end-to-end only, and without the
 * client's credential for central (the agent adds its own). For an upgrade the
 * `Upgrade` header is kept so the agent can check it too.
 */
export function tunnelRequestHeaders(
  req: IncomingMessage,
  upgrade: string | undefined,
  requestId: string,
): HeaderPair[] {
  const headers = endToEndHeaders(pairsFromRaw(req.rawHeaders), { drop: ['host', auditIdHeader] });
  // kube-apiserver takes a client's Audit-ID as its own: its audit log and central's then
  // name the request alike (and a client cannot pick the id).
  headers.push({ name: 'Audit-ID', value: requestId });
  if (upgrade !== undefined) headers.push({ name: 'Upgrade', value: upgrade });
  return headers;
}

/** The header naming a request in audit logs (kube-apiserver's `Audit-ID`), lower case. */
export const auditIdHeader = 'audit-id';

/** 503 `Status`: the audit log could not record the request, so it was not forwarded. */
export function auditUnavailableStatus(): StatusObject {
  return failureStatus(
    'ServiceUnavailable',
    'kgate-central cannot write its audit log, so the request was not forwarded; try again shortly',
    { retryAfterSeconds: 5 },
  );
}

/**
 * Response headers for the client: hop-by-hop ones and those named in `Connection`
 * dropped, and `Audit-Id` set to central's id for the request.
 */
export function clientResponseHeaders(headers: readonly HeaderPair[], requestId: string): HeaderPair[] {
  const out = endToEndHeaders(headers, { keepIdentity: true, drop: [auditIdHeader] });
  out.push({ name: 'Audit-Id', value: requestId });
  return out;
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
