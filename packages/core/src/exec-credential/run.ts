/**
 * Runs an exec credential plugin once, as client-go's `Authenticator.refreshCredsLocked`
 * does: the client's environment plus `exec.env` plus `KUBERNETES_EXEC_INFO`; stdin only
 * when interactive; the plugin's stderr to the caller's stderr; stdout parsed as the
 * ExecCredential. Unlike client-go it has a timeout, so a hung plugin cannot hang kgate.
 */
import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { KgateError } from '../errors.ts';
import { type ResolvedExecConfig, validateExecConfig } from './config.ts';
import { type ExecCredentialResult, parseExecCredential } from './credential.ts';
import { encodeExecInfo } from './exec-info.ts';
import { decideInteractive } from './interactive.ts';
import { lookPath } from './look-path.ts';
import { EXEC_INFO_ENV, type ExecCluster, type ExecConfig } from './types.ts';

/** The stdio a plugin is spawned with: stdin, stdout (always a pipe), stderr. */
export type ExecStdio = ['ignore' | 'inherit' | 'pipe', 'pipe', 'inherit' | 'pipe'];

/** What {@link ExecSpawn} is given besides the command and its arguments. */
export interface ExecSpawnOptions {
  env: Record<string, string>;
  stdio: ExecStdio;
}

/**
 * Starts the plugin. Node's `child_process.spawn` fits; the arguments are an array, so no
 * shell is involved.
 */
export type ExecSpawn = (command: string, args: readonly string[], options: ExecSpawnOptions) => ChildProcess;

/** Options for {@link runExecPlugin}. */
export interface RunExecPluginOptions {
  /** The cluster, passed as `spec.cluster` when `provideClusterInfo` is set (see `execClusterFromKubeconfig`). */
  cluster?: ExecCluster;
  /** The client's environment, which the plugin inherits; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Whether the caller's stdin is a terminal; defaults to `process.stdin.isTTY`. */
  stdinIsTerminal?: boolean;
  /** What an interactive plugin reads: the caller's stdin (`'inherit'`, the default) or a stream. */
  stdin?: 'inherit' | Readable;
  /** Where the plugin's stderr goes: the caller's stderr (`'inherit'`, the default) or a stream. */
  stderr?: 'inherit' | Writable;
  /**
   * Milliseconds before the plugin is stopped (SIGTERM, then SIGKILL). Default 180 000:
   * browser-based logins wait for a person even with `interactiveMode: Never`, and 3 minutes
   * is what kubelogin itself allows them.
   */
  timeoutMs?: number;
  /** Starts the process; defaults to `child_process.spawn`. */
  spawn?: ExecSpawn;
}

/** The default {@link RunExecPluginOptions.timeoutMs}. */
export const DEFAULT_EXEC_TIMEOUT_MS = 180_000;

// A certificate chain and key fit many times over; more is a plugin gone wrong.
const MAX_STDOUT_BYTES = 1024 * 1024;
const KILL_GRACE_MS = 2_000;
const DOCS_URL =
  'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins';

function notFound(config: ResolvedExecConfig): KgateError {
  return new KgateError('EXEC_PLUGIN_NOT_FOUND', `exec plugin ${config.command} not found`, {
    hint:
      config.installHint ??
      `install ${config.command} or fix exec.command in the kubeconfig (see ${DOCS_URL})`,
  });
}

function failed(message: string, hint: string, cause?: unknown): KgateError {
  return new KgateError('EXEC_PLUGIN_FAILED', message, { hint, cause });
}

function buildEnv(
  base: Readonly<Record<string, string | undefined>>,
  config: ResolvedExecConfig,
  execInfo: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) env[name] = value;
  for (const { name, value } of config.env) env[name] = value;
  env[EXEC_INFO_ENV] = execInfo;
  return env;
}

