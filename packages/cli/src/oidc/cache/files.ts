/**
 * The cache folder and its files, checked before anything is read or written: tokens in a
 * file others can read, a folder others can write to (and so swap files in) or a symbolic
 * link (which may point anywhere) are refused, naming the path and the fix. Failing closed
 * here means neither reading such a file nor "repairing" it by writing a fresh login into it.
 */

import type { Stats } from 'node:fs';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { userError } from '../../errors.ts';
import { writePrivateFile } from '../../infrastructure/private-fs.ts';

// Windows has neither POSIX modes nor uids; its ACLs on the profile folder protect the cache.
const posix = process.platform !== 'win32';

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

function unsafe(message: string, hint: string) {
  return userError('OIDC_CACHE_UNSAFE', message, hint);
}

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

function checkOwner(stats: Stats, what: string, target: string, hint: string): void {
  const uid = currentUid();
  if (!posix || uid === undefined || stats.uid === uid) return;
  throw unsafe(
    `the OIDC token cache ${what} ${target} belongs to uid ${stats.uid}, not to you (uid ${uid})`,
    hint,
  );
}

/**
 * Checks the cache folder: a real folder of the user's, writable by nobody else.
 *
 * @returns whether it exists
 * @throws {CliError} `OIDC_CACHE_UNSAFE`
 */
export function checkCacheDir(dir: string): boolean {
  let stats: Stats;
  try {
    stats = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const other = `or pass --token-cache-dir with a folder of your own`;
  if (stats.isSymbolicLink()) {
    throw unsafe(
      `the OIDC token cache folder ${dir} is a symbolic link`,
      `replace it with a real folder (rm ${dir} && mkdir -m 700 ${dir}), ${other}`,
    );
  }
  if (!stats.isDirectory()) {
    throw unsafe(`the OIDC token cache folder ${dir} is not a folder`, `remove it, ${other}`);
  }
  checkOwner(stats, 'folder', dir, `use a folder of your own: ${other.replace(/^or /, '')}`);
  if (posix && (stats.mode & 0o022) !== 0) {
    throw unsafe(
      `the OIDC token cache folder ${dir} has mode ${octal(stats.mode)}: others can write to it`,
      `run chmod 700 ${dir}, ${other}`,
    );
  }
  return true;
}

function checkCacheFileStats(stats: Stats, file: string): void {
  if (!stats.isFile()) {
    throw unsafe(`the OIDC token cache file ${file} is not a regular file`, `remove it (rm ${file})`);
  }
  checkOwner(stats, 'file', file, `remove it (rm ${file}) and log in again`);
  if (posix && (stats.mode & 0o777) !== 0o600) {
    throw unsafe(
      `the OIDC token cache file ${file} has mode ${octal(stats.mode)}, not 0600: others may have read its tokens`,
      `remove it with \`kgate oidc-login clean\` and log in again (or chmod 600 ${file} if you loosened it yourself)`,
    );
  }
}

/**
 * Reads a cache file after checking it (not a symbolic link, the user's, mode 0600). The
 * checks are made on the open descriptor, so the file cannot be swapped in between.
 *
 * @returns its text, or `undefined` when it does not exist
 * @throws {CliError} `OIDC_CACHE_UNSAFE`
 */
export function readCacheFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // O_NOFOLLOW on a symbolic link.
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw unsafe(
        `the OIDC token cache file ${file} is a symbolic link`,
        `remove it (rm ${file}) and log in again`,
      );
    }
    throw error;
  }
  try {
    checkCacheFileStats(fstatSync(fd), file);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Checks an existing cache file without reading it (before it is replaced). */
function checkExistingFile(file: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (stats.isSymbolicLink()) {
    throw unsafe(
      `the OIDC token cache file ${file} is a symbolic link`,
      `remove it (rm ${file}) and log in again`,
    );
  }
  checkCacheFileStats(stats, file);
}

/**
 * Writes a cache file: folder checked (or created 0700), any existing file checked, then an
 * atomic replace with mode 0600.
 *
 * @throws {CliError} `OIDC_CACHE_UNSAFE`
 */
export function writeCacheFile(file: string, text: string): void {
  checkCacheDir(path.dirname(file));
  checkExistingFile(file);
  writePrivateFile(file, text);
}

/** Removes a cache file (a symbolic link itself, never its target); whether there was one. */
export function removeCacheFile(file: string): boolean {
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The names of the entries' files in `dir` (after {@link checkCacheDir}). */
export function listCacheFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => /^[0-9a-f]{64}\.json$/.test(name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
