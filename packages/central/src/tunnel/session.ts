/**
 * One registered agent, as central sees it: its idle Proxy streams, the requests
 * waiting for one, its control stream, and the heartbeat watchdog that ends it.
 */
import type { KeyObject } from 'node:crypto';
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ClusterMetadata, ClusterRef } from './ports.ts';
import type { ControlResponseSchema } from './proto.ts';

/** A control message central sends (one `ControlResponse` oneof case). */
export type ControlMessage = NonNullable<MessageInitShape<typeof ControlResponseSchema>['message']>;

interface Waiter {
  resolve(stream: ServerHttp2Stream): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Options of an {@link AgentSession}. */
export interface AgentSessionOptions {
  id: string;
  cluster: ClusterRef;
  metadata: ClusterMetadata;
  /** The key that MACs this session's identity assertions (never logged). */
  assertionKey: KeyObject;
  heartbeatIntervalMs: number;
  /** Idle streams beyond this are closed unused (the agent does not replace them). */
  maxIdleStreams: number;
  /**
   * The mutually authenticated connection the agent registered on: Control, Proxy and
   * renewals are accepted on it only. The session ends when it closes.
   */
  connection?: ServerHttp2Session;
  /** When the certificate of {@link connection} expires (the server then ends the session and the connection). */
  expiresAt?: Date;
  /** Called once when the session ends (watchdog, control stream gone, replaced, shutdown). */
  onClose(session: AgentSession, reason: string): void;
}

/** Thrown to a request that no agent stream became free for. */
export class NoStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoStreamError';
  }
}

export class AgentSession {
  readonly id: string;
  readonly cluster: ClusterRef;
  /** The key that MACs this session's identity assertions (never logged). */
  readonly assertionKey: KeyObject;
  /** The connection the session is bound to (see {@link AgentSessionOptions.connection}). */
  readonly connection: ServerHttp2Session | undefined;
  /** When the certificate of its connection expires, and the session with it. */
  readonly expiresAt: Date | undefined;
  metadata: ClusterMetadata;
  readonly connectedAt = new Date();
  lastSeen = new Date();
  readonly #options: AgentSessionOptions;
  readonly #idle: ServerHttp2Stream[] = [];
  readonly #waiters: Waiter[] = [];
  /** Streams asked for with OpenStreams that have not arrived yet. */
  #requested = 0;
  #control: ((message: ControlMessage) => void) | undefined;
  #endControl: (() => void) | undefined;
  #watchdog: NodeJS.Timeout;
  #closed = false;

  constructor(options: AgentSessionOptions) {
    this.id = options.id;
    this.cluster = options.cluster;
    this.assertionKey = options.assertionKey;
    this.connection = options.connection;
    this.expiresAt = options.expiresAt;
    this.metadata = options.metadata;
    this.#options = options;
    this.#watchdog = this.#armWatchdog();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Idle Proxy streams ready for a request. */
  get idleCount(): number {
    return this.#idle.length;
  }

  /** A heartbeat (or registration) proves the agent alive: restart the 2-interval watchdog. */
  heartbeat(metadata?: Partial<ClusterMetadata>): void {
    if (this.#closed) return;
    this.lastSeen = new Date();
    if (metadata !== undefined) this.metadata = { ...this.metadata, ...metadata };
    clearTimeout(this.#watchdog);
    this.#watchdog = this.#armWatchdog();
  }

  /** Connects the session's control stream (a later one replaces an earlier one); `end` closes it. */
  attachControl(send: (message: ControlMessage) => void, end: () => void): void {
    this.#endControl?.();
    this.#control = send;
    this.#endControl = end;
    if (this.#waiters.length > 0) this.#askForStreams();
  }

  /** Sends a control message, if a control stream is attached. */
  sendControl(message: ControlMessage): void {
    this.#control?.(message);
  }

  /** The agent opened an idle Proxy stream. */
  addStream(stream: ServerHttp2Stream): void {
    if (this.#closed) {
      stream.close(8);
      return;
    }
    if (this.#requested > 0) this.#requested--;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      waiter.resolve(stream);
      return;
    }
    if (this.#idle.length >= this.#options.maxIdleStreams) {
      // Closed cleanly and unused: the agent replaces only streams that carried a request.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-status': '0' },
        { endStream: true },
      );
      return;
    }
    this.#idle.push(stream);
    stream.once('close', () => {
      const index = this.#idle.indexOf(stream);
      if (index >= 0) this.#idle.splice(index, 1);
    });
  }

  /**
   * An idle stream for one request: at once if one is idle, else the first to arrive
   * within `timeoutMs` (the agent is asked to open more).
   */
  acquire(timeoutMs: number): Promise<ServerHttp2Stream> {
    while (this.#idle.length > 0) {
      const stream = this.#idle.shift();
      if (stream !== undefined && !stream.destroyed && !stream.closed) return Promise.resolve(stream);
    }
    if (this.#closed) return Promise.reject(new NoStreamError('the agent session has ended'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(new NoStreamError(`the agent opened no stream within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
      this.#askForStreams();
    });
  }

  /** Ends the session: idle streams, waiters and the control stream go with it. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#watchdog);
    for (const stream of this.#idle.splice(0)) if (!stream.destroyed) stream.close(8);
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new NoStreamError(`the agent session ended: ${reason}`));
    }
    this.#control = undefined;
    this.#endControl?.();
    this.#endControl = undefined;
    this.#options.onClose(this, reason);
  }

  #askForStreams(): void {
    const missing = this.#waiters.length - this.#requested;
    if (missing <= 0 || this.#control === undefined) return;
    this.#requested += missing;
    this.#control({ case: 'openStreams', value: { count: missing } });
  }

  #armWatchdog(): NodeJS.Timeout {
    const timer = setTimeout(
      () => this.close(`no heartbeat for ${2 * this.#options.heartbeatIntervalMs} ms`),
      2 * this.#options.heartbeatIntervalMs,
    );
    timer.unref();
    return timer;
  }
}
