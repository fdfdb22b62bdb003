import { chmod, mkdir, stat } from 'node:fs/promises';
import { KgateError } from '@kgate/core/errors';

/**
 * Creates the data directory with mode 0700 (it holds the CA key and the database) and
 * tightens an existing one that others could read.
 */
export async function ensureDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error('not a directory');
    if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
  } catch (cause) {
    throw new KgateError('CONFIG_INVALID', `cannot use data directory ${dir}: ${(cause as Error).message}`, {
      hint: 'point --data-dir (data_dir, KGATE_DATA_DIR) at a directory central can create and own',
      cause,
    });
  }
}
