/**
 * One fake container: its log and its main process. The main process echoes what
 * arrives on its stdin (from `kubectl attach -i`) to its stdout; its stdout goes to
 * the log and to every attached session, as a runtime's log driver and attach do.
 */
import { InputQueue } from './input.ts';
import { LogBook } from './log-book.ts';

export type OutputListener = (data: Buffer) => void;

export class Container {
  readonly name: string;
  readonly log: LogBook;
  /** The main process's stdin; shared by every attached session. */
  readonly stdin = new InputQueue();
  readonly #listeners = new Set<OutputListener>();
  readonly #stop = new AbortController();

  constructor(name: string, now: () => number, startupLines: readonly string[]) {
    this.name = name;
    this.log = new LogBook(now);
    for (const line of startupLines) this.log.appendLine(line);
    void this.#run();
  }

  get running(): boolean {
    return !this.#stop.signal.aborted;
  }

  /** Subscribes to the main process's output; returns the unsubscribe function. */
  attach(listener: OutputListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the main process and ends the log (followers finish). */
  stop(): void {
    if (!this.running) return;
    this.#stop.abort('kill');
    this.stdin.close();
    this.#listeners.clear();
    this.log.end();
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.stdin.read(this.#stop.signal);
        if (chunk === null) return;
        this.#write(chunk);
      }
    } catch {
      // Stopped: the container is gone.
    }
  }

  #write(data: Buffer): void {
    this.log.appendOutput(data.toString('utf8'));
    for (const listener of [...this.#listeners]) listener(data);
  }
}
