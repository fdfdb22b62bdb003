/**
 * Where sessions are kept: the OS keyring (service `kgate`, account = server URL) or, where
 * no keyring service runs, a 0600 file under `$KGATE_HOME/tokens/`.
 */
import type { StoredSession } from '../../usecases/session.ts';

/** One place sessions can be kept. */
export interface TokenStore {
  readonly kind: 'keyring' | 'file';
  /** Where a person would look for it, for messages. */
  describe(server: string): string;
  load(server: string): Promise<StoredSession | undefined>;
  save(session: StoredSession): Promise<void>;
  /** Whether something was removed. */
  remove(server: string): Promise<boolean>;
}

/**
 * The small part of an OS keyring kgate uses. Every method throws when no keyring service
 * is available; `get` returns `null` when there is no entry.
 */
export interface KeyringBackend {
  get(service: string, account: string): string | null;
  set(service: string, account: string, secret: string): void;
  delete(service: string, account: string): boolean;
}

/** The keyring service name kgate's entries live under. */
export const KEYRING_SERVICE = 'kgate';
