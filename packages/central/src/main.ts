import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { formatError, KgateError } from '@kgate/core/errors';
import { loadCentralConfig } from './config/index.ts';
import { type Central, startCentral } from './startup/start.ts';

const USAGE = `Usage: kgate-central [flags]

Flags (each overrides its KGATE_* variable and the config file):
  --config <file>        YAML config file (KGATE_CONFIG)
  --data-dir <dir>       data directory, default ~/.kgate/central (KGATE_DATA_DIR)
  --listen <host:port>   REST API and Kubernetes proxy, default 0.0.0.0:8443 (KGATE_SERVER_LISTEN)
  --agent-listen <h:p>   agent tunnel, default 0.0.0.0:8444 (KGATE_SERVER_AGENT_LISTEN)
  --log-level <level>    trace|debug|info|warn|error|fatal|silent, default info (KGATE_LOG_LEVEL)
  -h, --help             show this help

Settings without a flag (config file or KGATE_* variable), among others:
  server.public_url          where users reach central (KGATE_SERVER_PUBLIC_URL)
  server.agent_public_url    where agents reach central (KGATE_SERVER_AGENT_PUBLIC_URL)
  server.heartbeat_interval  agent heartbeat, default 10s (KGATE_SERVER_HEARTBEAT_INTERVAL)

KGATE_BOOTSTRAP_ADMIN_PASSWORD sets the first admin's password on first start.
`;

/**
 * kgate-central's command line: parses flags, loads the config, starts central and
 * stops it on SIGINT/SIGTERM. Resolves with the running Central, or with an exit code
 * after printing the error.
 */
export async function main(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  stderr: { write(text: string): unknown } = process.stderr,
): Promise<Central | number> {
  try {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (cause) {
      throw new KgateError('INVALID_ARGUMENT', (cause as Error).message, {
        hint: 'run kgate-central --help',
      });
    }
    if (parsed.help) {
      stderr.write(USAGE);
      return 0;
    }
    const config = await loadCentralConfig({
      flags: {
        config: parsed.config,
        dataDir: parsed['data-dir'],
        listen: parsed.listen,
        agentListen: parsed['agent-listen'],
        logLevel: parsed['log-level'],
      },
      env,
      home: env.HOME || homedir(),
    });
    const central = await startCentral({
      config,
      bootstrapAdminPassword: env.KGATE_BOOTSTRAP_ADMIN_PASSWORD || undefined,
      notices: stderr,
    });
    const stop = () => {
      void central.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return central;
  } catch (error) {
    stderr.write(`${formatError(error)}\n`);
    return error instanceof KgateError && error.user ? 2 : 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      listen: { type: 'string' },
      'agent-listen': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}
