/**
 * Central's agent port: an HTTP/2 + TLS server that agents dial. It asks every client
 * for a certificate and lets those without one in, so that an agent can Register with
 * its join token to get one; Control, Proxy and renewals need the certificate (see
 * service.ts). Register, RenewCertificate and Control go through ConnectRPC; Proxy
 * streams are taken raw (gRPC framing by hand) and parked as idle streams of their
 * agent's session until a request needs one.
 */
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { type CertificateAuthority, createCertificateAuthority } from '@kgate/core/pki';
import {
  type AgentCertificateIssuer,
  checkAgentCertificateTtl,
  createAgentCertificateIssuer,
  defaultAgentCertificateTtlMs,
  PeerIdentities,
} from './certificates.ts';
import { type ExchangeHandlers, TunnelExchange } from './exchange.ts';
import {
  type AgentAuthenticator,
  type AssertionSigner,
  type ClusterPresenceSink,
  silentLogger,
  type TunnelLogger,
} from './ports.ts';
import {
  grpcContentType,
  http2MaxSessionMemoryMb,
  http2Settings,
  proxyRpcPath,
  sessionHeader,
} from './proto.ts';
import { AgentRegistry } from './registry.ts';
import { agentConnection, agentServiceRoutes, bindingRefusal } from './service.ts';

/** Options of {@link createTunnelServer}. */
export interface TunnelServerOptions {
  /** Certificate and key of the agent port (PEM). Agents verify them with `--central-ca`. */
  tls: { cert: string | Buffer; key: string | Buffer };
  /**
   * The CA that signs agents' client certificates and is the only one the agent port
   * accepts them from: central's own CA, so that certificates outlive a restart of
   * central. Default: a CA made by {@link TunnelServer.listen} for this server alone
   * (tests, benchmarks), whose certificates die with it: agents then register with
   * their join token again.
   */
  ca?: CertificateAuthority;
  /** Lifetime of agent client certificates, 5 s to 7 d. Default 1 h. */
  agentCertificateTtlMs?: number;
  agents: AgentAuthenticator;
  presence: ClusterPresenceSink;
  signer: AssertionSigner;
  /** How often agents heartbeat; a cluster is disconnected after two missed. Default 10 s. */
  heartbeatIntervalMs?: number;
  /** Idle Proxy streams kept per agent at most. Default 64. */
  maxIdleStreams?: number;
  logger?: TunnelLogger;
}

/** The running agent port. */
export interface TunnelServer {
  readonly registry: AgentRegistry;
  readonly server: http2.Http2SecureServer;
  /** Starts listening; port 0 picks a free port. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Whether any agent of the cluster is connected. */
  isConnected(clusterId: string): boolean;
  /**
   * Starts one tunnelled request on an agent of the cluster: resolves once a stream is
   * assigned (send the request with `open()`), rejects with `NoStreamError` when no
   * agent is connected or none offers a stream within `timeoutMs`.
   */
  openExchange(clusterId: string, handlers: ExchangeHandlers, timeoutMs?: number): Promise<TunnelExchange>;
  /** Ends every session and stops listening. */
  close(): Promise<void>;
}

function refuse(stream: http2.ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed) return;
  stream.respond(
    {
      ':status': 200,
      'content-type': grpcContentType,
      'grpc-status': String(code),
      'grpc-message': encodeURI(message),
    },
    { endStream: true },
  );
}

/**
 * Creates central's agent port.
 *
 * @example
 * ```ts
 * const tunnel = createTunnelServer({ tls, agents, presence, signer });
 * await tunnel.listen(8443);
 * ```
 */
