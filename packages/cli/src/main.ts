/**
 * `main(argv, options)`: the whole CLI as a function, runnable in-process with captured
 * output (tests) and by the `kgate` bin. Returns the exit code; never calls process.exit.
 */

import { formatError } from '@kgate/core/errors';
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { adminCommand } from './commands/admin/index.ts';
import { clustersCommand } from './commands/clusters/index.ts';
import { kubectlCommand, runKubectl } from './commands/kubectl.ts';
import { loginCommand } from './commands/login.ts';
import { logoutCommand } from './commands/logout.ts';
import { oidcLoginCommand, oidcLoginMain } from './commands/oidc-login/index.ts';
import { statusCommand } from './commands/status.ts';
import { tokenMain } from './commands/token.ts';
import { type CliContext, type CliOverrides, createContext } from './context.ts';
import { type CliIO, processIO } from './infrastructure/stdio.ts';

/** What `main()` accepts: any of the standard streams and environment, and test stand-ins. */
export interface MainOptions extends Partial<CliIO>, CliOverrides {}

/** The `token` command as help lists it; `main()` runs `kgate token` before commander. */
function tokenCommand(): Command {
  return new Command('token')
    .description('print an ExecCredential for kubectl (the exec credential plugin kubeconfigs run)')
    .option('--server <url>', 'kgate-central URL (default: the current server)');
}

/** Applies the in-process settings to a command and every subcommand (addCommand does not inherit them). */
function configureTree(command: Command, io: CliIO): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  command.showHelpAfterError('(run with --help for usage)');
  for (const sub of command.commands) configureTree(sub, io);
}

/** The command tree. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('kgate')
    .description('reach Kubernetes clusters through kgate-central')
    .version(packageJson.version, '--version', 'print the kgate version')
    .addCommand(loginCommand(context))
    .addCommand(logoutCommand(context))
    .addCommand(statusCommand(context))
    .addCommand(clustersCommand(context))
    .addCommand(kubectlCommand())
    .addCommand(tokenCommand())
    .addCommand(oidcLoginCommand())
    .addCommand(adminCommand(context));
  configureTree(program, context.io);
  return program;
}

/**
 * Runs kgate with `argv` (the words after `kgate`).
 *
 * @returns the exit code: 0 on success, 1 on an error (printed as `error: …` and `hint: …`,
 *   with a stack only for internal errors when `KGATE_DEBUG` is set), kubectl's own for
 *   `kgate kubectl`
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const real = processIO();
  const io: CliIO = {
    stdin: options.stdin ?? real.stdin,
    stdout: options.stdout ?? real.stdout,
    stderr: options.stderr ?? real.stderr,
    env: options.env ?? real.env,
  };
  const [verb, ...rest] = argv;
  if (verb === 'token') {
    return tokenMain(rest, io, {
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.keyring === undefined ? {} : { keyring: options.keyring }),
      ...(options.transport === undefined ? {} : { transport: options.transport }),
    });
  }
  if (verb === 'oidc-login') {
    return oidcLoginMain(
      rest,
      { ...io, stdin: () => io.stdin, stdinIsTerminal: () => io.stdin.isTTY === true },
      {
        ...(options.keyring === undefined ? {} : { keyring: options.keyring }),
        ...(options.nodePath === undefined ? {} : { nodePath: options.nodePath }),
      },
    );
  }
  const context = createContext(io, options);
  try {
    // Every argument after `kubectl` is kubectl's, `-h` and `-o` included.
    if ((verb === 'kubectl' || verb === 'k') && rest[0] !== '--help') return await runKubectl(context, rest);
    await buildProgram(context).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has printed its own message (or the help) already.
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr.write(`${formatError(error, Boolean(io.env.KGATE_DEBUG))}\n`);
    return 1;
  }
}
