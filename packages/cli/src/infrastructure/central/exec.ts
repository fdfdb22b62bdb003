/** Central's `POST /clusters/{name}/exec`: kubectl run on central, as the caller. */
import type { CentralConnection, CentralTransport } from '../https-transport.ts';
import { BodyReader, centralError } from './response.ts';

/** What to run: kubectl's arguments (without `kubectl`) and its stdin. */
export interface ExecInput {
  command: readonly string[];
  stdin?: string;
}

/** How kubectl ended on central and what it printed. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Both, interleaved as they arrived. */
  output: string;
  exitCode: number;
  truncated: boolean;
  timedOut: boolean;
  /** Why central stopped kubectl (timeout, output cap), if it did. */
  error: string | null;
}

/** `POST /clusters/{cluster}/exec`. */
export async function execRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  cluster: string,
  input: ExecInput,
): Promise<ExecResult> {
  const response = await transport(connection, {
    method: 'POST',
    path: `/clusters/${encodeURIComponent(cluster)}/exec`,
    accessToken,
    body:
      input.stdin === undefined ? { command: input.command } : { command: input.command, stdin: input.stdin },
  });
  if (response.status < 200 || response.status > 299)
    throw centralError(response, `run kubectl on cluster "${cluster}"`);
  const reader = new BodyReader(`POST /clusters/${cluster}/exec`);
  const body = reader.record(response.body, 'body');
  const text = (value: unknown, field: string) => reader.optionalString(value, field) ?? '';
  const exitCode = reader.optionalNumber(body.exit_code, 'exit_code');
  if (exitCode === null) throw reader.fail('exit_code');
  return {
    stdout: text(body.stdout, 'stdout'),
    stderr: text(body.stderr, 'stderr'),
    output: text(body.output, 'output'),
    exitCode,
    truncated: body.truncated === true,
    timedOut: body.timed_out === true,
    error: reader.optionalString(body.error, 'error'),
  };
}
