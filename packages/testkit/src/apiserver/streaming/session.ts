/**
 * An exec or attach session, apart from the wire protocol that carries it: the
 * transport feeds it the client's stdin and resize events, and gets back stdout,
 * stderr and one final Status. With a TTY, stderr is merged into stdout and the
 * input goes through the {@link Terminal}, as with a real pseudo-terminal.
 */
import { randomBytes } from 'node:crypto';
import { containerPath, findProgram } from './commands.ts';
import type { Container } from './container.ts';
import {
  executableNotFoundStatus,
  exitCodeStatus,
  internalErrorStatus,
  type StatusDialect,
  type StreamStatus,
  successStatus,
} from './exec-status.ts';
import { InputQueue } from './input.ts';
import { JobControl, type ProcessIo } from './process.ts';
import { shell } from './shell.ts';
import { Terminal, type TerminalSize } from './terminal.ts';

/** Which streams the client asked for (query `stdin`, `stdout`, `stderr`, `tty`). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Where a session's output goes: the transport. */
export interface SessionSink {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Called once, with the final status; the transport then closes. */
  finish(status: StreamStatus): void;
}

/** What a session needs of its pod. */
export interface SessionTarget {
  pod: string;
  container: Container;
  env: ReadonlyMap<string, string>;
}

export class RemoteCommandSession {
  readonly #sink: SessionSink;
  readonly #options: StreamOptions;
  readonly #kill = new AbortController();
  readonly #jobs = new JobControl();
  readonly #stdin = new InputQueue();
  readonly #terminal: Terminal | undefined;
  #finished = false;
  #detach: (() => void) | undefined;
  /** Called once when the session ends, however it ends. */
  onEnd: (() => void) | undefined;

  constructor(options: StreamOptions, sink: SessionSink) {
    this.#options = options;
    this.#sink = sink;
    if (options.tty) {
      this.#terminal = new Terminal({
        display: (data) => this.#stdout(data),
        deliver: (data) => this.#stdin.push(data),
        endOfInput: () => this.#stdin.pushEof(),
        interrupt: () => this.#jobs.interrupt(),
      });
    }
    if (!options.stdin) this.#stdin.close();
  }

  /** Bytes the client sent on stdin. */
  input(data: Buffer): void {
    if (!this.#options.stdin) return;
    if (this.#terminal !== undefined) this.#terminal.input(data);
    else this.#stdin.push(data);
  }

  /** The client closed stdin. */
  endInput(): void {
    this.#stdin.close();
  }

  resize(size: TerminalSize): void {
    if (this.#terminal !== undefined) this.#terminal.size = size;
  }

  /** The client went away: stop everything, report nothing. */
  abort(): void {
    this.#finished = true;
    this.#stop();
  }

  /** The container is going away: running commands are killed (exit 137). */
  kill(): void {
    this.#kill.abort('kill');
  }

  /**
   * Runs `command` in the container and finishes with its exit status. The command
   * starts on the next microtask, so input the transport already holds can be passed
   * on first.
   */
  exec(target: SessionTarget, command: readonly string[], dialect: StatusDialect): void {
    void Promise.resolve()
      .then(() => this.#exec(target, command, dialect))
      .then(
        (status) => this.#finish(status),
        (error: unknown) => this.#finish(internalErrorStatus(String(error))),
      );
  }

  /** Attaches to the container's main process until the container or the client goes away. */
  attach(container: Container): void {
    if (!container.running) {
      this.#finish(successStatus());
      return;
    }
    const unsubscribe = container.attach((data) => this.#write(data, 'stdout'));
    this.#detach = unsubscribe;
    void this.#pumpAttachInput(container).then(() => this.#finish(successStatus()));
  }

  async #exec(
    target: SessionTarget,
    command: readonly string[],
    dialect: StatusDialect,
  ): Promise<StreamStatus> {
    const [name = '', ...args] = command;
    const program = findProgram(name, shell);
    if (program === undefined) {
      return executableNotFoundStatus(name, randomBytes(32).toString('hex'));
    }
    const io: ProcessIo = {
      stdin: this.#stdin,
      out: (data) => this.#write(data, 'stdout'),
      err: (data) => this.#write(data, 'stderr'),
      signal: this.#kill.signal,
      env: containerEnv(target, this.#options.tty),
      hostname: target.pod,
      terminal: this.#terminal,
      jobs: this.#jobs,
    };
    // An interactive shell survives Ctrl-C; any other command is the foreground job.
    const interactiveShell = program === shell && !args.includes('-c');
    const code = interactiveShell
      ? await program(args, io)
      : await this.#jobs.run(io.signal, (signal) => program(args, { ...io, signal }));
    return code === 0 ? successStatus() : exitCodeStatus(code, command, dialect);
  }

  /** Feeds attach input to the main process until the session or the container ends. */
  async #pumpAttachInput(container: Container): Promise<void> {
    const ended = new Promise<void>((resolve) => {
      this.#kill.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const pump = (async () => {
      try {
        for (;;) {
          const chunk = await this.#stdin.read(this.#kill.signal);
          // The client closing stdin does not close the container's stdin (stdinOnce is false).
          if (chunk === null) return;
          container.stdin.push(chunk);
        }
      } catch {
        // Killed.
      }
    })();
    await pump;
    await ended;
  }

  #write(data: string | Buffer, stream: 'stdout' | 'stderr'): void {
    if (this.#finished) return;
    if (this.#terminal !== undefined) {
      this.#terminal.write(data);
      return;
    }
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    if (stream === 'stdout') this.#stdout(buffer);
    else if (this.#options.stderr) this.#sink.stderr(buffer);
  }

  #stdout(data: Buffer): void {
    if (!this.#finished && this.#options.stdout) this.#sink.stdout(data);
  }

  #finish(status: StreamStatus): void {
    if (this.#finished) {
      this.#stop();
      return;
    }
    this.#finished = true;
    this.#stop();
    this.#sink.finish(status);
  }

  #stop(): void {
    this.#detach?.();
    this.#detach = undefined;
    if (!this.#kill.signal.aborted) this.#kill.abort('kill');
    this.#stdin.close();
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }
}

/** The environment of a process exec'd in the container, in the order a runtime sets it. */
function containerEnv(target: SessionTarget, tty: boolean): Map<string, string> {
  const env = new Map<string, string>([
    ['PATH', containerPath],
    ['HOSTNAME', target.pod],
  ]);
  if (tty) env.set('TERM', 'xterm');
  for (const [name, value] of target.env) env.set(name, value);
  const service = [
    ['KUBERNETES_SERVICE_HOST', '10.96.0.1'],
    ['KUBERNETES_SERVICE_PORT', '443'],
    ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
    ['KUBERNETES_PORT', 'tcp://10.96.0.1:443'],
    ['KUBERNETES_PORT_443_TCP', 'tcp://10.96.0.1:443'],
    ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
    ['KUBERNETES_PORT_443_TCP_PORT', '443'],
    ['KUBERNETES_PORT_443_TCP_ADDR', '10.96.0.1'],
  ] as const;
  for (const [name, value] of service) if (!env.has(name)) env.set(name, value);
  if (!env.has('HOME')) env.set('HOME', '/root');
  return env;
}
