/**
 * Runs one vetted kubectl command line as the caller: the real kubectl, spawned without a
 * shell, pointed by a throw-away kubeconfig at central's own `/k8s/<cluster>` proxy with
 * the caller's bearer token, so the proxy authenticates, authorizes and audits every
 * request exactly as for the caller's own kubectl.
 *
 * The token is in that kubeconfig only (0600, in a 0700 directory removed afterwards),
 * never in kubectl's arguments or environment. kubectl gets no environment but `HOME`
 * (that directory, for its discovery cache): no PATH, so no plugin, editor, diff program
 * or credential plugin can be found even if vetting let a word through.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { KgateError } from '@kgate/core/errors';
import { formatDuration } from '../config/index.ts';

/** `exit_code` when central stopped kubectl at `exec.timeout` (as coreutils' `timeout` does). */
export const TIMEOUT_EXIT_CODE = 124;
/** `exit_code` when central stopped kubectl at `exec.max_output` (as a shell reports a closed pipe: `| head`). */
export const TRUNCATED_EXIT_CODE = 141;

/** What to run and where. */
export interface RunKubectlOptions {
  /** kubectl: a path, or a name looked up on `searchPath`. */
  kubectlPath: string;
  /** Where a bare kubectl name is looked up (central's own PATH). Default: process.env.PATH. */
  searchPath?: string;
  /** Vetted arguments, without `kubectl`. */
  args: readonly string[];
  /** Given to kubectl on stdin, which is then closed. */
  stdin?: string;
  /** The cluster's API through central: `<proxy url>/k8s/<cluster>`. */
  server: string;
  /** PEM kubectl trusts for `server`. */
  caPem: string;
  /** `tls-server-name`, when the certificate does not name the server's host. */
  serverName?: string;
  /** The caller's bearer token. */
  token: string;
  timeoutMs: number;
  /** stdout and stderr together. */
  maxOutputBytes: number;
  /** Aborting stops kubectl (the caller went away). */
  signal?: AbortSignal;
  /** Where the temporary directory is made. Default: os.tmpdir(). */
  tempRoot?: string;
}

/** How kubectl ended and what it printed. */
export interface KubectlRunResult {
  /** stdout and stderr interleaved as they arrived, as a terminal shows them. */
  output: string;
  stdout: string;
  stderr: string;
  /** kubectl's exit code; 124 when stopped at the timeout, 141 at the output cap, 128+N when killed by signal N. */
  exitCode: number;
  /** The output was cut at `maxOutputBytes`. */
  truncated: boolean;
  timedOut: boolean;
  /** Why central stopped kubectl, when it did. */
  error?: string;
}

function notFound(kubectlPath: string, cause?: unknown): KgateError {
  return new KgateError('UNAVAILABLE', `kubectl (${JSON.stringify(kubectlPath)}) cannot be run on central`, {
    hint: "install kubectl on central's host, or set exec.kubectl_path (KGATE_EXEC_KUBECTL_PATH)",
    user: false,
    cause,
  });
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The kubectl to spawn: `kubectlPath` itself, or the first match on `searchPath`. */
export async function resolveKubectl(kubectlPath: string, searchPath: string): Promise<string> {
  if (kubectlPath.includes('/') || kubectlPath.includes(path.sep)) {
    if (await isExecutable(kubectlPath)) return kubectlPath;
    throw notFound(kubectlPath);
  }
  for (const dir of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, kubectlPath);
    if (await isExecutable(candidate)) return candidate;
  }
  throw notFound(kubectlPath);
}

/** A kubeconfig (JSON is YAML) with one context: the proxy, its CA, the token. */
function kubeconfigText(options: RunKubectlOptions): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kgate',
        cluster: {
          server: options.server,
          'certificate-authority-data': Buffer.from(options.caPem).toString('base64'),
          ...(options.serverName === undefined ? {} : { 'tls-server-name': options.serverName }),
        },
      },
    ],
    users: [{ name: 'kgate', user: { token: options.token } }],
    contexts: [{ name: 'kgate', context: { cluster: 'kgate', user: 'kgate' } }],
    'current-context': 'kgate',
  });
}

type StopReason = 'timeout' | 'truncated' | 'aborted';

/** Spawns kubectl in `dir` and collects what it prints, within the limits. */
function spawnKubectl(
  kubectl: string,
  dir: string,
  kubeconfig: string,
  options: RunKubectlOptions,
): Promise<Omit<KubectlRunResult, 'error'> & { stopped: StopReason | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, ...options.args], {
      cwd: dir,
      env: { HOME: dir },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own session: no terminal of central's to prompt on, and one process group to
      // kill should kubectl_path be a wrapper that starts kubectl as a child.
      detached: true,
    });
    let stopped: StopReason | undefined;
    const stop = (reason: StopReason) => {
      if (stopped) return;
      stopped = reason;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    let output = '';
    let bytes = 0;
    const text = { stdout: '', stderr: '' };
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (stopped) return;
      const room = options.maxOutputBytes - bytes;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      bytes += piece.length;
      const decoded = decoders[stream].write(piece);
      text[stream] += decoded;
      output += decoded;
      if (chunk.length > room) stop('truncated');
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    // kubectl need not read its stdin; its exit must not fail the write.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');

    child.on('error', (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(notFound(kubectl, error));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = decoders[stream].end();
        text[stream] += rest;
        output += rest;
      }
      const exitCode =
        stopped === 'timeout'
          ? TIMEOUT_EXIT_CODE
          : stopped === 'truncated'
            ? TRUNCATED_EXIT_CODE
            : (code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
      resolve({
        output,
        stdout: text.stdout,
        stderr: text.stderr,
        exitCode,
        truncated: stopped === 'truncated',
        timedOut: stopped === 'timeout',
        stopped,
      });
    });
  });
}

/**
 * Runs kubectl with `options.args` against `options.server` as the token's user, within
 * `timeoutMs` and `maxOutputBytes`, and removes its temporary directory, always.
 *
 * @throws KgateError `UNAVAILABLE` when kubectl cannot be found or started.
 */
export async function runKubectl(options: RunKubectlOptions): Promise<KubectlRunResult> {
  const kubectl = await resolveKubectl(options.kubectlPath, options.searchPath ?? process.env.PATH ?? '');
  const dir = await mkdtemp(path.join(options.tempRoot ?? tmpdir(), 'kgate-exec-'));
  try {
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigText(options), { mode: 0o600, flag: 'wx' });
    const { stopped, ...result } = await spawnKubectl(kubectl, dir, kubeconfig, options);
    // kubectl does not print the token; should it ever, it stops here.
    const scrub = (text: string) =>
      options.token === '' ? text : text.replaceAll(options.token, '[redacted]');
    const scrubbed = {
      ...result,
      output: scrub(result.output),
      stdout: scrub(result.stdout),
      stderr: scrub(result.stderr),
    };
    if (stopped === 'timeout') {
      return {
        ...scrubbed,
        error: `kubectl did not finish within ${formatDuration(options.timeoutMs)} and was stopped (exec.timeout)`,
      };
    }
    if (stopped === 'truncated') {
      return {
        ...scrubbed,
        error: `kubectl printed more than ${options.maxOutputBytes} bytes and was stopped; the output ends there (exec.max_output)`,
      };
    }
    if (stopped === 'aborted')
      return { ...scrubbed, error: 'the request was cancelled, so kubectl was stopped' };
    return scrubbed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