/** Runs the process and resolves with its stdout; rejects on a start failure, a failure exit or the timeout. */
function collectStdout(
  child: ChildProcess,
  config: ResolvedExecConfig,
  stdin: Readable | undefined,
  stderr: Writable | undefined,
  timeoutMs: number,
): Promise<string> {
  const { command } = config;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let stopReason: KgateError | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const settle = (error: KgateError | undefined, stdout?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (stdin && child.stdin) stdin.unpipe(child.stdin);
      if (error) reject(error);
      else resolve(stdout ?? '');
    };

    // Stops the plugin and settles on its exit, not on 'close': a child it left behind may
    // hold stdout open for as long as it likes.
    const stop = (reason: KgateError) => {
      if (stopReason) return;
      stopReason = reason;
      const finish = () => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        settle(reason);
      };
      if (child.exitCode !== null || child.signalCode !== null) return finish();
      child.once('exit', finish);
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };

    const timer = setTimeout(
      () =>
        stop(
          failed(
            `exec plugin ${command} did not finish within ${timeoutMs / 1000} s and was stopped`,
            'run the plugin by hand to see where it waits (a login it cannot show, a network call)',
          ),
        ),
      timeoutMs,
    );

    child.stdout?.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_STDOUT_BYTES) {
        stop(
          new KgateError('EXEC_CREDENTIAL_INVALID', `exec plugin ${command} printed over 1 MiB on stdout`, {
            hint: 'a credential plugin must print only its ExecCredential JSON on stdout',
          }),
        );
        return;
      }
      chunks.push(chunk);
    });
    if (stderr) child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
    if (stdin && child.stdin) {
      // A plugin that exits without reading its input closes the pipe under us; that is fine.
      child.stdin.on('error', () => {});
      stdin.pipe(child.stdin);
    }

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') settle(notFound(config));
      else if (error.code === 'EACCES')
        settle(
          failed(
            `exec plugin ${command} is not executable`,
            `make it executable: chmod +x ${command}`,
            error,
          ),
        );
      else if (!stopReason)
        settle(
          failed(
            `exec plugin ${command} could not be started: ${error.message}`,
            'check exec.command',
            error,
          ),
        );
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (stopReason) return;
      if (signal !== null) {
        settle(
          failed(
            `exec plugin ${command} was killed by ${signal}`,
            'run the plugin by hand to see why it dies',
          ),
        );
      } else if (code !== 0) {
        settle(
          failed(
            `exec plugin ${command} failed with exit code ${code}`,
            'the plugin wrote why on stderr; run it by hand to retry',
          ),
        );
      } else {
        settle(undefined, Buffer.concat(chunks).toString('utf8'));
      }
    });
  });
}

/**
 * Runs the plugin of `config` once and returns the credential it printed, checked.
 * Errors name the command and never carry the credential.
 *
 * @throws {KgateError} `EXEC_CONFIG_INVALID`, `EXEC_PLUGIN_NEEDS_TERMINAL`, `EXEC_PLUGIN_NOT_FOUND`
 *   (hint: the config's `installHint`), `EXEC_PLUGIN_FAILED` (non-zero exit, signal, timeout),
 *   `EXEC_CREDENTIAL_INVALID` (stdout is not a valid ExecCredential of the configured apiVersion)
 * @example
 * ```ts
 * const { token } = await runExecPlugin(user.exec, { cluster: execClusterFromKubeconfig(cluster) });
 * ```
 */
export async function runExecPlugin(
  config: ExecConfig,
  options: RunExecPluginOptions = {},
): Promise<ExecCredentialResult> {
  const resolved = validateExecConfig(config);
  const interactive = decideInteractive(
    resolved.interactiveMode,
    options.stdinIsTerminal ?? process.stdin.isTTY === true,
    resolved.command,
  );
  if (resolved.provideClusterInfo && options.cluster === undefined) {
    throw new KgateError('INVALID_ARGUMENT', 'exec.provideClusterInfo is set but no cluster was given', {
      user: false,
    });
  }
  const execInfo = encodeExecInfo(resolved.apiVersion, {
    interactive,
    ...(resolved.provideClusterInfo ? { cluster: options.cluster } : {}),
  });
  const baseEnv = options.env ?? process.env;
  const file = lookPath(resolved.command, baseEnv.PATH);
  if (file === undefined) throw notFound(resolved);

  const stdinOption = options.stdin ?? 'inherit';
  const stderrOption = options.stderr ?? 'inherit';
  const stdio: ExecStdio = [
    !interactive ? 'ignore' : stdinOption === 'inherit' ? 'inherit' : 'pipe',
    'pipe',
    stderrOption === 'inherit' ? 'inherit' : 'pipe',
  ];
  const spawn: ExecSpawn = options.spawn ?? nodeSpawn;
  const child = spawn(file, resolved.args, { env: buildEnv(baseEnv, resolved, execInfo), stdio });
  const stdout = await collectStdout(
    child,
    resolved,
    interactive && stdinOption !== 'inherit' ? stdinOption : undefined,
    stderrOption === 'inherit' ? undefined : stderrOption,
    options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
  );
  try {
    return parseExecCredential(stdout, resolved.apiVersion);
  } catch (error) {
    // Say which plugin printed it; the parser's messages are already free of the output.
    if (error instanceof KgateError) {
      throw new KgateError(error.code, `exec plugin ${resolved.command}: ${error.message}`, {
        hint: error.hint,
        user: error.user,
      });
    }
    throw error;
  }
}
