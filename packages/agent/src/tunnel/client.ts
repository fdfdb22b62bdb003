/**
 * The agent's connection to central (docs/tunnel.md, "Agent identity"):
 *
 * 1. Without a valid client certificate, dial central's agent port (HTTP/2 + TLS) and
 *    Register with the join token and a CSR for a new key: central answers with a
 *    short-lived client certificate.
 * 2. Dial again with that certificate (mutual TLS) and Register: a session, kept alive by
 *    the Control stream, with a few idle Proxy streams for central to assign requests to.
 * 3. At about 2/3 of the certificate's lifetime, renew it over the session (a CSR for a
 *    new key, no join token), dial with the new one, and retire the old session once the
 *    new one is registered: the old connection finishes its requests, then closes.
 *
 * After ANY failure (central down, TLS error, a refused token or certificate, stream
 * reset, missed heartbeat acks) it starts over after an exponential backoff with full
 * jitter; a certificate central refused is dropped, and an expired one is replaced with
 * the join token when the agent still has a valid one.
 */
import { createSecretKey } from 'node:crypto';
import http2 from 'node:http2';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { ClusterFacts } from '../apiserver/metadata.ts';
import type { Logger } from '../log.ts';
import { AssertionVerifier } from './assertion.ts';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import {
  type AgentCredentials,
  acceptCertificate,
  type CredentialStore,
  newCertificateRequest,
} from './credentials.ts';
import {
  AgentService,
  assertionAudience,
  http2MaxSessionMemoryMb,
  http2Settings,
  sessionHeader,
} from './proto.ts';
import { type AgentServiceClient, type ServeExchange, TunnelSession } from './session.ts';

/** Where the connection stands. */
export type TunnelState = 'connecting' | 'connected' | 'waiting' | 'stopped';

/** Options of a {@link TunnelClient}. */
export interface TunnelClientOptions {
  centralUrl: string;
  /** PEM bundle to verify central's agent port with; default the system CAs. */
  centralCa?: string;
  clusterName: string;
  /**
   * The join token: sent with Register only when the agent has no valid client
   * certificate (first start, or down for longer than a certificate lives), never logged.
   * Optional when {@link credentialStore} holds a valid certificate.
   */
  token?: string;
  /** Keeps the key and certificate across restarts too (`--state-dir`). Default: memory only. */
  credentialStore?: CredentialStore;
  agentVersion: string;
  /** Idle Proxy streams kept open for central. Default 8. */
  idleStreams?: number;
  backoff?: BackoffOptions;
  /** Limit for connecting and registering. Default 10 s. */
  connectTimeoutMs?: number;
  /** How often cluster facts are re-read for heartbeats. Default 60 s. */
  factsRefreshMs?: number;
  /** Uniform in [0, 1): where in its window a renewal falls. Default `Math.random`. */
  random?: () => number;
  /** Reads the cluster facts sent with Register and heartbeats. */
  facts(): Promise<ClusterFacts>;
  /**
   * Serves a Proxy call central assigned (its first frame holds `open`). Call
   * `replenish` when the response starts (see `AgentExchange`); if that takes longer
   * than {@link replenishAfterMs}, the replacement stream is opened anyway.
   */
  serve: ServeExchange;
  logger: Logger;
  onStateChange?(state: TunnelState, detail: string): void;
}

/**
 * How long a request may hold its stream before a replacement is opened regardless, so
 * that slow apiserver answers (a large LIST) do not drain the idle pool.
 */
export const replenishAfterMs = 20;

/** A certificate this close to its expiry is not used for a new connection. */
const expiryMarginMs = 1000;

/** What the agent shows of its current certificate. */
export interface CertificateStatus {
  certificatePem: string;
  expiresAt: Date;
  renewAt: Date;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Central refused the credentials (not a network or server failure). */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof ConnectError &&
    (error.code === Code.Unauthenticated || error.code === Code.PermissionDenied)
  );
}

