/**
 * Writing a kubeconfig file so that no reader ever sees half a file and no failure
 * leaves a stray copy of the credentials behind: write a private temp file in the
 * same directory, fsync it, rename it over the target, fsync the directory.
 *
 * The result is always mode 0600, even when replacing a 0644 file, because a
 * kubeconfig holds credentials. A symbolic link is not written through unless the
 * caller asks: a link often points into a shared or managed location (a dotfiles
 * repo, a config-management checkout) where a credential does not belong, and
 * replacing the link itself would silently detach it.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { KgateError } from '../errors.ts';
import { serializeKubeconfig } from './serialize.ts';
import type { Config } from './types.ts';

/** Options for {@link writeKubeconfigFile}. */
export interface WriteKubeconfigOptions {
  /** Write to the file a symbolic link points to instead of refusing. Default `false`. */
  followSymlinks?: boolean;
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function lstatOrUndefined(file: string) {
  try {
    return await lstat(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** The file a link finally names, even when that file does not exist yet. */
async function linkTarget(link: string): Promise<string> {
  try {
    return await realpath(link);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    let current = link;
    for (let hops = 0; hops < 40; hops++) {
      const stats = await lstatOrUndefined(current);
      if (!stats?.isSymbolicLink()) return current;
      current = path.resolve(path.dirname(current), await readlink(current));
    }
    throw new KgateError('KUBECONFIG_UNSAFE_PATH', `${link} is a loop of symbolic links`, {
      hint: 'point KUBECONFIG or --kubeconfig at a regular file',
    });
  }
}

/** Resolves where to write, refusing links (unless followed) and anything but a regular file. */
async function checkTarget(file: string, options: WriteKubeconfigOptions): Promise<string> {
  const target = path.resolve(file);
  const stats = await lstatOrUndefined(target);
  if (stats?.isSymbolicLink()) {
    const real = await linkTarget(target);
    if (!options.followSymlinks)
      throw new KgateError(
        'KUBECONFIG_UNSAFE_PATH',
        `kubeconfig ${target} is a symbolic link to ${real}; not writing through it`,
        {
          hint: `write to ${real} directly, or allow following the link (followSymlinks / --follow-symlinks)`,
        },
      );
    return checkTarget(real, options);
  }
  if (stats !== undefined && !stats.isFile())
    throw new KgateError('KUBECONFIG_UNSAFE_PATH', `kubeconfig ${target} exists and is not a regular file`, {
      hint: 'point KUBECONFIG or --kubeconfig at a regular file',
    });
  return target;
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable; some platforms and file systems cannot open or sync a directory.
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Writes `config` to `file` atomically with mode 0600, creating the parent directory
 * (mode 0700) if needed. Returns the path written (the link's target when a link was
 * followed).
 *
 * Throws `KUBECONFIG_UNSAFE_PATH` for a symbolic link (unless `followSymlinks`) or a
 * non-regular file, and `KUBECONFIG_WRITE_FAILED` when writing fails, in which case
 * the old file is untouched and no temp file remains.
 *
 * @example
 * ```ts
 * await writeKubeconfigFile(path.join(homeDir, '.kube', 'config'), config);
 * ```
 */
export async function writeKubeconfigFile(
  file: string,
  config: Config,
  options: WriteKubeconfigOptions = {},
): Promise<string> {
  const text = serializeKubeconfig(config);
  const target = await checkTarget(file, options);
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.kgate-${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(text, 'utf8');
      // The umask can only remove bits, but be exact: 0600 whatever the process umask.
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    created = false;
  } catch (error) {
    if (created) await unlink(temp).catch(() => undefined);
    const code = errnoCode(error);
    const denied = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
    throw new KgateError(
      'KUBECONFIG_WRITE_FAILED',
      `could not write kubeconfig ${target}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        ...(denied ? { hint: `make ${dir} writable by you, or write the kubeconfig somewhere else` } : {}),
      },
    );
  }
  await syncDirectory(dir);
  return target;
}
