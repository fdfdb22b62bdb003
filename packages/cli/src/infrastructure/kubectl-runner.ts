/**
 * Runs the local kubectl with the terminal handed over (stdio inherited, so `exec -it`,
 * prompts and colours behave as if kubectl were run directly), forwarding signals sent to
 * kgate and passing kubectl's exit status back.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { userError } from '../errors.ts';

/** One kubectl run. */
export interface KubectlInvocation {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

/** Runs kubectl; resolves with the exit code kgate should exit with. */
export type KubectlRunner = (invocation: KubectlInvocation) => Promise<number>;

// A Ctrl-C at the terminal reaches kubectl directly (same process group); these handlers
// keep kgate alive until kubectl has decided what to do, and pass on signals sent to kgate
// alone (`kill <pid>`, a supervisor stopping it).
const forwarded: NodeJS.Signals[] =
  process.platform === 'win32' ? ['SIGINT'] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** The production {@link KubectlRunner}. */
export const spawnKubectl: KubectlRunner = (invocation) =>
  new Promise((resolve, reject) => {
    // Listen before spawning, so that no signal can fall into a window where kgate would
    // die of it while kubectl runs on; a signal that comes before kubectl exists is passed
    // on as soon as it does.
    let child: ReturnType<typeof spawn> | undefined;
    const pending: NodeJS.Signals[] = [];
    const handlers = forwarded.map((signal) => {
      const handler = () => {
        if (child) child.kill(signal);
        else pending.push(signal);
      };
      process.on(signal, handler);
      return [signal, handler] as const;
    });
    child = spawn(invocation.command, [...invocation.args], {
      stdio: 'inherit',
      env: { ...invocation.env },
    });
    for (const signal of pending) child.kill(signal);
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      if (error.code === 'ENOENT') {
        reject(
          userError(
            'KUBECTL_NOT_FOUND',
            `kubectl was not found (looked for ${JSON.stringify(invocation.command)})`,
            'install kubectl, or set KGATE_KUBECTL to its path',
            { cause: error },
          ),
        );
      } else reject(error);
    });
    child.on('exit', (code, signal) => {
      cleanup();
      // The shell's convention for "killed by signal N".
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
