/**
 * The agent's settings from flags, environment and an optional YAML file, in that
 * order of precedence (flags > env > file). Pure lookup apart from reading the file.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KgateError } from '@kgate/core/errors';
import { parse as parseYaml } from 'yaml';
import type { LogLevel } from './log.ts';

/** Everything `kgate-agent` needs to run. */
export interface AgentConfig {
  centralUrl: string;
  clusterName: string;
  /** The join token; may be missing when `stateDir` is given (a saved certificate may do). */
  token: string | undefined;
  /** Directory where the agent keeps its key and client certificate across restarts. */
  stateDir?: string;
  /** PEM file with the CA that signed central's agent-port certificate. */
  centralCa?: string;
  /** Run outside the cluster: the apiserver of this kubeconfig (else in-cluster). */
  kubeconfig?: string;
  context?: string;
  idleStreams?: number;
  logLevel: LogLevel;
}

/** The flags `kgate-agent` takes. */
export const agentUsage = `Usage: kgate-agent --central-url URL --cluster-name NAME --token TOKEN [options]

Dials kgate-central, registers the cluster and forwards tunnelled requests to its API server.

Options (flags > environment > --config file):
  --central-url URL       central's agent port, https://host:port      (CENTRAL_URL)
  --cluster-name NAME     the cluster's name in central                 (CLUSTER_NAME)
  --token TOKEN           the join token from "kgate admin clusters add" (AGENT_TOKEN)
  --token-file FILE       read the join token from FILE                  (AGENT_TOKEN_FILE)
  --central-ca FILE       CA bundle that signed central's certificate    (CENTRAL_CA)
  --state-dir DIR         keep the agent's key and client certificate in DIR (mode
                          0600), so a restart needs no join token while the
                          certificate is valid; default: memory only    (AGENT_STATE_DIR)
  --kubeconfig FILE       reach the API server through FILE (default: in-cluster ServiceAccount)
  --context NAME          context of --kubeconfig (default: its current context)
  --idle-streams N        idle tunnel streams kept open (default 8)
  --log-level LEVEL       debug | info | warn | error (default info)     (LOG_LEVEL)
  --config FILE           YAML file with centralUrl, clusterName, token, tokenFile,
                          centralCa, stateDir, kubeconfig, context, idleStreams, logLevel
  -h, --help              show this help
  --version               print the agent's version
`;

type Raw = Partial<Record<keyof AgentConfig | 'tokenFile', string>>;

const fileKeys = [
  'centralUrl',
  'clusterName',
  'token',
  'tokenFile',
  'centralCa',
  'stateDir',
  'kubeconfig',
  'context',
  'idleStreams',
  'logLevel',
] as const;

function fromFile(file: string): Raw {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KgateError(
      'CONFIG_INVALID',
      `cannot read the agent config ${file}: ${(error as Error).message}`,
      {
        hint: 'pass a readable YAML file to --config',
        cause: error,
      },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new KgateError('CONFIG_INVALID', `the agent config ${file} is not a YAML mapping`, {
      hint: `write keys such as centralUrl: https://central:8443`,
    });
  const raw: Raw = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(fileKeys as readonly string[]).includes(key))
      throw new KgateError('CONFIG_INVALID', `unknown key "${key}" in the agent config ${file}`, {
        hint: `known keys: ${fileKeys.join(', ')}`,
      });
    if (value !== null && value !== undefined) raw[key as (typeof fileKeys)[number]] = String(value);
  }
  return raw;
}

function pick(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '');
}

/** The result of parsing the command line: run with a config, or print something. */
export type ParsedCommand = { kind: 'run'; config: AgentConfig } | { kind: 'help' } | { kind: 'version' };

/**
 * Resolves the agent's settings.
 *
 * @example
 * ```ts
 * const command = resolveAgentConfig(process.argv.slice(2), process.env);
 * ```
 */
