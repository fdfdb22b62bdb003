/**
 * A lock between processes on one machine: a file created with O_EXCL. kubectl may start
 * several `kgate token` processes at once (parallel `kubectl` calls, a shell loop); only one
 * of them may spend the refresh token, because central revokes the whole family when a
 * rotated refresh token is used twice.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { userError } from '../errors.ts';
import { ensurePrivateDir } from './private-fs.ts';

/** Options for {@link acquireFileLock}. */
export interface FileLockOptions {
  /** Give up after this long (default 20 s: longer than one refresh request may take). */
  timeoutMs?: number;
  /** A lock older than this is taken to be left by a crashed process (default 30 s). */
  staleMs?: number;
  /** How long to sleep between attempts (default 20 ms). */
  pollMs?: number;
}

/** Releases the lock; safe to call twice. */
export type ReleaseLock = () => void;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock at `file` was left behind by a process that is gone or stuck. */
function isStale(file: string, staleMs: number): boolean {
  try {
    const age = Date.now() - statSync(file).mtimeMs;
    if (age > staleMs) return true;
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    // A lock is written right after it is created; an empty one younger than a second is fresh.
    if (Number.isNaN(pid)) return age > 1000;
    return !isAlive(pid);
  } catch {
    // Gone already: the next attempt will tell.
    return false;
  }
}

/**
 * Takes the lock at `file`, waiting while another process holds it.
 *
 * @throws {CliError} `LOCK_TIMEOUT` after `timeoutMs`
 */
export async function acquireFileLock(file: string, options: FileLockOptions = {}): Promise<ReleaseLock> {
  const { timeoutMs = 20_000, staleMs = 30_000, pollMs = 20 } = options;
  ensurePrivateDir(path.dirname(file));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (isStale(file, staleMs)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw userError(
        'LOCK_TIMEOUT',
        `another kgate process has held ${file} for over ${Math.round(timeoutMs / 1000)} s`,
        `if no kgate is running, delete ${file}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs + Math.random() * pollMs));
  }
}