export class TunnelClient {
  readonly #options: TunnelClientOptions;
  #state: TunnelState = 'waiting';
  #stopped = false;
  #running: Promise<void> | undefined;
  #wakeSleep: (() => void) | undefined;
  /** The current session, and older ones finishing their requests. */
  readonly #sessions = new Set<TunnelSession>();
  /** Aborts a session still connecting or registering when the agent stops. */
  readonly #stopping = new AbortController();
  #facts: ClusterFacts = { kubernetesVersion: '', nodeCount: 0 };
  #credentials: AgentCredentials | undefined;

  constructor(options: TunnelClientOptions) {
    this.#options = options;
  }

  get state(): TunnelState {
    return this.#state;
  }

  /** The client certificate the agent connects with now, if it has one. */
  get certificate(): CertificateStatus | undefined {
    const current = this.#credentials;
    return current === undefined
      ? undefined
      : { certificatePem: current.certificatePem, expiresAt: current.expiresAt, renewAt: current.renewAt };
  }

  /** Starts connecting, and reconnecting until {@link stop}. */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Closes the sessions (central sees the control streams end at once) and stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort(new Error('the agent is stopping'));
    this.#wakeSleep?.();
    for (const session of this.#sessions) session.end('the agent is stopping');
    await this.#running;
    this.#setState('stopped', 'stopped');
  }

