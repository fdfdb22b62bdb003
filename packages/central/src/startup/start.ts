import type https from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { buildApi } from '../api/app.ts';
import type { ScryptCost } from '../auth/passwords.ts';
import { createAuthService } from '../auth/service.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { CentralConfig } from '../config/index.ts';
import type { AgentListener, AgentListenerFactory, ProxyFactory, ProxyHooks } from '../hooks.ts';
import { type ClusterPresence, noClusterPresence } from '../presence.ts';
import type { CentralServices } from '../services.ts';
import { openStore, type Store } from '../store/index.ts';
import { bootstrapAdmin } from './bootstrap.ts';
import { ensureDataDir } from './data-dir.ts';
import { createLogger } from './logger.ts';
import { createHttpsServer, placeholderAgentListener } from './servers.ts';
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
  /** The registry of connected agents (the tunnel's). Default: every cluster disconnected. */
  presence?: ClusterPresence;
  /** The Kubernetes API proxy, mounted under `/k8s/` on the HTTPS server. */
  proxy?: ProxyFactory;
  /** The agent listener on `server.agent_listen`. Default: a placeholder answering 503. */
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
  /** The HTTPS server (HTTP/1.1); the proxy's request and upgrade hooks are already attached. */
  readonly httpsServer: https.Server;
  /** Stops listening, ends the proxy and agent listener, closes the store. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * Starts kgate-central: data dir (0700), database and migrations, CA (created on first
 * start), serving certificate, signing keys, the first admin (first start only), the
 * HTTPS server with the REST API (and the proxy hook) and the agent listener.
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
    const publicUrl = () =>
      config.server.publicUrl ?? `https://${urlHost(config.server.listen.host)}:${port}`;
    const auth = await createAuthService({
      store,
      config: config.auth,
      issuer: publicUrl,
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

    const services: CentralServices = {
      config,
      store,
      auth,
      presence: options.presence ?? noClusterPresence,
      logger,
      clock,
      ca,
      publicUrl,
    };

    const proxy: ProxyHooks | undefined = options.proxy?.(services);
    if (proxy?.close) cleanups.push(proxy.close.bind(proxy));
    let httpsServer: https.Server | undefined;
    const app = buildApi(services, (handler) => {
      httpsServer = createHttpsServer(serving, () => proxy, handler);
      return httpsServer;
    });
    if (!httpsServer) throw new Error('fastify did not call the server factory');
    const server: https.Server = httpsServer;
    cleanups.push(() => app.close());
    await app.listen({ host: config.server.listen.host, port: config.server.listen.port });
    port = (server.address() as AddressInfo).port;

    const agentContext = {
      host: config.server.agentListen.host,
      port: config.server.agentListen.port,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: ca.certPem },
    };
    const agent: AgentListener = options.agentListener
      ? await options.agentListener(services, agentContext)
      : await placeholderAgentListener(agentContext);
    cleanups.push(() => agent.close());

    const url = `https://${urlHost(config.server.listen.host)}:${port}`;
    const agentUrl = `https://${urlHost(config.server.agentListen.host)}:${agent.port}`;
    logger.info(
      { url, agentUrl, publicUrl: publicUrl(), dataDir: config.dataDir },
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
