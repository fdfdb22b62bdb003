/**
 * Writing files that only their owner may read: folders 0700, files 0600, written to a
 * temporary name and renamed, so a reader never sees half a file and a crash never leaves one.
 */
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** Creates `dir` (and parents) with mode 0700, tightening it if it already exists. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder as it was; a token folder others can list is not private.
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Atomically replaces `file` with `data`, mode 0600 (or `mode`), creating its folder 0700. */
export function writePrivateFile(file: string, data: string, mode = 0o600): void {
  ensurePrivateDir(path.dirname(file));
  // Not a secret, only unique: 'wx' below refuses a name that exists. (node:crypto would cost
  // the credential plugin milliseconds of start-up.)
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    // The umask may have cleared bits of `mode` on create; chmod states it exactly.
    chmodSync(temp, mode);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
