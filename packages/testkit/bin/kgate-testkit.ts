#!/usr/bin/env node
/**
 * kgate-testkit: test fixtures runnable by hand.
 *
 *   kgate-testkit apiserver --listen 127.0.0.1:6443 --write-kubeconfig FILE [...]
 */
import { formatError } from '@kgate/core/errors';
import { apiserverUsage, startFromArgs } from '../src/apiserver/cli.ts';

const usage = `Usage: kgate-testkit <command> [options]

Commands:
  apiserver   run the test Kubernetes API server (see: kgate-testkit apiserver --help)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    process.stdout.write(usage);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'apiserver') {
    process.stderr.write(`error: unknown command "${command}"\nhint: the only command is "apiserver"\n`);
    return 2;
  }
  const server = await startFromArgs(rest, { stdout: (line) => process.stdout.write(`${line}\n`) });
  if (server === undefined) return 0;
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${formatError(error)}\n`);
    if (
      error instanceof Error &&
      /^(ERR_PARSE_ARGS|INVALID_ARGUMENT)/.test(String((error as { code?: unknown }).code))
    )
      process.stderr.write(apiserverUsage);
    process.exitCode = 2;
  },
);
