/**
 * `kgate token [--server URL]`: the client-go exec credential plugin. It prints only the
 * ExecCredential JSON, never prompts, and refreshes the access token when it expires within
 * a minute. kubectl runs it before every request batch, so it is built as its own small
 * bundle (`dist/kgate-token.cjs`) that loads neither commander nor, while the file store is
 * in use, the keyring addon; keep this module's imports that way.
 */
import { parseArgs } from 'node:util';
import { isKgateError } from '@kgate/core/errors';
import {
  EXEC_CREDENTIAL_V1,
  EXEC_INFO_ENV,
  formatExecCredential,
  readExecInfo,
} from '@kgate/core/exec-credential';
import { userError } from '../errors.ts';
import { refreshRequest } from '../infrastructure/central/auth.ts';
import { acquireFileLock } from '../infrastructure/file-lock.ts';
import { type CentralTransport, httpsTransport } from '../infrastructure/https-transport.ts';
import { kgatePaths, serverKey } from '../infrastructure/paths.ts';
import { loadOsKeyring } from '../infrastructure/token-store/keyring.ts';
import { sessionRepository } from '../infrastructure/token-store/sessions.ts';
import type { KeyringBackend } from '../infrastructure/token-store/types.ts';
import { type Clock, freshSession } from '../usecases/fresh-session.ts';
import { normalizeServer } from '../usecases/server-url.ts';

/** What `kgate token` reads and writes. */
export interface TokenIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
}

/** Replaceable parts, for tests. */
export interface TokenDeps {
  clock?: Clock;
  /** How to reach the OS keyring; `null` never to use one. Default: the real one unless `KGATE_KEYRING=off`. */
  keyring?: (() => Promise<KeyringBackend>) | null;
  transport?: CentralTransport;
}

const USAGE = `Usage: kgate token [--server URL]

The exec credential plugin that kubeconfigs written by \`kgate clusters use\` run.
Prints an ExecCredential (client.authentication.k8s.io/v1, or the version in
KUBERNETES_EXEC_INFO) with the access token, refreshing it when it expires within
a minute. Never prompts: when no session is stored, run \`kgate login\`.
`;

/** Picks the server: the flag, then `KGATE_SERVER`, then the config's current server. */
async function resolveServer(
  flag: string | undefined,
  env: TokenIO['env'],
  configFile: string,
): Promise<string> {
  const given = flag ?? env.KGATE_SERVER;
  if (given) return normalizeServer(given);
  const { loadConfig } = await import('../infrastructure/config-file.ts');
  const current = (await loadConfig(configFile)).currentServer;
  if (current) return current;
  throw userError('SERVER_NOT_SET', 'no kgate server is selected', 'run `kgate login --server URL`');
}

/** The apiVersion to answer with: what the client asks for, else v1 (run by hand). */
function requestedApiVersion(env: TokenIO['env']) {
  if (env[EXEC_INFO_ENV] === undefined || env[EXEC_INFO_ENV] === '') return EXEC_CREDENTIAL_V1;
  return readExecInfo(env).apiVersion;
}

/** One line for kubectl to show above its own "getting credentials" error. */
function oneLine(error: unknown): string {
  if (isKgateError(error) && error.user) {
    return `kgate token: ${error.message}${error.hint ? `; ${error.hint}` : ''}\n`;
  }
  return `kgate token: ${error instanceof Error ? error.message : String(error)}\n`;
}

/**
 * Runs `kgate token`. `argv` is what follows `kgate` (a leading `token` is skipped, so the
 * launcher can pass its arguments through unchanged).
 *
 * @returns the exit code: 0 with the ExecCredential on stdout, else 1 with one line on stderr
 */
export async function tokenMain(argv: readonly string[], io: TokenIO, deps: TokenDeps = {}): Promise<number> {
  try {
    const args = argv[0] === 'token' ? argv.slice(1) : argv;
    const { values } = parseArgs({
      args: [...args],
      options: { server: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const apiVersion = requestedApiVersion(io.env);
    const paths = kgatePaths(io.env);
    const server = await resolveServer(values.server, io.env, paths.config);
    const transport = deps.transport ?? httpsTransport;
    const keyring =
      deps.keyring !== undefined ? deps.keyring : io.env.KGATE_KEYRING === 'off' ? null : loadOsKeyring;
    const session = await freshSession(server, {
      clock: deps.clock ?? { now: () => new Date() },
      sessions: sessionRepository({ tokensDir: paths.tokensDir, keyring }),
      lock: (s) => acquireFileLock(`${paths.locksDir}/${serverKey(s)}.lock`),
      refresh: (s) =>
        refreshRequest(
          transport,
          {
            server: s.server,
            ...(s.caPem === undefined ? {} : { caPem: s.caPem, caSource: s.caFile ?? 'the stored CA' }),
          },
          s.refreshToken,
        ),
    });
    io.stdout.write(
      formatExecCredential(apiVersion, {
        token: session.accessToken,
        expirationTimestamp: new Date(session.accessTokenExpiresAt),
      }),
    );
    return 0;
  } catch (error) {
    io.stderr.write(oneLine(error));
    return 1;
  }
}
