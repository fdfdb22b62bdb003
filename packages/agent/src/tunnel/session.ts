/**
 * One session of the agent with central, on one mutually authenticated HTTP/2
 * connection: the Control stream (heartbeats out, acks and "open more streams" in), the
 * idle Proxy streams central assigns requests to, and the renewal of the agent's
 * certificate when its time comes.
 *
 * A session ends at once (its connection destroyed, requests on it cut) when central or
 * the network ends it. When the agent moves to a renewed certificate it is *retired*
 * instead: it stops heartbeats and idle streams, ends its control stream (central ends
 * the session and stops assigning requests to it) and closes the connection once the
 * requests still running on it have finished, so that a renewal fails no request.
 */
import type http2 from 'node:http2';
import type { Client } from '@connectrpc/connect';
import type { ClusterFacts } from '../apiserver/metadata.ts';
import type { Logger } from '../log.ts';
import type { AssertionVerifier } from './assertion.ts';
import {
  type AgentService,
  AsyncQueue,
  FrameChannel,
  grpcContentType,
  type Open,
  type ProxyFrame,
  proxyRpcPath,
  sessionHeader,
} from './proto.ts';

/** The ConnectRPC client of one connection. */
export type AgentServiceClient = Client<typeof AgentService>;

/** Serves a Proxy call central assigned (its first frame holds `open`). */
export type ServeExchange = (
  channel: FrameChannel,
  first: ProxyFrame & { open: Open },
  verifier: AssertionVerifier,
  replenish: () => void,
) => void;

/** Options of a {@link TunnelSession}. */
export interface TunnelSessionOptions {
  connection: http2.ClientHttp2Session;
  client: AgentServiceClient;
  sessionId: string;
  heartbeatIntervalMs: number;
  verifier: AssertionVerifier;
  idleStreams: number;
  /** The cluster facts sent with heartbeats, as last read. */
  facts(): ClusterFacts;
  /** Reads the facts again (every `factsRefreshMs`). */
  refreshFacts(): void;
  factsRefreshMs: number;
  serve: ServeExchange;
  /** How long a request may hold its stream before a replacement is opened regardless. */
  replenishAfterMs: number;
  /** When to ask for the next certificate, and when the certificate of this connection expires. */
  renewAt: Date;
  expiresAt: Date;
  /** Gets and keeps the next certificate over this session; rejects when it could not. */
  renew(client: AgentServiceClient, sessionId: string): Promise<void>;
  logger: Logger;
}

/** How a session stopped being the agent's current one. */
export type SessionOutcome = { renewed: true } | { renewed: false; reason: string };

type ControlInit = { message: { case: 'heartbeat'; value: { sequence: bigint } & ClusterFacts } };

