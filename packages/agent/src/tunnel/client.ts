/**
 * The agent's connection to central: dial the agent port (HTTP/2 + TLS), Register with
 * the join token, keep the Control stream alive with heartbeats, keep a few idle Proxy
 * streams open for central to assign requests to, and after ANY failure (central down,
 * TLS error, refused token, stream reset, missed heartbeat acks) start over after an
 * exponential backoff with full jitter.
 */
import { createSecretKey } from 'node:crypto';
import http2 from 'node:http2';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { ClusterFacts } from '../apiserver/metadata.ts';
import type { Logger } from '../log.ts';
import { AssertionVerifier } from './assertion.ts';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import {
  AgentService,
  AsyncQueue,
  assertionAudience,
  FrameChannel,
  grpcContentType,
  http2MaxSessionMemoryMb,
  http2Settings,
  type Open,
  type ProxyFrame,
  proxyRpcPath,
  sessionHeader,
} from './proto.ts';

/** Where the connection stands. */
export type TunnelState = 'connecting' | 'connected' | 'waiting' | 'stopped';

/** Options of a {@link TunnelClient}. */
export interface TunnelClientOptions {
  centralUrl: string;
  /** PEM bundle to verify central's agent port with; default the system CAs. */
  centralCa?: string;
  clusterName: string;
  /** The join token: sent with Register only, never logged. */
  token: string;
  agentVersion: string;
  /** Idle Proxy streams kept open for central. Default 8. */
  idleStreams?: number;
  backoff?: BackoffOptions;
  /** Limit for connecting and registering. Default 10 s. */
  connectTimeoutMs?: number;
  /** How often cluster facts are re-read for heartbeats. Default 60 s. */
  factsRefreshMs?: number;
  /** Reads the cluster facts sent with Register and heartbeats. */
  facts(): Promise<ClusterFacts>;
  /**
   * Serves a Proxy call central assigned (its first frame holds `open`). Call
   * `replenish` when the response starts (see `AgentExchange`); if that takes longer
   * than {@link replenishAfterMs}, the replacement stream is opened anyway.
   */
  serve(
    channel: FrameChannel,
    first: ProxyFrame & { open: Open },
    verifier: AssertionVerifier,
    replenish: () => void,
  ): void;
  logger: Logger;
  onStateChange?(state: TunnelState, detail: string): void;
}

/**
 * How long a request may hold its stream before a replacement is opened regardless, so
 * that slow apiserver answers (a large LIST) do not drain the idle pool.
 */
export const replenishAfterMs = 20;

