import type https from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { buildApi } from '../api/app.ts';
import { createAuditLog } from '../audit/log.ts';
import type { ScryptCost } from '../auth/passwords.ts';
import { createAuthService } from '../auth/service.ts';
import { createSsoService } from '../auth/sso/service.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { CentralConfig } from '../config/index.ts';
import { internalProxyEndpoint } from '../exec/endpoint.ts';
import { createGateway, type Gateway, gatewayPresence } from '../gateway/index.ts';
import { infoRoute } from '../gateway/info.ts';
import { auditRecorder } from '../gateway/recorder.ts';
import type { AgentListener, AgentListenerFactory, ProxyFactory, ProxyHooks } from '../hooks.ts';
import type { ClusterPresence } from '../presence.ts';
import { createRbacService } from '../rbac/service.ts';
import type { CentralServices } from '../services.ts';
import { openStore, type Store } from '../store/index.ts';
import { bootstrapAdmin } from './bootstrap.ts';
import { ensureDataDir } from './data-dir.ts';
import { readStoredIssuer, storeIssuer } from './issuer.ts';
import { createLogger } from './logger.ts';
import { createHttpsServer } from './servers.ts';
import { loadOrCreateCa, servingCertificate } from './tls.ts';

/** Options of {@link startCentral}. Everything with an outside effect can be injected. */
export interface StartCentralOptions {
  config: CentralConfig;
  /** The first admin's password (KGATE_BOOTSTRAP_ADMIN_PASSWORD); default: random, printed once. */
  bootstrapAdminPassword?: string;
  /** Where one-off notices for the operator go (bootstrap password, CA file). Default: process.stderr. */
  notices?: { write(text: string): unknown };
  /** Where JSON log lines go. Default: stderr. */
  logDestination?: DestinationStream;
  clock?: Clock;
  /** Which clusters `GET /clusters` shows connected. Default: the tunnel's. */
  presence?: ClusterPresence;
  /** The Kubernetes API proxy, mounted under `/k8s/` on the HTTPS server. Default: the gateway's, through the tunnel. */
  proxy?: ProxyFactory;
  /** The agent listener on `server.agent_listen`. Default: the gateway's agent tunnel. */
  agentListener?: AgentListenerFactory;
  /** The host name put in the serving certificate. Default: os.hostname(). */
  hostname?: string;
  /** scrypt cost for new password hashes. Default: OWASP's minimum. Lower it only in tests. */
  scryptCost?: ScryptCost;
}

/** A running kgate-central. */
export interface Central {
  /** `https://host:port` of the REST API and proxy (the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  /** `https://host:port` of the agent listener. */
  readonly agentUrl: string;
  readonly agentPort: number;
  /** The CA clients must trust, PEM, and its file in the data dir. */
  readonly caCertPem: string;
  readonly caFile: string;
  readonly store: Store;
  readonly services: CentralServices;
  /** The built-in tunnel and proxy (also when a hook replaces one of them). */
  readonly gateway: Gateway;
  /** The `iss` of access tokens, stable across restarts (see startup/issuer.ts). */
  issuer(): string;
  /** The HTTPS server (HTTP/1.1); the proxy's request and upgrade hooks are already attached. */
  readonly httpsServer: https.Server;
  /** Stops listening, ends the proxy and agent listener, closes the store. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** `https://host:port` for a listen host (a wildcard address becomes `localhost`). */
function listenUrl(host: string, port: number): string {
  return `https://${urlHost(host)}:${port}`;
}

/**
 * The agent URL clusters should dial: `server.agent_public_url`, else the agent port on
 * the public URL's host (agents usually reach central by the same name users do), else
 * on the agent listen address.
 */
function agentPublicUrl(config: CentralConfig, agentPort: number): string {
  if (config.server.agentPublicUrl) return config.server.agentPublicUrl;
  if (config.server.publicUrl) {
    const host = new URL(config.server.publicUrl).hostname;
    return `https://${host}:${agentPort}`;
  }
  return listenUrl(config.server.agentListen.host, agentPort);
}

/**
 * Starts kgate-central: data dir (0700), database and migrations, CA (created on first
 * start), serving certificate, signing keys, the first admin (first start only), the
 * HTTPS server with the REST API and the `/k8s/` proxy, and the agent tunnel on the
 * agent port. The proxy and agent listener hooks replace the built-in ones (tests).
 */
export async function startCentral(options: StartCentralOptions): Promise<Central> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const notices = options.notices ?? process.stderr;
  const logger = createLogger(config.logLevel, options.logDestination);

  await ensureDataDir(config.dataDir);
  if (config.database.driver === 'sqlite') await ensureDataDir(path.dirname(config.database.path));
  const store = await openStore(config.database);
  const cleanups: Array<() => Promise<void>> = [() => store.close()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };

