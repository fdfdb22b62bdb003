/**
 * `kgate-agent`: reads its settings, finds the apiserver (in-cluster, or --kubeconfig),
 * and runs until SIGTERM/SIGINT. Logs are JSON lines on stderr; the token never
 * appears in them.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { formatError, KgateError } from '@kgate/core/errors';
import { agentVersion, startAgent } from './agent.ts';
import { inClusterTarget } from './apiserver/in-cluster.ts';
import { kubeconfigTarget } from './apiserver/kubeconfig.ts';
import type { ApiServerTarget } from './apiserver/target.ts';
import { agentUsage, resolveAgentConfig } from './config.ts';
import { createLogger } from './log.ts';

/** What `main` talks to; the real process by default. */
export interface AgentIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: Writable;
  stderr: Writable;
  /** Resolves when the agent should stop (SIGTERM). */
  stopSignal: Promise<unknown>;
}

/** Runs the agent; resolves with the exit code. */
export async function main(argv: string[], io: AgentIo): Promise<number> {
  try {
    const command = resolveAgentConfig(argv, io.env);
    if (command.kind === 'help') {
      io.stdout.write(agentUsage);
      return 0;
    }
    if (command.kind === 'version') {
      io.stdout.write(`kgate-agent ${agentVersion}\n`);
      return 0;
    }
    const { config } = command;
    const logger = createLogger(io.stderr, config.logLevel);
    const target: ApiServerTarget =
      config.kubeconfig === undefined
        ? inClusterTarget({ env: io.env })
        : await kubeconfigTarget(
            config.context === undefined
              ? { kubeconfig: config.kubeconfig }
              : { kubeconfig: config.kubeconfig, context: config.context },
          );
    let centralCa: string | undefined;
    if (config.centralCa !== undefined) {
      try {
        centralCa = readFileSync(config.centralCa, 'utf8');
      } catch (error) {
        throw new KgateError('CONFIG_INVALID', `cannot read the central CA ${config.centralCa}`, {
          hint: 'check the path given to --central-ca',
          cause: error,
        });
      }
    }
    logger.info('kgate-agent starting', {
      version: agentVersion,
      cluster: config.clusterName,
      central: config.centralUrl,
      apiserver: target.url.origin,
      credentials: target.source,
      // Where the agent's own key and certificate live: a restart without a state dir needs the join token.
      identity: config.stateDir === undefined ? 'memory' : config.stateDir,
    });
    const agent = startAgent({
      centralUrl: config.centralUrl,
      ...(centralCa === undefined ? {} : { centralCa }),
      clusterName: config.clusterName,
      ...(config.token === undefined ? {} : { token: config.token }),
      ...(config.stateDir === undefined ? {} : { stateDir: config.stateDir }),
      target,
      logger,
      ...(config.idleStreams === undefined ? {} : { idleStreams: config.idleStreams }),
    });
    await io.stopSignal;
    logger.info('kgate-agent stopping');
    await agent.stop();
    return 0;
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return error instanceof KgateError && error.user ? 2 : 1;
  }
}