type ControlInit = { message: { case: 'heartbeat'; value: { sequence: bigint } & ClusterFacts } };

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class TunnelClient {
  readonly #options: TunnelClientOptions;
  #state: TunnelState = 'waiting';
  #stopped = false;
  #running: Promise<void> | undefined;
  #wakeSleep: (() => void) | undefined;
  #endSession: ((reason: string) => void) | undefined;
  /** Aborts a session still connecting or registering when the agent stops. */
  readonly #stopping = new AbortController();
  #facts: ClusterFacts = { kubernetesVersion: '', nodeCount: 0 };

  constructor(options: TunnelClientOptions) {
    this.#options = options;
  }

  get state(): TunnelState {
    return this.#state;
  }

  /** Starts connecting, and reconnecting until {@link stop}. */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Closes the session (central sees the control stream end at once) and stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort(new Error('the agent is stopping'));
    this.#wakeSleep?.();
    this.#endSession?.('the agent is stopping');
    await this.#running;
    this.#setState('stopped', 'stopped');
  }

  #setState(state: TunnelState, detail: string): void {
    this.#state = state;
    this.#options.onStateChange?.(state, detail);
  }

  async #loop(): Promise<void> {
    const { logger } = this.#options;
    let attempt = 0;
    while (!this.#stopped) {
      this.#setState('connecting', `attempt ${attempt + 1}`);
      logger.info('connecting to central', { url: this.#options.centralUrl, attempt: attempt + 1 });
      try {
        const reason = await this.#session(() => {
          attempt = 0;
        });
        logger.warn('disconnected from central', { reason });
      } catch (error) {
        logger.warn('connection to central failed', { error: errorText(error), attempt: attempt + 1 });
      }
      if (this.#stopped) break;
      const delayMs = backoffDelay(attempt, this.#options.backoff);
      attempt++;
      this.#setState('waiting', `retrying in ${delayMs} ms`);
      logger.info('retrying', { delayMs, attempt: attempt + 1 });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.#wakeSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeSleep = undefined;
    }
  }

  #connect(): Promise<http2.ClientHttp2Session> {
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const options: http2.SecureClientSessionOptions = {
        settings: http2Settings,
        maxSessionMemory: http2MaxSessionMemoryMb,
      };
      if (this.#options.centralCa !== undefined) options.ca = this.#options.centralCa;
      // Our own socket, so that Nagle never holds back a small frame (node's http2 does
      // not let the session's socket be touched once it exists).
      options.createConnection = (authority: URL) => {
        const socket = tls.connect({
          ...(options.ca === undefined ? {} : { ca: options.ca }),
          host: authority.hostname.replace(/^\[|\]$/g, ''),
          port: Number(authority.port || 443),
          servername: isIP(authority.hostname.replace(/^\[|\]$/g, '')) === 0 ? authority.hostname : '',
          ALPNProtocols: ['h2'],
        });
        socket.setNoDelay(true);
        return socket;
      };
      const session = http2.connect(this.#options.centralUrl, options);
      const timer = setTimeout(() => {
        session.destroy();
        reject(new Error(`no connection to ${this.#options.centralUrl} within ${timeoutMs} ms`));
      }, timeoutMs);
      session.once('connect', () => {
        clearTimeout(timer);
        resolve(session);
      });
      session.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** One session, from dialling to its end; resolves with why it ended. */
  async #session(onRegistered: () => void): Promise<string> {
    const options = this.#options;
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#facts = await options.facts().catch(() => this.#facts);
    if (this.#stopped) return 'the agent is stopping';
    const session = await this.#connect();
    session.on('error', () => {});
    const abort = () => session.destroy();
    this.#stopping.signal.addEventListener('abort', abort, { once: true });
    try {
      const authority = new URL(options.centralUrl).origin;
      const transport = createGrpcTransport({
        baseUrl: options.centralUrl,
        sessionManager: {
          authority,
          request: (method, path, headers, requestOptions) =>
            Promise.resolve(
              session.request({ ...headers, ':method': method, ':path': path }, requestOptions),
            ),
          notifyResponseByteRead() {},
        },
      });
      const client = createClient(AgentService, transport);
      const registered = await client.register(
        {
          clusterName: options.clusterName,
          kubernetesVersion: this.#facts.kubernetesVersion,
          nodeCount: this.#facts.nodeCount,
          agentVersion: options.agentVersion,
        },
        { headers: { authorization: `Bearer ${options.token}` }, timeoutMs, signal: this.#stopping.signal },
      );
      if (registered.assertionKey.length < 32)
        throw new Error('central sent no assertion key at registration (is central older than this agent?)');
      const verifier = new AssertionVerifier({
        key: createSecretKey(registered.assertionKey),
        issuer: registered.assertionIssuer,
        // Our own cluster name, not whatever central says, decides the audience.
        audience: assertionAudience(options.clusterName),
      });
      // The key object holds its own copy; leave none in the response message.
      registered.assertionKey.fill(0);
      onRegistered();
      options.logger.info('registered with central', {
        cluster: options.clusterName,
        heartbeatIntervalMs: registered.heartbeatIntervalMs,
      });
      this.#setState('connected', 'registered');
      return await this.#serve(
        session,
        client,
        registered.sessionId,
        registered.heartbeatIntervalMs,
        verifier,
      );
    } finally {
      this.#stopping.signal.removeEventListener('abort', abort);
      session.destroy();
    }
  }

  #serve(
    session: http2.ClientHttp2Session,
    client: ReturnType<typeof createClient<typeof AgentService>>,
    sessionId: string,
    heartbeatIntervalMs: number,
    verifier: AssertionVerifier,
  ): Promise<string> {
    const options = this.#options;
    const interval = Math.max(heartbeatIntervalMs, 50);
    return new Promise<string>((resolve) => {
      const outbox = new AsyncQueue<ControlInit>();
      let lastAck = Date.now();
      let sequence = 0n;
      let ended = false;
      const timers: NodeJS.Timeout[] = [];
      const end = (reason: string) => {
        if (ended) return;
        ended = true;
        for (const timer of timers) clearInterval(timer);
        this.#endSession = undefined;
        outbox.close();
        resolve(reason);
      };
      this.#endSession = end;
      if (this.#stopped) end('the agent is stopping');

      const openIdle = () => {
        if (ended || session.destroyed || session.closed) return;
        let stream: http2.ClientHttp2Stream;
        try {
          stream = session.request({
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
          onFrame(frame) {
            if (frame.open === undefined) {
              channel.destroy();
              return;
            }
            let replaced = false;
            const replenish = () => {
              if (replaced) return;
              replaced = true;
              clearTimeout(timer);
              openIdle();
            };
            const timer = setTimeout(replenish, replenishAfterMs);
            options.serve(channel, { ...frame, open: frame.open }, verifier, replenish);
          },
          onClose() {},
        });
      };

      void (async () => {
        try {
          const headers = { [sessionHeader]: sessionId };
          for await (const response of client.control(outbox, { headers })) {
            if (response.message.case === 'heartbeatAck') lastAck = Date.now();
            else if (response.message.case === 'openStreams')
              for (let i = 0; i < Math.min(response.message.value.count, 256); i++) openIdle();
          }
          end('central ended the control stream');
        } catch (error) {
          end(`the control stream failed: ${errorText(error)}`);
        }
      })();

      timers.push(
        setInterval(() => {
          if (Date.now() - lastAck > 2 * interval) {
            end(`no heartbeat answer from central for ${2 * interval} ms`);
            return;
          }
          sequence++;
          outbox.push({ message: { case: 'heartbeat', value: { sequence, ...this.#facts } } });
        }, interval),
      );
      timers.push(
        setInterval(() => {
          options.facts().then(
            (facts) => {
              this.#facts = facts;
            },
            () => {},
          );
        }, options.factsRefreshMs ?? 60_000),
      );
      session.once('close', () => end('the connection to central closed'));
      session.once('goaway', () => end('central is going away'));
      session.on('error', (error) => end(`the connection to central failed: ${errorText(error)}`));
      for (let i = 0; i < (options.idleStreams ?? 8); i++) openIdle();
    });
  }
}
