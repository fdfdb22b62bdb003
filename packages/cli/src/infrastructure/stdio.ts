/**
 * The CLI's standard streams and environment as one value, so that `main()` runs in-process
 * in tests with captured output (wrangler style) and as the real program alike.
 */

/** Standard input: a stream, and a terminal when `isTTY`. */
export interface CliInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Standard output or error. */
export interface CliOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** What the CLI reads from and writes to. */
export interface CliIO {
  stdin: CliInput;
  stdout: CliOutput;
  stderr: CliOutput;
  env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams. */
export function processIO(): CliIO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * Reads the first line of `input` (without its line ending) — what `--password-stdin`
 * takes — and stops reading there. At end of input the text read so far is the line.
 */
export async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const end = text.indexOf('\n');
    if (end >= 0) {
      text = text.slice(0, end);
      break;
    }
  }
  return text.replace(/\r$/, '');
}
