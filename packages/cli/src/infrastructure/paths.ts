/**
 * Where kgate keeps its own files. `KGATE_HOME` overrides `~/.kgate`, so that tests and
 * people with several identities can keep them apart.
 */
import { homedir } from 'node:os';
import path from 'node:path';

/** The files and folders under kgate's home. */
export interface KgatePaths {
  /** `$KGATE_HOME` or `~/.kgate` (mode 0700). */
  home: string;
  /** Non-secret settings: current server, CA path, selected cluster. */
  config: string;
  /** The 0600 token files used when no OS keyring is available. */
  tokensDir: string;
  /** Lock files that serialise token refreshes between processes. */
  locksDir: string;
  /** The credential-plugin launcher that kubeconfigs point at. */
  binDir: string;
}

/** The user's home folder as the environment names it (tests point HOME at a temp dir). */
export function userHome(env: Readonly<Record<string, string | undefined>>): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** kgate's paths for this environment. */
export function kgatePaths(env: Readonly<Record<string, string | undefined>>): KgatePaths {
  const home = path.resolve(env.KGATE_HOME || path.join(userHome(env), '.kgate'));
  return {
    home,
    config: path.join(home, 'config.yaml'),
    tokensDir: path.join(home, 'tokens'),
    locksDir: path.join(home, 'locks'),
    binDir: path.join(home, 'bin'),
  };
}

/**
 * A file-name-safe key for a server URL (`https://c.example:8443` → `https_c.example_8443`).
 * The stored record keeps the full URL, so two URLs that map to one key are told apart.
 */
export function serverKey(server: string): string {
  return server.replace(/^([a-z]+):\/\//, '$1_').replace(/[^A-Za-z0-9.-]+/g, '_');
}
