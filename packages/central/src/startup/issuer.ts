/**
 * The `iss` of central's access tokens must not change when central restarts, or every
 * logged-in user would be logged out. With `server.public_url` set it is that URL. Without
 * it, it is the URL central listened on at its first start, kept in `<data dir>/issuer`:
 * with `--listen 127.0.0.1:0` a restart gets another port, and a token naming the old
 * one must still verify. (An issuer is a name here; nothing fetches it.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KgateError } from '@kgate/core/errors';

const FILE = 'issuer';

/** The issuer kept by an earlier start, if any. */
export async function readStoredIssuer(dataDir: string): Promise<string | undefined> {
  const file = path.join(dataDir, FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const issuer = text.trim();
  if (!URL.canParse(issuer))
    throw new KgateError('CONFIG_INVALID', `${file} does not hold a URL`, {
      hint: 'restore it, or delete it (tokens issued before are then refused and users log in again)',
    });
  return issuer;
}

/** Keeps `issuer` for later starts; a file another replica wrote first wins. */
export async function storeIssuer(dataDir: string, issuer: string): Promise<string> {
  try {
    await writeFile(path.join(dataDir, FILE), `${issuer}\n`, { mode: 0o644, flag: 'wx' });
    return issuer;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readStoredIssuer(dataDir)) ?? issuer;
  }
}
