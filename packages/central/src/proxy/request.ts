/**
 * A plain (not upgraded) request through the tunnel: body to the agent, response back
 * to the client, each direction waiting for the other side's buffer to drain, so a
 * slow reader (a paused watch) slows only its own stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type StatusObject, sendStatus } from '@kgate/core/k8s-status';
import type { TunnelExchange } from '../tunnel/exchange.ts';
import type { HeaderPair } from '../tunnel/proto.ts';
import { NoStreamError } from '../tunnel/session.ts';
import { admit, type ProxyTarget } from './admit.ts';
import {
  agentFailedStatus,
  agentUnavailableStatus,
  auditUnavailableStatus,
  clientResponseHeaders,
  hasBody,
  type ProxyDeps,
  RequestTrace,
  trackOpen,
  tunnelRequestHeaders,
  writeToClient,
} from './context.ts';

function flat(headers: readonly HeaderPair[]): string[] {
  const out: string[] = [];
  for (const { name, value } of headers) out.push(name, value);
  return out;
}

/**
 * Answers with `status` once the refusal is on record: a client never holds a response
 * the audit log lacks, even if central dies right after.
 */
function refuse(res: ServerResponse, trace: RequestTrace, status: StatusObject): void {
  trace.status = status.code;
  trace.error ??= status.message;
  void trace.finish().then(() => {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    res.setHeader('Audit-Id', trace.requestId);
    if (trace.info?.isResourceRequest === false && status.code === 403) {
      // kubectl's discovery client cannot read a Status here and prints "Forbidden:
      // unknown"; a plain-text body it prints as is (client-go's generic server error).
      res.writeHead(403, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-cache, private',
      });
      res.end(status.message);
    } else sendStatus(res, status);
  });
}

/** Serves one non-upgrade request under the proxy prefix. */
export async function proxyRequest(
  deps: ProxyDeps,
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
): Promise<void> {
  const trace = new RequestTrace(deps, target, req, false);
  const admission = await admit(req, target, deps);
  trace.admitted(admission);
  if (!admission.ok) {
    req.resume();
    refuse(res, trace, admission.status);
    return;
  }
  const { identity, cluster } = admission;
  if (!(await trace.begin())) {
    req.resume();
    refuse(res, trace, auditUnavailableStatus());
    return;
  }
  if (res.destroyed) {
    trace.error = 'the client went away';
    void trace.finish();
    return;
  }

  let exchange: TunnelExchange | undefined;
  try {
    exchange = await deps.tunnel.openExchange(
      cluster.clusterId,
      {
        onHead(status, headers) {
          trace.status = status;
          res.writeHead(status, flat(clientResponseHeaders(headers, trace.requestId)));
        },
        onData: writeToClient(trace, res, () => exchange),
        onEnd() {
          res.end();
        },
        onError(reason) {
          trace.error = reason;
          if (!res.headersSent) refuse(res, trace, agentFailedStatus(cluster, reason));
          else res.destroy();
          void trace.finish();
        },
      },
      deps.streamTimeoutMs,
    );
  } catch (error) {
    if (!(error instanceof NoStreamError)) throw error;
    req.resume();
    refuse(res, trace, agentUnavailableStatus(cluster, error.message));
    return;
  }
  const active = exchange;
  const untrack = trackOpen(deps, admission, trace, active, () => res.destroy());
  res.once('finish', () => {
    untrack();
    void trace.finish();
  });
  res.once('close', () => {
    untrack();
    // Closed before the response ended: the client went away (Ctrl-C on a watch).
    if (!res.writableFinished) {
      trace.error ??= 'the client went away';
      active.reset('the client went away');
    }
    void trace.finish();
  });

  const open = {
    requestId: trace.requestId,
    method: req.method ?? 'GET',
    path: target.query === '' ? target.path : `${target.path}?${target.query}`,
    headers: tunnelRequestHeaders(req, undefined, trace.requestId),
    // Signed with the key of the agent session that carries this very request.
    assertion: deps.signer.sign(identity, cluster, trace.requestId, active.assertionKey),
    upgrade: false,
  };
  if (!hasBody(req)) {
    req.resume();
    active.open(open, { end: true });
    return;
  }
  active.open(open, { end: false });
  req.on('data', (chunk: Buffer) => {
    trace.bytesIn += chunk.length;
    if (!active.write(chunk)) {
      req.pause();
      active.onDrain(() => req.resume());
    }
  });
  req.on('end', () => active.end());
}
