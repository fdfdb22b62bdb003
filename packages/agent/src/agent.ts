/**
 * A running kgate-agent: the tunnel to central plus the forwarder to the apiserver.
 */
import https from 'node:https';
import packageJson from '../package.json' with { type: 'json' };
import { readClusterFacts } from './apiserver/metadata.ts';
import type { ApiServerTarget } from './apiserver/target.ts';
import { AgentExchange } from './forward/exchange.ts';
import type { Logger } from './log.ts';
import type { BackoffOptions } from './tunnel/backoff.ts';
import { TunnelClient, type TunnelState } from './tunnel/client.ts';
import { fileCredentialStore } from './tunnel/credentials.ts';

/** The agent's version, sent to central at registration. */
export const agentVersion: string = packageJson.version;

/** Options of {@link startAgent}. */
export interface StartAgentOptions {
  centralUrl: string;
  /** PEM of the CA that signed central's agent-port certificate. */
  centralCa?: string;
  clusterName: string;
  /**
   * The join token, used only to get a client certificate when the agent has no valid
   * one. May be left out when `stateDir` holds a valid certificate.
   */
  token?: string;
  /**
   * Keeps the agent's key and client certificate in this directory (file mode 0600), so
   * that a restarted agent reconnects without its join token while the certificate is
   * valid. Default: memory only.
   */
  stateDir?: string;
  target: ApiServerTarget;
  logger: Logger;
  idleStreams?: number;
  backoff?: BackoffOptions;
  onStateChange?(state: TunnelState, detail: string): void;
}

/** A started agent. */
export interface RunningAgent {
  readonly tunnel: TunnelClient;
  /** Ends the session with central (the cluster shows disconnected at once) and closes connections. */
  stop(): Promise<void>;
}

/**
 * Starts the agent: it connects, and keeps reconnecting, until stopped.
 *
 * @example
 * ```ts
 * const agent = startAgent({ centralUrl, clusterName: 'prod', token, target: inClusterTarget(), logger });
 * process.once('SIGTERM', () => void agent.stop());
 * ```
 */
export function startAgent(options: StartAgentOptions): RunningAgent {
  const { target, logger } = options;
  const pool = new https.Agent({ keepAlive: true, maxFreeSockets: 128, ...target.tls });
  const tunnelOptions: ConstructorParameters<typeof TunnelClient>[0] = {
    centralUrl: options.centralUrl,
    clusterName: options.clusterName,
    agentVersion,
    logger,
    facts: () => readClusterFacts(target, pool),
    serve(channel, first, verifier, replenish) {
      new AgentExchange(
        channel,
        { target, agent: pool, verifier, clusterName: options.clusterName, logger },
        replenish,
      ).start(first);
    },
  };
  if (options.token !== undefined) tunnelOptions.token = options.token;
  if (options.stateDir !== undefined)
    tunnelOptions.credentialStore = fileCredentialStore(options.stateDir, {
      centralUrl: options.centralUrl,
      clusterName: options.clusterName,
    });
  if (options.centralCa !== undefined) tunnelOptions.centralCa = options.centralCa;
  if (options.idleStreams !== undefined) tunnelOptions.idleStreams = options.idleStreams;
  if (options.backoff !== undefined) tunnelOptions.backoff = options.backoff;
  if (options.onStateChange !== undefined) tunnelOptions.onStateChange = options.onStateChange;
  const tunnel = new TunnelClient(tunnelOptions);
  tunnel.start();
  return {
    tunnel,
    async stop() {
      await tunnel.stop();
      pool.destroy();
    },
  };
}