/** The longest delay `setTimeout` takes. */
const maxTimerMs = 2 ** 31 - 1;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class TunnelSession {
  /**
   * Resolves once: `renewed` when this session got the agent's next certificate (the
   * agent then connects with it, and retires this session once the new one is up), or
   * why the session ended.
   */
  readonly outcome: Promise<SessionOutcome>;
  /** Resolves when the connection is gone, with why. */
  readonly closed: Promise<string>;
  readonly #options: TunnelSessionOptions;
  readonly #outbox = new AsyncQueue<ControlInit>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #settle: (outcome: SessionOutcome) => void = () => {};
  #close: (reason: string) => void = () => {};
  #ended = false;
  #retiring = false;

  constructor(options: TunnelSessionOptions) {
    this.#options = options;
    this.outcome = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.closed = new Promise((resolve) => {
      this.#close = resolve;
    });
    this.#start();
  }

  /** Whether it still takes new requests (not ended, not retiring). */
  get serving(): boolean {
    return !this.#ended && !this.#retiring;
  }

  /** Ends the session at once: the connection and every request on it. */
  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#outbox.close();
    this.#settle({ renewed: false, reason });
    this.#options.connection.destroy();
    this.#close(reason);
  }

  /**
   * Hands over to the agent's newer session: no more heartbeats or idle streams, the
   * control stream ends (central ends this session), and the connection closes when the
   * requests still running on it have finished — at the latest when its certificate expires.
   */
  retire(): void {
    if (this.#ended || this.#retiring) return;
    this.#retiring = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#outbox.close();
    const { connection } = this.#options;
    if (!connection.closed && !connection.destroyed) connection.close();
    this.#later(() => this.end('its certificate expired'), this.#options.expiresAt.getTime() - Date.now());
  }

  #later(run: () => void, delayMs: number): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        run();
      },
      Math.min(maxTimerMs, Math.max(0, delayMs)),
    );
    this.#timers.add(timer);
  }

  #every(run: () => void, intervalMs: number): void {
    const timer: NodeJS.Timeout = setInterval(run, intervalMs);
    this.#timers.add(timer);
  }

  #start(): void {
    const options = this.#options;
    const { connection, client, sessionId } = options;
    const interval = Math.max(options.heartbeatIntervalMs, 50);
    let lastAck = Date.now();
    let sequence = 0n;

    void (async () => {
      try {
        const headers = { [sessionHeader]: sessionId };
        for await (const response of client.control(this.#outbox, { headers })) {
          if (response.message.case === 'heartbeatAck') lastAck = Date.now();
          else if (response.message.case === 'openStreams')
            for (let i = 0; i < Math.min(response.message.value.count, 256); i++) this.#openIdle();
        }
        if (!this.#retiring) this.end('central ended the control stream');
      } catch (error) {
        if (!this.#retiring) this.end(`the control stream failed: ${errorText(error)}`);
      }
    })();

    this.#every(() => {
      if (Date.now() - lastAck > 2 * interval) {
        this.end(`no heartbeat answer from central for ${2 * interval} ms`);
        return;
      }
      sequence++;
      this.#outbox.push({ message: { case: 'heartbeat', value: { sequence, ...options.facts() } } });
    }, interval);
    this.#every(() => options.refreshFacts(), options.factsRefreshMs);
    this.#later(() => this.#renew(), options.renewAt.getTime() - Date.now());

    connection.once('close', () => this.end(this.#retiring ? 'retired' : 'the connection to central closed'));
    connection.once('goaway', () => {
      if (!this.#retiring) this.end('central is going away');
    });
    connection.on('error', (error) => this.end(`the connection to central failed: ${errorText(error)}`));
    for (let i = 0; i < options.idleStreams; i++) this.#openIdle();
  }

  /** Asks for the next certificate; retries until this one expires. */
  #renew(): void {
    if (!this.serving) return;
    const { logger, expiresAt } = this.#options;
    this.#options.renew(this.#options.client, this.#options.sessionId).then(
      () => {
        if (!this.#ended) this.#settle({ renewed: true });
      },
      (error: unknown) => {
        const leftMs = expiresAt.getTime() - Date.now();
        if (!this.serving || leftMs <= 0) return;
        const retryInMs = Math.round(Math.min(30_000, Math.max(1000, leftMs / 4)));
        logger.warn('renewing the client certificate failed', { error: errorText(error), retryInMs });
        this.#later(() => this.#renew(), retryInMs);
      },
    );
  }

  #openIdle(): void {
    const { connection, sessionId, serve, verifier, replenishAfterMs } = this.#options;
    if (!this.serving || connection.destroyed || connection.closed) return;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = connection.request({
        ':method': 'POST',
        ':path': proxyRpcPath,
        'content-type': grpcContentType,
        te: 'trailers',
        [sessionHeader]: sessionId,
      });
    } catch {
      return;
    }
    stream.on('error', () => {});
    const channel: FrameChannel = new FrameChannel(stream, {
      onFrame: (frame) => {
        if (frame.open === undefined) {
          channel.destroy();
          return;
        }
        let replaced = false;
        const replenish = () => {
          if (replaced) return;
          replaced = true;
          clearTimeout(timer);
          this.#openIdle();
        };
        const timer = setTimeout(replenish, replenishAfterMs);
        serve(channel, { ...frame, open: frame.open }, verifier, replenish);
      },
      onClose() {},
    });
  }
}
