/**
 * Wiring (kubelogin's `di/`): turns the process (or a test's stand-ins) into the one
 * {@link CliContext} every command receives. No command reaches for `process` itself.
 */
import { userError } from './errors.ts';
import { refreshRequest } from './infrastructure/central/auth.ts';
import { type KgateConfig, loadConfig, updateConfig } from './infrastructure/config-file.ts';
import { acquireFileLock } from './infrastructure/file-lock.ts';
import {
  type CentralConnection,
  type CentralTransport,
  httpsTransport,
} from './infrastructure/https-transport.ts';
import { type KubectlRunner, spawnKubectl } from './infrastructure/kubectl-runner.ts';
import { type KgatePaths, kgatePaths, serverKey } from './infrastructure/paths.ts';
import { type Prompter, terminalPrompter } from './infrastructure/prompt.ts';
import type { CliIO } from './infrastructure/stdio.ts';
import { loadOsKeyring } from './infrastructure/token-store/keyring.ts';
import { type SessionRepository, sessionRepository } from './infrastructure/token-store/sessions.ts';
import type { KeyringBackend } from './infrastructure/token-store/types.ts';
import { tokenBundlePath } from './install-paths.ts';
import { type Clock, freshSession } from './usecases/fresh-session.ts';
import { normalizeServer } from './usecases/server-url.ts';
import type { StoredSession } from './usecases/session.ts';

/** Parts of the CLI a caller of `main()` may replace (tests do). */
export interface CliOverrides {
  clock?: Clock;
  /** How to reach the OS keyring; `null` never to use one. Default: the real one unless `KGATE_KEYRING=off`. */
  keyring?: (() => Promise<KeyringBackend>) | null;
  transport?: CentralTransport;
  prompter?: Prompter;
  runKubectl?: KubectlRunner;
  /** The node binary the credential-plugin launcher pins (default: this process's). */
  nodePath?: string;
  /** The credential-plugin bundle (default: `dist/kgate-token.cjs` of this installation). */
  tokenBundle?: string;
}

/** Everything a command needs. */
export interface CliContext {
  io: CliIO;
  paths: KgatePaths;
  clock: Clock;
  transport: CentralTransport;
  sessions: SessionRepository;
  prompter: Prompter;
  runKubectl: KubectlRunner;
  nodePath: string;
  tokenBundle: string;
  /** A line of progress or a notice, on stderr. */
  log(line: string): void;
  loadConfig(): Promise<KgateConfig>;
  updateConfig(change: (config: KgateConfig) => void): Promise<KgateConfig>;
  /** The server: `--server`, else `KGATE_SERVER`, else the current one in config.yaml. */
  resolveServer(flag: string | undefined): Promise<string>;
  /** The session for `server`, refreshed if it expires within a minute. */
  freshSession(server: string): Promise<StoredSession>;
  /** How to reach the session's server, with the CA it was logged in with. */
  connection(session: StoredSession): CentralConnection;
}

/** Builds the context for one run. */
export function createContext(io: CliIO, overrides: CliOverrides = {}): CliContext {
  const paths = kgatePaths(io.env);
  const clock = overrides.clock ?? { now: () => new Date() };
  const transport = overrides.transport ?? httpsTransport;
  const keyring =
    overrides.keyring !== undefined
      ? overrides.keyring
      : io.env.KGATE_KEYRING === 'off'
        ? null
        : loadOsKeyring;
  const sessions = sessionRepository({ tokensDir: paths.tokensDir, keyring });
  const connection = (session: StoredSession): CentralConnection => ({
    server: session.server,
    ...(session.caPem === undefined
      ? {}
      : { caPem: session.caPem, caSource: session.caFile ?? 'the stored CA' }),
  });
  const context: CliContext = {
    io,
    paths,
    clock,
    transport,
    sessions,
    prompter: overrides.prompter ?? terminalPrompter(io.stdin, io.stderr),
    runKubectl: overrides.runKubectl ?? spawnKubectl,
    nodePath: overrides.nodePath ?? process.execPath,
    tokenBundle: overrides.tokenBundle ?? tokenBundlePath,
    log: (line) => io.stderr.write(`${line}\n`),
    loadConfig: () => loadConfig(paths.config),
    updateConfig: (change) => updateConfig(paths.config, change),
    async resolveServer(flag) {
      const given = flag ?? io.env.KGATE_SERVER;
      if (given) return normalizeServer(given);
      const current = (await loadConfig(paths.config)).currentServer;
      if (current) return current;
      throw userError('SERVER_NOT_SET', 'no kgate server is selected', 'run `kgate login --server URL`');
    },
    freshSession: (server) =>
      freshSession(server, {
        clock,
        sessions,
        lock: (s) => acquireFileLock(`${paths.locksDir}/${serverKey(s)}.lock`),
        refresh: (s) => refreshRequest(transport, connection(s), s.refreshToken),
      }),
    connection,
  };
  return context;
}
