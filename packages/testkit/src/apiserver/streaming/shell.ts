/**
 * The fake container's `sh` (also answering to `bash` and `ash`): `sh -c 'script'`,
 * or lines read from stdin, each run as a list of simple commands joined by `;`,
 * `&&` and `||`. Built in: `exit [N]`, `NAME=value`, `export`, `cd /`; every other
 * command is a program of commands.ts. Messages follow busybox `ash`, the shell of
 * the small images people exec into. With a terminal it prints the prompt `/ # `,
 * and Ctrl-C interrupts the running command (or the line being typed), not the shell.
 */
import { findProgram } from './commands.ts';
import type { ProcessIo, Program } from './process.ts';
import { stoppedExitCode } from './process.ts';
import { expandWord, type ListOperator, ShellSyntaxError, type Token, tokenize } from './shell-parse.ts';

const prompt = '/ # ';

interface ShellState {
  io: ProcessIo;
  vars: Map<string, string>;
  status: number;
}

/** Set when `exit` ran: the shell ends with `status`. */
interface RunResult {
  exit: boolean;
}

export const shell: Program = async (args, io) => {
  const state: ShellState = { io, vars: new Map(io.env), status: 0 };
  const [first, second] = args;
  if (first === '-c') {
    if (second === undefined) {
      io.err('sh: -c requires an argument\n');
      return 2;
    }
    await runLine(state, second);
    return state.status;
  }
  if (first !== undefined && first !== '-' && first !== '-i') {
    io.err(`sh: can't open '${first}': No such file or directory\n`);
    return 2;
  }
  return readLoop(state);
};

/** Reads and runs lines until the end of input or `exit`. */
async function readLoop(state: ShellState): Promise<number> {
  const { io } = state;
  for (;;) {
    if (io.terminal !== undefined) io.out(prompt);
    let line: string | null;
    try {
      line = await io.jobs.run(io.signal, (signal) => io.stdin.readLine(signal));
    } catch (error) {
      const stopped = stoppedExitCode(io.signal);
      if (stopped !== undefined) return stopped;
      // Ctrl-C while typing: the terminal dropped the line; show a new prompt.
      if (error === 'interrupt') continue;
      throw error;
    }
    if (line === null) return state.status;
    const result = await runLine(state, line);
    if (result.exit) return state.status;
    const stopped = stoppedExitCode(io.signal);
    if (stopped !== undefined) return stopped;
  }
}

async function runLine(state: ShellState, line: string): Promise<RunResult> {
  let tokens: Token[];
  try {
    tokens = tokenize(line);
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error;
    state.io.err(`sh: syntax error: ${error.message}\n`);
    state.status = 2;
    return { exit: false };
  }
  let words: Token[] = [];
  let connector: ListOperator = ';';
  for (const token of [...tokens, { kind: 'list', op: ';' } as const]) {
    if (token.kind === 'word') {
      words.push(token);
      continue;
    }
    if (token.kind === 'unsupported') {
      state.io.err(`sh: '${token.op}' is not supported by this test container's shell\n`);
      state.status = 2;
      return { exit: false };
    }
    const skip = (connector === '&&' && state.status !== 0) || (connector === '||' && state.status === 0);
    if (words.length > 0 && !skip) {
      const result = await runCommand(state, words);
      if (result.exit) return result;
    }
    words = [];
    connector = token.op;
  }
  return { exit: false };
}

async function runCommand(state: ShellState, tokens: Token[]): Promise<RunResult> {
  const lookup = (name: string): string => {
    if (name === '?') return String(state.status);
    if (name === '$') return '1';
    if (name === '0') return 'sh';
    return state.vars.get(name) ?? '';
  };
  const argv: string[] = [];
  for (const token of tokens) {
    if (token.kind !== 'word') continue;
    const value = expandWord(token.word, lookup);
    if (value !== undefined) argv.push(value);
  }
  const assignments = new Map<string, string>();
  while (argv.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0] ?? '')) {
    const assignment = argv.shift() ?? '';
    const eq = assignment.indexOf('=');
    assignments.set(assignment.slice(0, eq), assignment.slice(eq + 1));
  }
  const [name, ...args] = argv;
  if (name === undefined) {
    for (const [key, value] of assignments) state.vars.set(key, value);
    state.status = 0;
    return { exit: false };
  }
  const { io } = state;
  switch (name) {
    case 'exit': {
      const code = args[0] === undefined ? state.status : Number(args[0]);
      if (!Number.isInteger(code) || code < 0) {
        io.err(`sh: exit: Illegal number: ${args[0]}\n`);
        state.status = 2;
        return { exit: true };
      }
      state.status = code % 256;
      return { exit: true };
    }
    case 'export':
      for (const arg of args) {
        const eq = arg.indexOf('=');
        if (eq > 0) state.vars.set(arg.slice(0, eq), arg.slice(eq + 1));
      }
      state.status = 0;
      return { exit: false };
    case 'cd':
      if (args[0] !== undefined && args[0] !== '/') {
        io.err(`sh: cd: can't cd to ${args[0]}: No such file or directory\n`);
        state.status = 2;
      } else {
        state.status = 0;
      }
      return { exit: false };
  }
  const program = findProgram(name, shell);
  if (program === undefined) {
    io.err(`sh: ${name}: not found\n`);
    state.status = 127;
    return { exit: false };
  }
  const env = new Map(state.vars);
  for (const [key, value] of assignments) env.set(key, value);
  state.status = await io.jobs.run(io.signal, (signal) => program(args, { ...io, env, signal }));
  return { exit: false };
}
