/**
 * A push-fed async iterable: the outgoing side of a streaming RPC, written to from
 * event handlers and read by the RPC framework.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;
  #done = false;
  #error: unknown;

  /** Queues a value (ignored after {@link close}). */
  push(value: T): void {
    if (this.#done) return;
    this.#items.push(value);
    this.#signal();
  }

  /** Ends the iteration after the queued values; with `error`, throws it instead. */
  close(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#signal();
  }

  get closed(): boolean {
    return this.#done;
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#done) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}