export function resolveAgentConfig(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'central-url': { type: 'string' },
        'cluster-name': { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        'central-ca': { type: 'string' },
        'state-dir': { type: 'string' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        'idle-streams': { type: 'string' },
        'log-level': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new KgateError('INVALID_ARGUMENT', (error as Error).message, { hint: 'run kgate-agent --help' });
  }
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  const flag = (name: string) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const file = flag('config') ?? env.KGATE_AGENT_CONFIG;
  const fileRaw = file === undefined || file === '' ? {} : fromFile(file);

  const centralUrl = pick(flag('central-url'), env.CENTRAL_URL, fileRaw.centralUrl);
  const clusterName = pick(flag('cluster-name'), env.CLUSTER_NAME, fileRaw.clusterName);
  const tokenFile = pick(flag('token-file'), env.AGENT_TOKEN_FILE, fileRaw.tokenFile);
  let token = pick(flag('token'), env.AGENT_TOKEN, fileRaw.token);
  if (token === undefined && tokenFile !== undefined) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      throw new KgateError('CONFIG_INVALID', `cannot read the join token file ${tokenFile}`, {
        hint: 'check the path given to --token-file',
        cause: error,
      });
    }
  }
  const stateDir = pick(flag('state-dir'), env.AGENT_STATE_DIR, fileRaw.stateDir);
  if (token === '') token = undefined;
  const missing = [
    centralUrl === undefined ? '--central-url (CENTRAL_URL)' : undefined,
    clusterName === undefined ? '--cluster-name (CLUSTER_NAME)' : undefined,
    // With a state dir, a saved certificate may be enough; the agent says so if it is not.
    token === undefined && stateDir === undefined ? '--token (AGENT_TOKEN)' : undefined,
  ].filter((m) => m !== undefined);
  if (centralUrl === undefined || clusterName === undefined || missing.length > 0)
    throw new KgateError('CONFIG_INVALID', `missing ${missing.join(', ')}`, {
      hint: 'pass the flags, set the environment variables, or name a --config file',
    });

  let url: URL;
  try {
    url = new URL(centralUrl);
  } catch {
    throw new KgateError('CONFIG_INVALID', `central URL "${centralUrl}" is not a URL`, {
      hint: 'use https://host:port of central’s agent port',
    });
  }
  if (url.protocol !== 'https:')
    throw new KgateError('CONFIG_INVALID', `central URL "${centralUrl}" is not https`, {
      hint: 'the agent only dials central over TLS',
    });
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(clusterName))
    throw new KgateError('CONFIG_INVALID', `cluster name "${clusterName}" is not a DNS-1123 name`, {
      hint: 'use lower-case letters, digits, "-" and "."',
    });

  const config: AgentConfig = {
    centralUrl: url.origin,
    clusterName,
    token,
    logLevel: 'info',
  };
  const centralCa = pick(flag('central-ca'), env.CENTRAL_CA, fileRaw.centralCa);
  if (centralCa !== undefined) config.centralCa = centralCa;
  if (stateDir !== undefined) config.stateDir = stateDir;
  const kubeconfig = pick(flag('kubeconfig'), fileRaw.kubeconfig);
  if (kubeconfig !== undefined) config.kubeconfig = kubeconfig;
  const context = pick(flag('context'), fileRaw.context);
  if (context !== undefined) config.context = context;
  const idle = pick(flag('idle-streams'), fileRaw.idleStreams);
  if (idle !== undefined) {
    const n = Number(idle);
    if (!Number.isInteger(n) || n < 1 || n > 256)
      throw new KgateError('CONFIG_INVALID', `--idle-streams "${idle}" is not a number from 1 to 256`, {
        hint: 'the default of 8 suits most clusters',
      });
    config.idleStreams = n;
  }
  const level = pick(flag('log-level'), env.LOG_LEVEL, fileRaw.logLevel) ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new KgateError('CONFIG_INVALID', `log level "${level}" is not debug, info, warn or error`, {
      hint: 'pass --log-level info',
    });
  config.logLevel = level as LogLevel;
  return { kind: 'run', config };
}