  #setState(state: TunnelState, detail: string): void {
    this.#state = state;
    this.#options.onStateChange?.(state, detail);
  }

  async #loop(): Promise<void> {
    const { logger } = this.#options;
    await this.#loadCredentials();
    let attempt = 0;
    while (!this.#stopped) {
      // While an older session serves (moving to a renewed certificate), the agent is connected.
      if (![...this.#sessions].some((s) => s.serving)) this.#setState('connecting', `attempt ${attempt + 1}`);
      logger.info('connecting to central', { url: this.#options.centralUrl, attempt: attempt + 1 });
      let session: TunnelSession | undefined;
      try {
        session = await this.#open();
      } catch (error) {
        logger.warn('connection to central failed', { error: errorText(error), attempt: attempt + 1 });
      }
      if (session !== undefined) {
        attempt = 0;
        for (const older of this.#sessions) if (older !== session) older.retire();
        const outcome = await session.outcome;
        if (outcome.renewed && !this.#stopped) continue;
        if (!outcome.renewed) logger.warn('disconnected from central', { reason: outcome.reason });
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

  async #loadCredentials(): Promise<void> {
    const { credentialStore: store, logger } = this.#options;
    if (store === undefined) return;
    const { credentials, problem } = await store.load().catch((error: unknown) => ({
      credentials: undefined,
      problem: errorText(error),
    }));
    if (problem !== undefined) logger.warn('ignoring the saved client certificate', { problem });
    if (credentials === undefined) return;
    if (credentials.expiresAt.getTime() - expiryMarginMs <= Date.now()) {
      logger.info('the saved client certificate has expired', {
        file: store.where,
        expiresAt: credentials.expiresAt.toISOString(),
      });
      this.#credentials = credentials;
      return;
    }
    logger.info('loaded the client certificate', {
      file: store.where,
      expiresAt: credentials.expiresAt.toISOString(),
    });
    this.#credentials = credentials;
  }

  /** Keeps new credentials in memory, and in the store if there is one. */
  async #keep(credentials: AgentCredentials): Promise<void> {
    this.#credentials = credentials;
    const store = this.#options.credentialStore;
    if (store === undefined) return;
    try {
      await store.save(credentials);
    } catch (error) {
      // Still good in memory: only a restart would need the join token again.
      this.#options.logger.warn('cannot save the client certificate', { error: errorText(error) });
    }
  }

  #connect(credentials: AgentCredentials | undefined): Promise<http2.ClientHttp2Session> {
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const options: http2.SecureClientSessionOptions = {
        settings: http2Settings,
        maxSessionMemory: http2MaxSessionMemoryMb,
      };
      const ca = this.#options.centralCa;
      // Our own socket, so that Nagle never holds back a small frame (node's http2 does
      // not let the session's socket be touched once it exists).
      options.createConnection = (authority: URL) => {
        const host = authority.hostname.replace(/^\[|\]$/g, '');
        const socket = tls.connect({
          ...(ca === undefined ? {} : { ca }),
          ...(credentials === undefined
            ? {}
            : { cert: credentials.certificatePem, key: credentials.privateKeyPem }),
          host,
          port: Number(authority.port || 443),
          servername: isIP(host) === 0 ? authority.hostname : '',
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

  #client(connection: http2.ClientHttp2Session): AgentServiceClient {
    const transport = createGrpcTransport({
      baseUrl: this.#options.centralUrl,
      sessionManager: {
        authority: new URL(this.#options.centralUrl).origin,
        request: (method, path, headers, requestOptions) =>
          Promise.resolve(
            connection.request({ ...headers, ':method': method, ':path': path }, requestOptions),
          ),
        notifyResponseByteRead() {},
      },
    });
    return createClient(AgentService, transport);
  }

  /** A certificate still good for a new connection. */
  #usableCredentials(): AgentCredentials | undefined {
    const current = this.#credentials;
    return current !== undefined && current.expiresAt.getTime() - expiryMarginMs > Date.now()
      ? current
      : undefined;
  }

  /** Dials with the certificate (getting one with the join token first if needed) and registers a session. */
  async #open(): Promise<TunnelSession> {
    const options = this.#options;
    this.#facts = await options.facts().catch(() => this.#facts);
    if (this.#stopped) throw new Error('the agent is stopping');
    const credentials = this.#usableCredentials() ?? (await this.#enroll());
    try {
      return await this.#register(credentials);
    } catch (error) {
      if (isRefusal(error) && this.#credentials === credentials) {
        // Refused for good (cluster removed, another CA): the join token is the only way back.
        this.#credentials = undefined;
        options.logger.warn('central refused the client certificate', {
          error: errorText(error),
          next: options.token === undefined ? 'nothing: the agent has no join token' : 'the join token',
        });
      }
      throw error;
    }
  }

  /** Registers with the join token on a connection without a certificate, and keeps the certificate central issues. */
  async #enroll(): Promise<AgentCredentials> {
    const options = this.#options;
    const previous = this.#credentials;
    const why =
      previous === undefined
        ? 'the agent has no client certificate'
        : `the agent's client certificate expired at ${previous.expiresAt.toISOString()}`;
    const hint =
      'issue a new join token for the cluster (POST /clusters/<name>/join-tokens) and restart the agent with it';
    if (options.token === undefined || options.token === '') {
      options.logger.error('cannot register with central', { reason: `${why} and no join token`, hint });
      throw new Error(`${why} and no join token to register with: ${hint}`);
    }
    if (previous !== undefined) options.logger.info('registering with the join token again', { reason: why });
    const request = await newCertificateRequest();
    const connection = await this.#connect(undefined);
    connection.on('error', () => {});
    const abort = () => connection.destroy();
    this.#stopping.signal.addEventListener('abort', abort, { once: true });
    try {
      const response = await this.#client(connection).register(
        {
          clusterName: options.clusterName,
          kubernetesVersion: this.#facts.kubernetesVersion,
          nodeCount: this.#facts.nodeCount,
          agentVersion: options.agentVersion,
          certificateRequest: request.csrPem,
        },
        {
          headers: { authorization: `Bearer ${options.token}` },
          timeoutMs: options.connectTimeoutMs ?? 10_000,
          signal: this.#stopping.signal,
        },
      );
      const credentials = acceptCertificate(response.certificate, request, new Date(), options.random);
      await this.#keep(credentials);
      options.logger.info('received a client certificate from central', {
        cluster: options.clusterName,
        expiresAt: credentials.expiresAt.toISOString(),
        renewAt: credentials.renewAt.toISOString(),
      });
      return credentials;
    } catch (error) {
      if (isRefusal(error)) {
        options.logger.error('cannot register with central', {
          reason: `${why} and central refused the join token`,
          hint,
        });
        throw new Error(`${why}, and ${errorText(error)}: ${hint}`);
      }
      throw error;
    } finally {
      this.#stopping.signal.removeEventListener('abort', abort);
      connection.destroy();
    }
  }

  /** Dials with the certificate and registers a session on that connection. */
  async #register(credentials: AgentCredentials): Promise<TunnelSession> {
    const options = this.#options;
    const connection = await this.#connect(credentials);
    connection.on('error', () => {});
    const abort = () => connection.destroy();
    this.#stopping.signal.addEventListener('abort', abort, { once: true });
    let registered = false;
    try {
      const client = this.#client(connection);
      const response = await client.register(
        {
          clusterName: options.clusterName,
          kubernetesVersion: this.#facts.kubernetesVersion,
          nodeCount: this.#facts.nodeCount,
          agentVersion: options.agentVersion,
        },
        { timeoutMs: options.connectTimeoutMs ?? 10_000, signal: this.#stopping.signal },
      );
      if (response.sessionId === '' || response.assertionKey.length < 32)
        throw new Error('central started no session (is central older than this agent?)');
      const verifier = new AssertionVerifier({
        key: createSecretKey(response.assertionKey),
        issuer: response.assertionIssuer,
        // Our own cluster name, not whatever central says, decides the audience.
        audience: assertionAudience(options.clusterName),
      });
      // The key object holds its own copy; leave none in the response message.
      response.assertionKey.fill(0);
      if (this.#stopped) throw new Error('the agent is stopping');
      const session = new TunnelSession({
        connection,
        client,
        sessionId: response.sessionId,
        heartbeatIntervalMs: response.heartbeatIntervalMs,
        verifier,
        idleStreams: options.idleStreams ?? 8,
        facts: () => this.#facts,
        refreshFacts: () => {
          options.facts().then(
            (facts) => {
              this.#facts = facts;
            },
            () => {},
          );
        },
        factsRefreshMs: options.factsRefreshMs ?? 60_000,
        serve: options.serve,
        replenishAfterMs,
        renewAt: credentials.renewAt,
        expiresAt: credentials.expiresAt,
        renew: (renewClient, sessionId) => this.#renew(renewClient, sessionId),
        logger: options.logger,
      });
      registered = true;
      this.#sessions.add(session);
      void session.closed.then(() => this.#sessions.delete(session));
      options.logger.info('registered with central', {
        cluster: options.clusterName,
        heartbeatIntervalMs: response.heartbeatIntervalMs,
        certificateExpiresAt: credentials.expiresAt.toISOString(),
      });
      this.#setState('connected', 'registered');
      return session;
    } finally {
      this.#stopping.signal.removeEventListener('abort', abort);
      if (!registered) connection.destroy();
    }
  }

  /** Gets the next certificate over a session: a CSR for a new key, no join token. */
  async #renew(client: AgentServiceClient, sessionId: string): Promise<void> {
    const options = this.#options;
    const request = await newCertificateRequest();
    const response = await client.renewCertificate(
      { certificateRequest: request.csrPem },
      {
        headers: { [sessionHeader]: sessionId },
        timeoutMs: options.connectTimeoutMs ?? 10_000,
        signal: this.#stopping.signal,
      },
    );
    const credentials = acceptCertificate(response.certificate, request, new Date(), options.random);
    await this.#keep(credentials);
    options.logger.info('renewed the client certificate', {
      cluster: options.clusterName,
      expiresAt: credentials.expiresAt.toISOString(),
      renewAt: credentials.renewAt.toISOString(),
    });
  }
}
