/**
 * Running real programs (kubectl, the kgate bins) from tests without blocking the event
 * loop, since the servers they talk to often run in the test's own process: one-shot
 * runs with a timeout, and long-running ones whose output a test waits on.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';

/** How a one-shot run ended and what it printed. `code` is null when it was killed. */
export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runProcess} and {@link startProcess}. */
export interface ProcessOptions {
  /** The whole environment of the child. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions extends ProcessOptions {
  /** Written to stdin, which is then closed. Default: stdin is closed at once. */
  input?: string;
  /** SIGKILL after this long. Default: 30 s. */
  timeoutMs?: number;
}

/** Runs `command args…` to completion; rejects only when it cannot be started. */
export function runProcess(
  command: string,
  args: string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running program and everything it printed. */
export interface BackgroundProcess {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /**
   * Resolves with the whole output once it contains `text` (or matches it); rejects when
   * the program exits first or `timeoutMs` (default 20 s) passes.
   */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) unless it already exited; resolves once it has. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions extends ProcessOptions {
  /** SIGKILL after this long, so a stuck program cannot outlive the test. Default: never. */
  killAfterMs?: number;
}

/** Starts `command args…` in the background; stop it (or let it exit) before the test ends. */
export function startProcess(
  command: string,
  args: string[],
  options: StartProcessOptions = {},
): BackgroundProcess {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd });
  const name = path.basename(command);
  let out = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const onData = (chunk: string) => {
    out += chunk;
    notify();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const killer =
    options.killAfterMs === undefined
      ? undefined
      : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
      notify();
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
            reject(new Error(`${name} exited before printing ${String(text)}; output:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${name} did not print ${String(text)} within ${timeoutMs} ms; output:\n${out}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
