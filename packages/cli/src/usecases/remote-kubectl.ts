/**
 * `kgate kubectl` without a local kubectl: central runs it (`POST /clusters/{name}/exec`),
 * as the logged-in user, and kgate prints what it printed and exits with its exit code.
 * Not interactive: stdin is read to its end first and sent along, output arrives when
 * kubectl has finished. Central refuses flags that would change who kubectl is or make it
 * touch central's disk (`--kubeconfig`, `-f FILE`, …).
 */
import type { CliContext } from '../context.ts';
import { execRequest } from '../infrastructure/central/exec.ts';

/** How long to wait for central's answer: central stops kubectl first (exec.timeout, 60 s by default). */
const EXEC_WAIT_MS = 15 * 60_000;

/** Whether kubectl would read stdin: `-f -`, `-e -`, `-i`/`--stdin` (before a `--`). */
export function readsStdin(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '-' || /^(-f=?|--filename=)-$/.test(arg)) return true;
    if (arg === '--stdin' || arg === '--stdin=true') return true;
    // -i, -it, -ti, -qi: -i after only flags that take no value.
    if (/^-[ARqtw]*i[ARqtw]*$/.test(arg)) return true;
  }
  return false;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs kubectl `args` on central for `cluster`; resolves with kubectl's exit code. */
export async function runKubectlOnCentral(
  context: CliContext,
  server: string,
  cluster: string,
  args: readonly string[],
): Promise<number> {
  const { io } = context;
  if (io.stderr.isTTY) context.log('kgate: no kubectl on PATH; running it on central (not interactive)');
  const session = await context.freshSession(server);
  let stdin: string | undefined;
  if (readsStdin(args)) {
    if (io.stdin.isTTY) context.log('kgate: reading stdin for kubectl until end of input (Ctrl-D)');
    stdin = await readAll(io.stdin);
  }
  const result = await execRequest(
    context.transport,
    { ...context.connection(session), timeoutMs: EXEC_WAIT_MS },
    session.accessToken,
    cluster,
    stdin === undefined ? { command: args } : { command: args, stdin },
  );
  io.stdout.write(result.stdout);
  io.stderr.write(result.stderr);
  if (result.error !== null) context.log(`kgate: ${result.error}`);
  return result.exitCode;
}
