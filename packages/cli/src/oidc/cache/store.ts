/**
 * The OIDC token cache: one entry per cache key, in the OS keyring (service
 * `kgate-oidc-login`, account = key) with a token-less stub file beside it, or, where no
 * keyring service runs or `--token-cache-storage disk` asks for it, in a 0600 file
 * `<cache dir>/<key>.json` (folder 0700). A read looks at the file first: a full entry needs
 * no native addon at all, which keeps the credential plugin's cached path fast.
 */
import path from 'node:path';
import type { KeyringBackend } from '../../infrastructure/token-store/types.ts';
import type { OidcCacheStorage } from '../settings.ts';
import { type OidcCacheEntry, type OidcKeyringStub, parseCacheEntry, parseKeyringStub } from './entry.ts';
import { checkCacheDir, listCacheFiles, readCacheFile, removeCacheFile, writeCacheFile } from './files.ts';

/** The keyring service OIDC entries are kept under. */
export const OIDC_KEYRING_SERVICE = 'kgate-oidc-login';

/** How to reach the OS keyring, or `null` never to use one. */
export type KeyringLoader = (() => Promise<KeyringBackend>) | null;

/** Where a saved entry went. */
export interface SavedEntry {
  where: string;
  /** Why not in the keyring although `keyring` storage was asked for. */
  notInKeyring?: string;
}

/** The cache of one folder and storage choice. */
export interface OidcTokenCache {
  readonly dir: string;
  /** Throws `OIDC_CACHE_UNSAFE` when the folder must not be used; whether it exists. */
  checkDir(): boolean;
  /** The entry of `key`, or `undefined`; throws `OIDC_CACHE_UNSAFE` rather than read an unsafe file. */
  load(key: string): Promise<OidcCacheEntry | undefined>;
  save(entry: OidcCacheEntry): Promise<SavedEntry>;
  /** Removes the entry of `key` from the file and the keyring; where something was removed. */
  remove(key: string): Promise<string[]>;
}

/** Options of {@link oidcTokenCache}. */
export interface OidcTokenCacheOptions {
  dir: string;
  storage: OidcCacheStorage;
  keyring: KeyringLoader;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeKeyring(key: string): string {
  return `the OS keyring (service "${OIDC_KEYRING_SERVICE}", account "${key}")`;
}

/** The cache over `dir` and, for `keyring` storage, the OS keyring. */
export function oidcTokenCache(options: OidcTokenCacheOptions): OidcTokenCache {
  const { dir, storage } = options;
  const fileOf = (key: string) => path.join(dir, `${key}.json`);
  let keyring: Promise<KeyringBackend> | undefined;
  const openKeyring = (): Promise<KeyringBackend> | undefined => {
    if (options.keyring === null) return undefined;
    keyring ??= options.keyring();
    return keyring;
  };

  const cache: OidcTokenCache = {
    dir,
    checkDir: () => checkCacheDir(dir),
    async load(key) {
      if (storage === 'none' || !checkCacheDir(dir)) return undefined;
      const text = readCacheFile(fileOf(key));
      if (text === undefined) return undefined;
      const entry = parseCacheEntry(text, key);
      if (entry !== undefined) return entry;
      if (parseKeyringStub(text, key) === undefined) return undefined;
      const opening = openKeyring();
      if (opening === undefined) return undefined;
      try {
        const secret = (await opening).get(OIDC_KEYRING_SERVICE, key);
        return secret === null ? undefined : parseCacheEntry(secret, key);
      } catch {
        // No keyring service (any more): nothing to read there; a login will replace the stub.
        return undefined;
      }
    },
    async save(entry) {
      const file = fileOf(entry.key);
      if (storage === 'none') return { where: 'nowhere (--token-cache-storage none)' };
      // Checked first, so that an unsafe folder gets nothing, not even a keyring stub.
      checkCacheDir(dir);
      let notInKeyring: string | undefined;
      const opening = storage === 'keyring' ? openKeyring() : undefined;
      if (storage === 'keyring' && opening === undefined)
        notInKeyring = 'the keyring is off (KGATE_KEYRING=off)';
      if (opening !== undefined) {
        try {
          const backend = await opening;
          const text = JSON.stringify(entry);
          backend.set(OIDC_KEYRING_SERVICE, entry.key, text);
          // Some keyrings accept a write and keep nothing (a locked collection, a size limit).
          if (backend.get(OIDC_KEYRING_SERVICE, entry.key) !== text) {
            throw new Error('the keyring did not keep the entry it was given');
          }
          const stub: OidcKeyringStub = {
            version: 1,
            key: entry.key,
            storage: 'keyring',
            issuer: entry.issuer,
            clientId: entry.clientId,
          };
          writeCacheFile(file, `${JSON.stringify(stub, null, 2)}\n`);
          return { where: describeKeyring(entry.key) };
        } catch (error) {
          notInKeyring = reason(error);
        }
      }
      writeCacheFile(file, `${JSON.stringify(entry, null, 2)}\n`);
      return { where: file, ...(notInKeyring === undefined ? {} : { notInKeyring }) };
    },
    async remove(key) {
      const removed: string[] = [];
      checkCacheDir(dir);
      const opening = openKeyring();
      if (opening !== undefined) {
        try {
          if ((await opening).delete(OIDC_KEYRING_SERVICE, key)) removed.push(describeKeyring(key));
        } catch {
          // No keyring service: nothing to remove there.
        }
      }
      if (removeCacheFile(fileOf(key))) removed.push(fileOf(key));
      return removed;
    },
  };
  return cache;
}

/**
 * Empties the cache in `dir`: every entry file, and the keyring entries their stubs point
 * at. Files are removed without being read when they fail the checks (removing them is the
 * fix); a folder that fails them is refused, since removing through a link reaches elsewhere.
 *
 * @returns what was removed, for the user
 */
export async function clearOidcCache(dir: string, keyring: KeyringLoader): Promise<string[]> {
  if (!checkCacheDir(dir)) return [];
  const cache = oidcTokenCache({ dir, storage: 'keyring', keyring });
  const removed: string[] = [];
  for (const name of listCacheFiles(dir))
    removed.push(...(await cache.remove(name.slice(0, -'.json'.length))));
  return removed;
}
