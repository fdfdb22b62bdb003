/** Sessions in `$KGATE_HOME/tokens/<server>.json`, mode 0600, folder 0700. */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseStoredSession } from '../../usecases/session.ts';
import { serverKey } from '../paths.ts';
import { writePrivateFile } from '../private-fs.ts';
import type { TokenStore } from './types.ts';

/** The token file of `server` under `tokensDir`. */
export function tokenFilePath(tokensDir: string, server: string): string {
  return path.join(tokensDir, `${serverKey(server)}.json`);
}

/** A {@link TokenStore} over 0600 files. */
export function fileTokenStore(tokensDir: string): TokenStore {
  const file = (server: string) => tokenFilePath(tokensDir, server);
  return {
    kind: 'file',
    describe: (server) => file(server),
    async load(server) {
      let text: string;
      try {
        text = readFileSync(file(server), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const session = parseStoredSession(text);
      // Two URLs can share a file name; the record says which one it belongs to.
      return session?.server === server ? session : undefined;
    },
    async save(session) {
      writePrivateFile(file(session.server), `${JSON.stringify(session, null, 2)}\n`);
    },
    async remove(server) {
      try {
        rmSync(file(server));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
  };
}
