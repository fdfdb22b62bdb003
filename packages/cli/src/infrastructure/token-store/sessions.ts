/**
 * Chooses between the keyring and the file for each server: a login goes to the keyring when
 * one works and to a 0600 file when none does; a read looks at the file first (cheap, and no
 * native addon to load) and at the keyring only when there is no file.
 */
import type { StoredSession } from '../../usecases/session.ts';
import { fileTokenStore } from './file.ts';
import { keyringTokenStore } from './keyring.ts';
import type { KeyringBackend, TokenStore } from './types.ts';

/** A session together with the store it was read from, so a refresh writes it back there. */
export interface FoundSession {
  session: StoredSession;
  store: TokenStore;
}

/** Where a new login went, and why not the keyring when it did not. */
export interface SavedSession {
  store: TokenStore;
  /** Why the keyring was not used: `off` (KGATE_KEYRING=off) or the keyring's error. */
  notInKeyring?: { reason: 'off' } | { reason: 'failed'; error: string };
}

/** Sessions across both stores. */
export interface SessionRepository {
  find(server: string): Promise<FoundSession | undefined>;
  saveNew(session: StoredSession): Promise<SavedSession>;
  /** Removes the session from every store; returns where something was removed. */
  removeAll(server: string): Promise<string[]>;
}

/** Options for {@link sessionRepository}. */
export interface SessionRepositoryOptions {
  tokensDir: string;
  /** How to reach the OS keyring, or `null` never to use one (`KGATE_KEYRING=off`). */
  keyring: (() => Promise<KeyringBackend>) | null;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The {@link SessionRepository} over the file store and (optionally) the keyring. */
export function sessionRepository(options: SessionRepositoryOptions): SessionRepository {
  const file = fileTokenStore(options.tokensDir);
  let keyring: Promise<TokenStore> | undefined;
  const openKeyring = (): Promise<TokenStore> | undefined => {
    const load = options.keyring;
    if (load === null) return undefined;
    keyring ??= load().then(keyringTokenStore);
    return keyring;
  };

  return {
    async find(server) {
      const fromFile = await file.load(server);
      if (fromFile) return { session: fromFile, store: file };
      const opening = openKeyring();
      if (opening === undefined) return undefined;
      try {
        const store = await opening;
        const session = await store.load(server);
        return session ? { session, store } : undefined;
      } catch {
        // No keyring service: there is nothing stored there either.
        return undefined;
      }
    },
    async saveNew(session) {
      const opening = openKeyring();
      if (opening === undefined) {
        await file.save(session);
        return { store: file, notInKeyring: { reason: 'off' } };
      }
      try {
        const store = await opening;
        await store.save(session);
        // A file left by an earlier fallback would shadow the keyring entry on read.
        await file.remove(session.server);
        return { store };
      } catch (error) {
        await file.save(session);
        return { store: file, notInKeyring: { reason: 'failed', error: reason(error) } };
      }
    },
    async removeAll(server) {
      const removed: string[] = [];
      if (await file.remove(server)) removed.push(file.describe(server));
      const opening = openKeyring();
      if (opening !== undefined) {
        try {
          const store = await opening;
          if (await store.remove(server)) removed.push(store.describe(server));
        } catch {
          // No keyring service: nothing to remove there.
        }
      }
      return removed;
    },
  };
}
