/**
 * What a process in the fake container sees: its stdin, stdout and stderr, its
 * environment, its terminal if it has one, and a signal that aborts it. Ctrl-C on a
 * terminal interrupts only the foreground job ({@link JobControl}); ending the session
 * or deleting the pod kills everything.
 */
import type { InputQueue } from './input.ts';
import type { Terminal } from './terminal.ts';

/** Why a process was stopped: Ctrl-C (exit 130) or a kill (exit 137, as SIGKILL). */
export type StopReason = 'interrupt' | 'kill';

export interface ProcessIo {
  stdin: InputQueue;
  out: (data: string | Buffer) => void;
  err: (data: string | Buffer) => void;
  /** Aborted with a {@link StopReason}. */
  signal: AbortSignal;
  /** The environment, in the order `env` prints it. */
  env: Map<string, string>;
  hostname: string;
  terminal: Terminal | undefined;
  jobs: JobControl;
}

/** A program: resolves to its exit code. */
export type Program = (args: string[], io: ProcessIo) => Promise<number>;

/** The exit code of a process stopped by `signal`, or `undefined` if it was not stopped. */
export function stoppedExitCode(signal: AbortSignal): number | undefined {
  if (!signal.aborted) return undefined;
  return signal.reason === 'interrupt' ? 130 : 137;
}

/** Which job Ctrl-C interrupts. */
export class JobControl {
  #foreground: AbortController | undefined;

  /** Interrupts the foreground job; false if there is none. */
  interrupt(): boolean {
    if (this.#foreground === undefined) return false;
    this.#foreground.abort('interrupt' satisfies StopReason);
    return true;
  }

  /** Runs `job` in the foreground with a signal that `parent` and Ctrl-C both abort. */
  async run<T>(parent: AbortSignal, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onParentAbort = () => controller.abort(parent.reason);
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener('abort', onParentAbort, { once: true });
    const previous = this.#foreground;
    this.#foreground = controller;
    try {
      return await job(controller.signal);
    } finally {
      this.#foreground = previous;
      parent.removeEventListener('abort', onParentAbort);
    }
  }
}