  try {
    const { ca, caFile, created: caCreated } = await loadOrCreateCa(config.dataDir);
    if (caCreated) logger.info({ caFile }, 'created a new certificate authority');
    const serving = await servingCertificate(config, ca, options.hostname ?? osHostname());

    let port = config.server.listen.port;
    let agentPort = config.server.agentListen.port;
    const publicUrl = () => config.server.publicUrl ?? listenUrl(config.server.listen.host, port);
    // Known now, unless this is the first start without a public URL (then: once listening).
    let issuer = config.server.publicUrl ?? (await readStoredIssuer(config.dataDir));
    const currentIssuer = () => issuer ?? publicUrl();
    const auth = await createAuthService({
      store,
      config: config.auth,
      issuer: currentIssuer,
      clock,
      logger,
      scryptCost: options.scryptCost,
    });
    await bootstrapAdmin({
      store,
      passwords: auth.passwords,
      clock,
      logger,
      username: config.auth.bootstrapAdmin.username,
      givenPassword: options.bootstrapAdminPassword,
      out: notices,
    });

    const audit = createAuditLog(store);
    // Flushes what is queued before the store closes (cleanups run in reverse).
    cleanups.push(() => audit.close());
    const builtInPresence = gatewayPresence({ store, logger });
    const rbac = createRbacService({ store, clock, logger });
    cleanups.push(async () => rbac.close());
    const oidc = config.auth.oidc;
    const sso = oidc && (await createSsoService({ config: oidc, store, auth, rbac, clock, logger }));
    if (!config.auth.passwordLogin && !oidc) {
      logger.warn('auth.password_login is false and auth.oidc is not set: nobody can log in');
    }
    const services: CentralServices = {
      config,
      store,
      auth,
      sso,
      presence: options.presence ?? builtInPresence,
      rbac,
      audit,
      logger,
      clock,
      ca,
      publicUrl,
      proxyEndpoint: () =>
        internalProxyEndpoint({
          listenHost: config.server.listen.host,
          port,
          ownCaPem: config.tls ? undefined : ca.certPem,
          servingCertPem: serving.certPem,
          publicUrl: config.server.publicUrl,
        }),
    };

    let proxy: ProxyHooks | undefined = options.proxy?.(services);
    if (proxy?.close) cleanups.push(proxy.close.bind(proxy));
    let httpsServer: https.Server | undefined;
    const app = buildApi(services, (handler) => {
      httpsServer = createHttpsServer(serving, () => proxy, handler);
      return httpsServer;
    });
    if (!httpsServer) throw new Error('fastify did not call the server factory');
    const server: https.Server = httpsServer;
    infoRoute(app, () => ({
      server_url: publicUrl(),
      agent_url: agentPublicUrl(config, agentPort),
      heartbeat_interval_ms: config.server.heartbeatIntervalMs,
      ...(sso && {
        sso: { issuer_url: sso.client.issuerUrl, client_id: sso.client.clientId, scopes: sso.client.scopes },
        password_login: config.auth.passwordLogin,
      }),
    }));
    cleanups.push(() => app.close());
    await app.listen({ host: config.server.listen.host, port: config.server.listen.port });
    port = (server.address() as AddressInfo).port;
    issuer ??= await storeIssuer(config.dataDir, publicUrl());

    // Built once the issuer is final. Until then (a few milliseconds after listening) a
    // /k8s/ request gets the REST API's 404; no agent could have connected yet anyway.
    const gateway = createGateway({
      store,
      auth,
      logger,
      tls: serving,
      ca,
      agentCertificateTtlMs: config.auth.agentCertificateTtlMs,
      issuer,
      heartbeatIntervalMs: config.server.heartbeatIntervalMs,
      presence: builtInPresence,
      rbac: services.rbac,
      recorder: auditRecorder(audit),
    });
    proxy ??= gateway.proxy;

    const agentContext = {
      host: config.server.agentListen.host,
      port: config.server.agentListen.port,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: ca.certPem },
    };
    const agent: AgentListener = options.agentListener
      ? await options.agentListener(services, agentContext)
      : await gateway.listen(agentContext.host, agentContext.port);
    cleanups.push(() => agent.close());
    if (options.agentListener) cleanups.push(() => gateway.tunnel.close());
    agentPort = agent.port;

    const url = listenUrl(config.server.listen.host, port);
    const agentUrl = listenUrl(config.server.agentListen.host, agent.port);
    logger.info(
      {
        url,
        agentUrl,
        publicUrl: publicUrl(),
        agentPublicUrl: agentPublicUrl(config, agentPort),
        dataDir: config.dataDir,
      },
      'kgate-central is listening',
    );
    notices.write(`kgate-central: CA certificate (clients and agents trust it): ${caFile}\n`);

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      agentUrl,
      agentPort: agent.port,
      caCertPem: ca.certPem,
      caFile,
      store,
      services,
      gateway,
      issuer: currentIssuer,
      httpsServer: server,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
