/**
 * `POST /clusters/{name}/exec`: runs a vetted kubectl command line on central, as the
 * caller, against central's own `/k8s/<name>` proxy with the very bearer token of this
 * call, so the proxy's RBAC and audit apply as for any kubectl. For clients without a
 * kubectl of their own (`kgate kubectl` falls back to it). See docs/exec.md.
 */
import { KgateError } from '@kgate/core/errors';
import { z } from 'zod';
import { runKubectl } from '../exec/run.ts';
import { vetKubectlArgs } from '../exec/vet.ts';
import type { CentralServices } from '../services.ts';
import type { Api } from './app.ts';
import { bearerToken, identityOf } from './authenticate.ts';
import { dnsLabel, parseBody } from './validation.ts';

/** The most stdin one call may carry (UTF-8 bytes). */
export const MAX_EXEC_STDIN_BYTES = 1024 * 1024;
/** stdin and a full command line, JSON-escaped, with room to spare. */
const EXEC_BODY_LIMIT = 4 * 1024 * 1024;
/** kubectl runs one user may have going at once: each is a process on central. */
const MAX_RUNS_PER_USER = 4;

const nameParams = z.strictObject({ name: dnsLabel });
const execBody = z.strictObject({
  command: z.array(z.string({ error: 'expected a string' }), {
    error: 'expected a list of kubectl arguments, such as ["get", "pods"]',
  }),
  stdin: z.string({ error: 'expected a string' }).optional(),
});

/** The answer of a run. */
export interface ExecResponseJson {
  output: string;
  stdout: string;
  stderr: string;
  exit_code: number;
  truncated: boolean;
  timed_out: boolean;
  error?: string;
}

/** The exec endpoint's route; the audit hooks recognise its calls by it. */
export const EXEC_ROUTE = '/clusters/:name/exec';

/** `POST /clusters/:name/exec` (any authenticated user; the proxy's RBAC decides the rest). */
export function execRoutes(app: Api, services: CentralServices): void {
  const { store, config } = services;
  const running = new Map<string, number>();

  app.post(EXEC_ROUTE, { bodyLimit: EXEC_BODY_LIMIT }, async (request, reply) => {
    const identity = identityOf(request);
    const { name } = parseBody(nameParams, request.params);
    const body = parseBody(execBody, request.body);
    const vetted = vetKubectlArgs(body.command);
    if (body.stdin !== undefined && Buffer.byteLength(body.stdin) > MAX_EXEC_STDIN_BYTES) {
      throw new KgateError('INVALID_ARGUMENT', `body.stdin is larger than ${MAX_EXEC_STDIN_BYTES} bytes`, {
        hint: 'send less, or run kubectl yourself through the proxy (kgate clusters use NAME)',
      });
    }
    if (!(await store.clusters.findByName(name))) {
      throw new KgateError('NOT_FOUND', `cluster "${name}" not found`, {
        hint: 'GET /clusters lists the clusters',
      });
    }
    // The token of this very call: kubectl presents it to the proxy, which authorizes it afresh.
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw new KgateError('INTERNAL', 'an authenticated call without a bearer token');

    const count = running.get(identity.userId) ?? 0;
    if (count >= MAX_RUNS_PER_USER) {
      throw new KgateError(
        'RATE_LIMITED',
        `user "${identity.username}" already has ${count} kubectl commands running on central`,
        { hint: 'wait for one to finish, then try again' },
      );
    }
    running.set(identity.userId, count + 1);
    const cancel = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) cancel.abort();
    };
    reply.raw.on('close', onClose);
    const started = Date.now();
    try {
      const endpoint = services.proxyEndpoint();
      const result = await runKubectl({
        kubectlPath: config.exec.kubectlPath,
        args: body.command,
        stdin: body.stdin,
        server: `${endpoint.url}/k8s/${name}`,
        caPem: endpoint.caPem,
        serverName: endpoint.serverName,
        token,
        timeoutMs: config.exec.timeoutMs,
        maxOutputBytes: config.exec.maxOutputBytes,
        signal: cancel.signal,
      });
      // The subcommand path only: arguments may hold secrets (--from-literal=password=…).
      request.log.info(
        {
          exec: {
            username: identity.username,
            cluster: name,
            command: `kubectl ${vetted.path.join(' ')}`,
            exitCode: result.exitCode,
            truncated: result.truncated,
            timedOut: result.timedOut,
            durationMs: Date.now() - started,
          },
        },
        'ran kubectl for a user',
      );
      reply.header('cache-control', 'no-store');
      const answer: ExecResponseJson = {
        output: result.output,
        stdout: result.stdout,
        stderr: result.stderr,
        exit_code: result.exitCode,
        truncated: result.truncated,
        timed_out: result.timedOut,
        ...(result.error === undefined ? {} : { error: result.error }),
      };
      return answer;
    } finally {
      reply.raw.off('close', onClose);
      const left = (running.get(identity.userId) ?? 1) - 1;
      if (left > 0) running.set(identity.userId, left);
      else running.delete(identity.userId);
    }
  });
}
