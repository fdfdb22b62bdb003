/**
 * A process's standard input inside the fake container: bytes pushed by a transport
 * (or cooked by the terminal), read a chunk or a line at a time by the built-in
 * commands. An end of input can be one-shot (Ctrl-D on a terminal: `cat` ends, the
 * shell reading after it gets more input) or final (the client closed stdin).
 */

import { StringDecoder } from 'node:string_decoder';

const eof = Symbol('eof');
type Item = Buffer | typeof eof;

interface Waiter {
  wake: () => void;
}

export class InputQueue {
  readonly #items: Item[] = [];
  #waiter: Waiter | undefined;
  #closed = false;
  #partialLine = '';
  readonly #decoder = new StringDecoder('utf8');

  /** True once the final end of input was pushed and everything before it was read. */
  get drained(): boolean {
    return this.#closed && this.#items.length === 0;
  }

  push(chunk: Buffer): void {
    if (this.#closed || chunk.length === 0) return;
    this.#items.push(chunk);
    this.#wake();
  }

  /** A one-shot end of input: the next read returns `null`, reads after it go on. */
  pushEof(): void {
    if (this.#closed) return;
    this.#items.push(eof);
    this.#wake();
  }

  /** The final end of input. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
  }

  /** The next chunk, or `null` at an end of input. Rejects with the signal's reason when aborted. */
  async read(signal: AbortSignal): Promise<Buffer | null> {
    for (;;) {
      if (this.#partialLine !== '') {
        const rest = Buffer.from(this.#partialLine);
        this.#partialLine = '';
        return rest;
      }
      const item = this.#items.shift();
      if (item === eof) return null;
      if (item !== undefined) return item;
      if (this.#closed) return null;
      await this.#wait(signal);
    }
  }

  /** The next line without its `\n`, or `null` at an end of input with nothing pending. */
  async readLine(signal: AbortSignal): Promise<string | null> {
    for (;;) {
      const newline = this.#partialLine.indexOf('\n');
      if (newline >= 0) {
        const line = this.#partialLine.slice(0, newline);
        this.#partialLine = this.#partialLine.slice(newline + 1);
        return line;
      }
      const item = this.#items.shift();
      if (item === eof || (item === undefined && this.#closed)) {
        if (this.#partialLine === '') return null;
        const line = this.#partialLine;
        this.#partialLine = '';
        return line;
      }
      if (item !== undefined) {
        this.#partialLine += this.#decoder.write(item);
        continue;
      }
      await this.#wait(signal);
    }
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.wake();
  }

  #wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.#waiter = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = {
        wake: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
    });
  }
}
