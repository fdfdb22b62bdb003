/**
 * Questions on the terminal: prompts go to stderr (stdout is for data), answers come from
 * stdin. A secret is read with the terminal in raw mode so it is never echoed.
 */
import { userError } from '../errors.ts';
import type { CliInput, CliOutput } from './stdio.ts';

/** Asks for things on a terminal. */
export interface Prompter {
  /** Whether there is a person to ask (stdin is a terminal). */
  readonly interactive: boolean;
  line(question: string): Promise<string>;
  secret(question: string): Promise<string>;
}

function aborted(): Error {
  return userError('INVALID_ARGUMENT', 'cancelled at the prompt', 'run the command again when ready');
}

/** Reads one line without consuming (or destroying) the rest of the stream. */
function readLine(input: CliInput): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const cleanup = () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', reject);
      input.pause();
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end >= 0) {
        cleanup();
        resolve(text.slice(0, end).replace(/\r$/, ''));
      }
    };
    const onEnd = () => {
      cleanup();
      if (text === '') reject(aborted());
      else resolve(text);
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', reject);
    input.resume();
  });
}

/** Reads a line with echo off; handles backspace, Ctrl-C and Ctrl-D. */
function readSecret(input: CliInput): Promise<string> {
  return new Promise((resolve, reject) => {
    let secret = '';
    input.setRawMode?.(true);
    const finish = (error: Error | undefined) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      if (error) reject(error);
      else resolve(secret);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') return finish(undefined);
        if (char === '\u0003' || (char === '\u0004' && secret === '')) return finish(aborted());
        if (char === '\u007f' || char === '\b') secret = secret.slice(0, -1);
        else if (char >= ' ') secret += char;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

/** The {@link Prompter} over a terminal; not interactive when stdin is not one. */
export function terminalPrompter(stdin: CliInput, stderr: CliOutput): Prompter {
  return {
    interactive: stdin.isTTY === true,
    async line(question) {
      stderr.write(question);
      return (await readLine(stdin)).trim();
    },
    async secret(question) {
      stderr.write(question);
      try {
        return await readSecret(stdin);
      } finally {
        stderr.write('\n');
      }
    },
  };
}
