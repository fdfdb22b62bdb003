/**
 * The programs of the fake container (besides `sh`, see shell.ts): enough to drive
 * exec sessions deterministically. Texts of usage errors follow GNU coreutils.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { type ProcessIo, type Program, stoppedExitCode } from './process.ts';

const echo: Program = async (args, io) => {
  const noNewline = args[0] === '-n';
  const words = noNewline ? args.slice(1) : args;
  io.out(`${words.join(' ')}${noNewline ? '' : '\n'}`);
  return 0;
};

/** Copies a file (only `-` = stdin and /etc/hostname exist) or stdin to stdout. */
const cat: Program = async (args, io) => {
  const files = args.length === 0 ? ['-'] : args;
  let code = 0;
  for (const file of files) {
    if (file === '-') {
      const stopped = await copyStdin(io);
      if (stopped !== undefined) return stopped;
    } else if (file === '/etc/hostname') {
      io.out(`${io.hostname}\n`);
    } else {
      io.err(`cat: ${file}: No such file or directory\n`);
      code = 1;
    }
  }
  return code;
};

async function copyStdin(io: ProcessIo): Promise<number | undefined> {
  try {
    for (;;) {
      const chunk = await io.stdin.read(io.signal);
      if (chunk === null) return undefined;
      io.out(chunk);
    }
  } catch (error) {
    const stopped = stoppedExitCode(io.signal);
    if (stopped === undefined) throw error;
    return stopped;
  }
}

const env: Program = async (_args, io) => {
  for (const [name, value] of io.env) io.out(`${name}=${value}\n`);
  return 0;
};

const printenv: Program = async (args, io) => {
  if (args.length === 0) return env(args, io);
  let code = 0;
  for (const name of args) {
    const value = io.env.get(name);
    if (value === undefined) code = 1;
    else io.out(`${value}\n`);
  }
  return code;
};

const hostname: Program = async (_args, io) => {
  io.out(`${io.hostname}\n`);
  return 0;
};

const sleep: Program = async (args, io) => {
  if (args.length === 0) {
    io.err("sleep: missing operand\nTry 'sleep --help' for more information.\n");
    return 1;
  }
  let seconds = 0;
  for (const arg of args) {
    const value = Number(arg);
    if (arg.trim() === '' || !Number.isFinite(value) || value < 0) {
      io.err(`sleep: invalid time interval '${arg}'\nTry 'sleep --help' for more information.\n`);
      return 1;
    }
    seconds += value;
  }
  try {
    await sleepFor(seconds * 1000, undefined, { signal: io.signal });
    return 0;
  } catch (error) {
    const stopped = stoppedExitCode(io.signal);
    if (stopped === undefined) throw error;
    return stopped;
  }
};

/** Only `stty size` (rows and columns of the terminal), which shows resize events arrived. */
const stty: Program = async (args, io) => {
  if (io.terminal === undefined) {
    io.err("stty: 'standard input': Inappropriate ioctl for device\n");
    return 1;
  }
  if (args.length === 1 && args[0] === 'size') {
    io.out(`${io.terminal.size.height} ${io.terminal.size.width}\n`);
    return 0;
  }
  io.err(`stty: only 'stty size' is supported here\n`);
  return 1;
};

const pwd: Program = async (_args, io) => {
  io.out('/\n');
  return 0;
};

/** Programs found on `$PATH`, by name. */
export const programs: ReadonlyMap<string, Program> = new Map<string, Program>([
  ['echo', echo],
  ['cat', cat],
  ['env', env],
  ['printenv', printenv],
  ['hostname', hostname],
  ['true', async () => 0],
  ['false', async () => 1],
  ['sleep', sleep],
  ['stty', stty],
  ['pwd', pwd],
]);

const pathDirectories = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The `PATH` of every container. */
export const containerPath = pathDirectories.join(':');

/**
 * The program a command name runs: a bare name is looked up on `$PATH`, a path must
 * name one of the `$PATH` directories. `shell` is the `sh` program (kept apart to
 * avoid a module cycle).
 */
export function findProgram(name: string, shell: Program): Program | undefined {
  let base = name;
  const slash = name.lastIndexOf('/');
  if (slash >= 0) {
    if (!pathDirectories.includes(name.slice(0, slash))) return undefined;
    base = name.slice(slash + 1);
  }
  if (base === 'sh' || base === 'bash' || base === 'ash') return shell;
  return programs.get(base);
}
