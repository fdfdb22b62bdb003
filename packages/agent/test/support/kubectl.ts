/**
 * Running the real kubectl in gateway tests: one-shot runs with a timeout (never
 * blocking the event loop, since central and the agent run in this process), and
 * long-running ones (watch, logs -f, port-forward) whose output a test waits on.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import net from 'node:net';
import { type KubectlVersion, kubectlPath } from '@kgate/testkit/kubectl';

export interface KubectlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kubectl to completion (killed after `timeoutMs`). */
export function kubectl(
  kubeconfig: string,
  args: string[],
  options: { version?: KubectlVersion; input?: string; timeoutMs?: number } = {},
): Promise<KubectlRun> {
  return new Promise((resolve) => {
    const child = spawn(kubectlPath(options.version ?? '1.33'), ['--kubeconfig', kubeconfig, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** A long-running kubectl. */
export interface SpawnedKubectl {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the whole output once it matches. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function spawnKubectl(
  kubeconfig: string,
  args: string[],
  version: KubectlVersion = '1.33',
): SpawnedKubectl {
  const child = spawn(kubectlPath(version), ['--kubeconfig', kubeconfig, ...args]);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
      for (const waiter of [...waiters]) waiter();
    }),
  );
  return {
    child,
    output: () => out,
    exited,
    waitFor(text, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const match = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
        const check = () => {
          if (match()) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(out);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`kubectl exited before printing ${String(text)}; output:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`kubectl did not print ${String(text)} within ${timeoutMs} ms; output:\n${out}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Sends `payload` to a local port and resolves with what comes back once the far side closes. */
export function echoThrough(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(payload));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.setTimeout(15_000, () => socket.destroy(new Error('no echo within 15 s')));
  });
}
