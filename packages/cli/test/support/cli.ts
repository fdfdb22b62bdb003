/**
 * Running kgate in tests: in-process through `main()` with captured output (fast, and
 * stand-ins for the keyring and clock), or as a real process through the bin (what
 * kubectl and a shell see).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { runProcess } from '@kgate/testkit/process';
import type { KeyringBackend } from '../../src/infrastructure/token-store/types.ts';
import { type MainOptions, main } from '../../src/main.ts';

/** The `kgate` bin. */
export const kgateBin = path.resolve(import.meta.dirname, '../../bin/kgate.mjs');

/** A throw-away HOME with kgate's home inside, and the environment pointing at them. */
export interface Sandbox {
  dir: string;
  home: string;
  kgateHome: string;
  env: Record<string, string>;
  /** Writes `content` to a file in the sandbox; returns its path. */
  file(name: string, content: string): string;
  cleanup(): void;
}

/** Creates a {@link Sandbox}. Subprocesses get `KGATE_KEYRING=off` so they never touch a real keyring. */
export function sandbox(): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-cli-test-'));
  const home = path.join(dir, 'home');
  const kgateHome = path.join(home, '.kgate');
  return {
    dir,
    home,
    kgateHome,
    env: { HOME: home, KGATE_HOME: kgateHome, PATH: process.env.PATH ?? '', KGATE_KEYRING: 'off' },
    file(name, content) {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A keyring that behaves like a machine without a keyring service: every call fails. */
export const noKeyringService = async (): Promise<KeyringBackend> => {
  const fail = (): never => {
    throw new Error('Platform failure: no Secret Service (test)');
  };
  return { get: fail, set: fail, delete: fail };
};

/** An in-memory keyring that works, and the entries it holds. */
export function memoryKeyring(): { load: () => Promise<KeyringBackend>; entries: Map<string, string> } {
  const entries = new Map<string, string>();
  const key = (service: string, account: string) => `${service}|${account}`;
  const backend: KeyringBackend = {
    get: (s, a) => entries.get(key(s, a)) ?? null,
    set: (s, a, secret) => {
      entries.set(key(s, a), secret);
    },
    delete: (s, a) => entries.delete(key(s, a)),
  };
  return { load: async () => backend, entries };
}

/** What a run printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runKgate}. */
export interface RunOptions extends Omit<MainOptions, 'stdin' | 'stdout' | 'stderr' | 'env'> {
  env: Record<string, string>;
  /** Text on stdin (not a terminal). Default: empty. */
  stdin?: string;
}

/** Runs `kgate argv…` in-process. The keyring defaults to "no keyring service". */
export async function runKgate(argv: string[], options: RunOptions): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const { env, stdin, ...overrides } = options;
  const code = await main(argv, {
    keyring: noKeyringService,
    ...overrides,
    env,
    stdin: Readable.from(stdin === undefined ? [] : [stdin]),
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
      },
    },
    stderr: {
      write: (chunk: string) => {
        stderr += chunk;
      },
    },
  });
  return { code, stdout, stderr };
}

/** Runs the real bin and waits; for what only a separate process shows. */
export function spawnKgateSync(args: string[], env: Record<string, string>, input = ''): RunResult {
  const result = spawnSync(process.execPath, [kgateBin, ...args], {
    env,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command without blocking the event loop (the fake central runs in this process). */
export async function spawnAsync(
  command: string,
  args: string[],
  env: Record<string, string>,
  input = '',
): Promise<RunResult> {
  const result = await runProcess(command, args, { env, input, timeoutMs: 60_000 });
  return { ...result, code: result.code ?? -1 };
}

/** Logs `username` in to `server` in-process, with the CA file and password on stdin. */
export async function loginAs(
  box: Sandbox,
  server: { url: string; caPem: string },
  username = 'admin',
  password = 'admin-password-123',
  extra: Omit<RunOptions, 'env' | 'stdin'> = {},
): Promise<RunResult> {
  const ca = box.file('central-ca.pem', server.caPem);
  const result = await runKgate(
    [
      'login',
      '--server',
      server.url,
      '--username',
      username,
      '--password-stdin',
      '--certificate-authority',
      ca,
    ],
    { env: box.env, stdin: `${password}\n`, ...extra },
  );
  if (result.code !== 0) throw new Error(`login failed: ${result.stderr}`);
  return result;
}