export function createTunnelServer(options: TunnelServerOptions): TunnelServer {
  const logger = options.logger ?? silentLogger;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
  const ttlMs = options.agentCertificateTtlMs ?? defaultAgentCertificateTtlMs;
  checkAgentCertificateTtl(ttlMs);
  const peers = new PeerIdentities();
  // Made once, on first use (listen); a failure is not cached, so listen can be retried.
  let ca: Promise<CertificateAuthority> | undefined =
    options.ca === undefined ? undefined : Promise.resolve(options.ca);
  let issuer: Promise<AgentCertificateIssuer> | undefined;
  const agentCa = (): Promise<CertificateAuthority> => {
    ca ??= createCertificateAuthority({ commonName: 'kgate-central agent CA (this process only)' }).catch(
      (error: unknown) => {
        ca = undefined;
        throw error;
      },
    );
    return ca;
  };
  const certificates = (): Promise<AgentCertificateIssuer> => {
    issuer ??= agentCa().then((authority) => createAgentCertificateIssuer(authority, ttlMs));
    return issuer;
  };
  const registry = new AgentRegistry({
    presence: options.presence,
    logger,
    heartbeatIntervalMs,
    maxIdleStreams: options.maxIdleStreams ?? 64,
  });
  const connect = connectNodeAdapter({
    routes: agentServiceRoutes({
      registry,
      agents: options.agents,
      signer: options.signer,
      certificates,
      peers,
      heartbeatIntervalMs,
      logger,
    }),
    grpcWeb: false,
    connect: false,
    contextValues: (req) =>
      createContextValues().set(
        agentConnection,
        'stream' in req ? (req.stream.session as http2.ServerHttp2Session | undefined) : undefined,
      ),
  });
  const server = http2.createSecureServer({
    cert: options.tls.cert,
    key: options.tls.key,
    ...(options.ca === undefined ? {} : { ca: options.ca.certPem }),
    // Asked for, verified against `ca` only, and not required: a connection without a
    // valid one may Register with a join token and nothing else (service.ts decides).
    requestCert: true,
    rejectUnauthorized: false,
    allowHTTP1: false,
    settings: http2Settings,
    maxSessionMemory: http2MaxSessionMemoryMb,
  });
  server.on('request', (req, res) => {
    if (req.url !== proxyRpcPath) {
      connect(req, res);
      return;
    }
    // Proxy: take the raw stream; the compat request is never read, so it does not
    // consume the stream's data.
    const stream = req.stream;
    stream.on('error', () => {});
    // The compat response owns the stream's 'wantTrailers'; it sends these when the call ends.
    res.addTrailers({ 'grpc-status': '0' });
    const id = req.headers[sessionHeader];
    const session = registry.session(typeof id === 'string' ? id : undefined);
    if (session === undefined) {
      refuse(stream, 16 /* UNAUTHENTICATED */, 'unknown or ended agent session');
      return;
    }
    const refusal = bindingRefusal(session, stream.session as http2.ServerHttp2Session | undefined, peers);
    if (refusal !== undefined) {
      logger.warn('agent proxy stream refused', { cluster: session.cluster.clusterName, refusal });
      refuse(stream, 7 /* PERMISSION_DENIED */, refusal);
      return;
    }
    session.addStream(stream);
  });
  // Frames are small and latency-bound: never let Nagle hold one back.
  server.on('secureConnection', (socket) => socket.setNoDelay(true));
  server.on('sessionError', (error) => logger.warn('agent connection failed', { error: error.message }));
  server.on('tlsClientError', (error) => logger.warn('agent TLS handshake failed', { error: error.message }));

  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session) => {
    const peer = peers.add(session);
    if (peer.kind === 'agent') {
      // Nothing runs on a certificate after it expires: not the session, nor requests
      // still running on the connection (the agent moved to its renewed certificate at
      // about 2/3 of the lifetime, and lets its old connection finish until now).
      const expiry = setTimeout(
        () => {
          registry.closeConnection(session, 'the agent certificate expired');
          session.destroy();
        },
        Math.min(2 ** 31 - 1, Math.max(0, peer.expiresAt.getTime() - Date.now())),
      );
      expiry.unref();
      session.once('close', () => clearTimeout(expiry));
    }
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });

  return {
    registry,
    server,
    async listen(port, host) {
      if (options.ca === undefined) {
        const authority = await agentCa();
        server.setSecureContext({ cert: options.tls.cert, key: options.tls.key, ca: authority.certPem });
      }
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    isConnected: (clusterId) => registry.isConnected(clusterId),
    async openExchange(clusterId, handlers, timeoutMs = 10_000) {
      const { session, stream } = await registry.acquire(clusterId, timeoutMs);
      return new TunnelExchange(stream, handlers, session.assertionKey);
    },
    close() {
      registry.closeAll('central is shutting down');
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
        // Also connections that are not an HTTP/2 session yet (a TLS handshake under way,
        // e.g. an agent reconnecting right now): server.close waits for every one of them.
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
