/**
 * An upgrade request (exec, attach, port-forward over websocket or SPDY) through the
 * tunnel. After the apiserver's 101 the bytes pass both ways untouched; any other
 * answer is relayed as a complete response and the client connection is closed, as
 * the agent closes its apiserver connection (CVE-2018-1002105).
 */
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { failureStatus, type StatusObject, statusResponse } from '@kgate/core/k8s-status';
import type { TunnelExchange } from '../tunnel/exchange.ts';
import { allowedUpgrades, type HeaderPair } from '../tunnel/proto.ts';
import { NoStreamError } from '../tunnel/session.ts';
import { admit, type ProxyTarget } from './admit.ts';
import {
  agentFailedStatus,
  agentUnavailableStatus,
  auditUnavailableStatus,
  clientResponseHeaders,
  type ProxyDeps,
  RequestTrace,
  switchingHeaders,
  trackOpen,
  tunnelRequestHeaders,
  writeToClient,
} from './context.ts';

function head(status: number, headers: readonly HeaderPair[]): string {
  let text = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const { name, value } of headers) {
    // A header value can never end the head early.
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) continue;
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}

function refuse(socket: Duplex, trace: RequestTrace, status: StatusObject): void {
  trace.status = status.code;
  trace.error ??= status.message;
  const { code, headers, body } = statusResponse(status);
  const pairs = Object.entries(headers).map(([name, value]) => ({ name, value }));
  pairs.push({ name: 'Audit-Id', value: trace.requestId }, { name: 'Connection', value: 'close' });
  // On record before the client reads it (see request.ts).
  void trace.finish().then(() => {
    if (!socket.destroyed) socket.end(Buffer.concat([Buffer.from(head(code, pairs)), body]));
  });
}

/** The requested upgrade if the tunnel carries it (`SPDY/3.1`, `websocket`); else `undefined`. */
function allowedUpgrade(req: IncomingMessage): string | undefined {
  const value = (req.headers.upgrade ?? '').trim();
  return allowedUpgrades.has(value.toLowerCase()) ? value : undefined;
}

/** Serves one upgrade request under the proxy prefix. */
export async function proxyUpgrade(
  deps: ProxyDeps,
  req: IncomingMessage,
  socket: Duplex,
  earlyBytes: Buffer,
  target: ProxyTarget,
): Promise<void> {
  socket.on('error', () => {});
  const trace = new RequestTrace(deps, target, req, true);
  const admission = await admit(req, target, deps);
  trace.admitted(admission);
  if (!admission.ok) {
    refuse(socket, trace, admission.status);
    return;
  }
  const upgrade = allowedUpgrade(req);
  if (upgrade === undefined) {
    refuse(
      socket,
      trace,
      failureStatus(
        'BadRequest',
        `kgate carries only SPDY/3.1 and websocket upgrades, not "${req.headers.upgrade}"`,
      ),
    );
    return;
  }
  const { identity, cluster } = admission;
  if (!(await trace.begin())) {
    refuse(socket, trace, auditUnavailableStatus());
    return;
  }

  let exchange: TunnelExchange | undefined;
  let switched = false;
  try {
    exchange = await deps.tunnel.openExchange(
      cluster.clusterId,
      {
        onHead(status, headers) {
          trace.status = status;
          switched = status === 101;
          if (switched) socket.write(head(101, switchingHeaders(headers)));
          else {
            // Refused upgrade: relay the answer, delimited by closing the connection.
            const pairs = clientResponseHeaders(headers, trace.requestId).filter(
              (h) => h.name.toLowerCase() !== 'content-length',
            );
            pairs.push({ name: 'Connection', value: 'close' });
            socket.write(head(status, pairs));
          }
        },
        onData: writeToClient(trace, socket, () => exchange),
        onEnd() {
          socket.end();
          if (!switched) exchange?.end();
        },
        onError(reason) {
          trace.error = reason;
          if (trace.status === 0) refuse(socket, trace, agentFailedStatus(cluster, reason));
          else socket.destroy();
          void trace.finish();
        },
      },
      deps.streamTimeoutMs,
    );
  } catch (error) {
    if (!(error instanceof NoStreamError)) throw error;
    refuse(socket, trace, agentUnavailableStatus(cluster, error.message));
    return;
  }
  const active = exchange;
  const first: { end: boolean; data?: Uint8Array } = { end: false };
  if (earlyBytes.length > 0) {
    trace.bytesIn += earlyBytes.length;
    first.data = earlyBytes;
  }
  active.open(
    {
      requestId: trace.requestId,
      method: req.method ?? 'GET',
      path: target.query === '' ? target.path : `${target.path}?${target.query}`,
      headers: tunnelRequestHeaders(req, upgrade, trace.requestId),
      // Signed with the key of the agent session that carries this very request.
      assertion: deps.signer.sign(identity, cluster, trace.requestId, active.assertionKey),
      upgrade: true,
    },
    first,
  );
  socket.on('data', (chunk: Buffer) => {
    trace.bytesIn += chunk.length;
    if (!active.write(chunk)) {
      socket.pause();
      active.onDrain(() => socket.resume());
    }
  });
  const untrack = trackOpen(deps, admission, trace, active, () => socket.destroy());
  socket.on('end', () => active.end());
  socket.on('close', () => {
    untrack();
    active.reset('the client closed the connection');
    void trace.finish();
  });
}
