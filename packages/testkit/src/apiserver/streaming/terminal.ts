/**
 * The pseudo-terminal of a TTY session, reduced to what makes `kubectl exec -it … sh`
 * usable: the client's terminal is in raw mode and sends keystrokes, so this side
 * echoes them, edits the line (backspace, Ctrl-U), hands whole lines to the process
 * (Enter sends `\r`, the process reads `\n`), turns Ctrl-C into an interrupt and
 * Ctrl-D on an empty line into an end of input, and writes the process's `\n` as
 * `\r\n` as a terminal's output processing does. Escape sequences (arrow keys) are
 * swallowed: there is no line history.
 */

export interface TerminalSize {
  width: number;
  height: number;
}

export interface TerminalHooks {
  /** Bytes for the client's screen (echo and output). */
  display: (data: Buffer) => void;
  /** A cooked line (or, after Ctrl-D, a partial one) for the process. */
  deliver: (data: Buffer) => void;
  /** Ctrl-D on an empty line. */
  endOfInput: () => void;
  /** Ctrl-C. */
  interrupt: () => void;
}

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const CTRL_U = 0x15;
const ESC = 0x1b;
const DEL = 0x7f;

export class Terminal {
  /** The size last reported by the client (80x24 until it says otherwise). */
  size: TerminalSize = { width: 80, height: 24 };
  readonly #hooks: TerminalHooks;
  #line: string[] = [];
  #escape: 'none' | 'start' | 'csi' = 'none';

  constructor(hooks: TerminalHooks) {
    this.#hooks = hooks;
  }

  /** Output of the process, with `\n` written as `\r\n`. */
  write(data: Buffer | string): void {
    const text = typeof data === 'string' ? data : data.toString('utf8');
    this.#hooks.display(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
  }

  /** Keystrokes from the client. */
  input(data: Buffer): void {
    for (const char of data.toString('utf8')) this.#key(char);
  }

  #key(char: string): void {
    const code = char.codePointAt(0) ?? 0;
    if (this.#escape !== 'none') {
      this.#skipEscape(code);
      return;
    }
    switch (code) {
      case 0x0d:
      case 0x0a: {
        const line = this.#line.join('');
        this.#line = [];
        this.#echo('\r\n');
        this.#hooks.deliver(Buffer.from(`${line}\n`));
        return;
      }
      case DEL:
      case BACKSPACE:
        if (this.#line.pop() !== undefined) this.#echo('\b \b');
        return;
      case CTRL_U:
        this.#echo('\b \b'.repeat(this.#line.length));
        this.#line = [];
        return;
      case CTRL_C:
        this.#line = [];
        this.#echo('^C\r\n');
        this.#hooks.interrupt();
        return;
      case CTRL_D:
        if (this.#line.length === 0) {
          this.#hooks.endOfInput();
        } else {
          this.#hooks.deliver(Buffer.from(this.#line.join('')));
          this.#line = [];
        }
        return;
      case ESC:
        this.#escape = 'start';
        return;
      default:
        if (code < 0x20 && code !== 0x09) return;
        this.#line.push(char);
        this.#echo(char);
    }
  }

  #skipEscape(code: number): void {
    if (this.#escape === 'start') {
      this.#escape = code === 0x5b ? 'csi' : 'none';
      return;
    }
    // A CSI sequence ends with a byte in 0x40–0x7e.
    if (code >= 0x40 && code <= 0x7e) this.#escape = 'none';
  }

  #echo(text: string): void {
    this.#hooks.display(Buffer.from(text));
  }
}
