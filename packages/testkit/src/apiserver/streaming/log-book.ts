/**
 * One container's log, as the kubelet keeps it: whole lines with the time they were
 * written, a reader that can pick a window of them, and followers that get every new
 * line as it is written until the container goes away.
 */

/** One line of a container log, without its newline. */
export interface LogEntry {
  /** Milliseconds since the epoch when the line was written. */
  time: number;
  line: string;
}

/** Called with each new line; `undefined` when the log ends (the container is gone). */
export type LogFollower = (entry: LogEntry | undefined) => void;

export class LogBook {
  readonly #entries: LogEntry[] = [];
  readonly #followers = new Set<LogFollower>();
  readonly #now: () => number;
  #partial = '';
  #ended = false;

  constructor(now: () => number) {
    this.#now = now;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Every line written so far. */
  entries(): readonly LogEntry[] {
    return this.#entries;
  }

  /** Appends whole lines; a `\n` inside `text` starts a new line. */
  appendLine(text: string): void {
    for (const line of text.split('\n')) this.#push(line);
  }

  /**
   * Appends raw output of a process: complete lines go in at once, a trailing partial
   * line waits for its newline (a runtime's log driver does the same).
   */
  appendOutput(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#push(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  /** Registers a follower; returns the function that unregisters it. */
  follow(follower: LogFollower): () => void {
    if (this.#ended) {
      follower(undefined);
      return () => {};
    }
    this.#followers.add(follower);
    return () => this.#followers.delete(follower);
  }

  /** Ends the log: followers are told once, and no more lines are accepted. */
  end(): void {
    if (this.#ended) return;
    if (this.#partial !== '') this.#push(this.#partial);
    this.#partial = '';
    this.#ended = true;
    const followers = [...this.#followers];
    this.#followers.clear();
    for (const follower of followers) follower(undefined);
  }

  #push(line: string): void {
    if (this.#ended) return;
    const entry = { time: this.#now(), line };
    this.#entries.push(entry);
    for (const follower of [...this.#followers]) follower(entry);
  }
}
