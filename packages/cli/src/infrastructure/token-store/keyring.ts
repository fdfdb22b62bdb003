/**
 * Sessions in the OS keyring through `@napi-rs/keyring`, loaded only when used: the native
 * addon costs start-up time the credential plugin cannot spare when the file store is in use.
 */
import { parseStoredSession } from '../../usecases/session.ts';
import { KEYRING_SERVICE, type KeyringBackend, type TokenStore } from './types.ts';

/**
 * The real OS keyring. On Linux it is pinned to the Secret Service: the library's silent
 * fallback, the kernel keyring, forgets everything at reboot, so a missing Secret Service
 * should mean "use the file" rather than "lose the login at the next boot".
 */
export async function loadOsKeyring(): Promise<KeyringBackend> {
  const { Entry } = await import('@napi-rs/keyring');
  const options = process.platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
  const entry = (service: string, account: string) => new Entry(service, account, options);
  return {
    get: (service, account) => entry(service, account).getPassword(),
    set: (service, account, secret) => entry(service, account).setPassword(secret),
    delete: (service, account) => entry(service, account).deletePassword(),
  };
}

/** A {@link TokenStore} over a keyring backend. Errors of the backend propagate. */
export function keyringTokenStore(backend: KeyringBackend): TokenStore {
  return {
    kind: 'keyring',
    describe: (server) => `the OS keyring (service "${KEYRING_SERVICE}", account "${server}")`,
    async load(server) {
      const text = backend.get(KEYRING_SERVICE, server);
      if (text === null) return undefined;
      const session = parseStoredSession(text);
      return session?.server === server ? session : undefined;
    },
    async save(session) {
      const text = JSON.stringify(session);
      backend.set(KEYRING_SERVICE, session.server, text);
      // Some keyrings accept a write and keep nothing (a locked collection, a size limit).
      if (backend.get(KEYRING_SERVICE, session.server) !== text) {
        throw new Error('the keyring did not keep the entry it was given');
      }
    },
    async remove(server) {
      return backend.delete(KEYRING_SERVICE, server);
    },
  };
}
