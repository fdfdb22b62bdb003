/**
 * Upgrade requests for `pods/exec`, `pods/attach` and `pods/portforward`: checks the
 * request as the API server does, negotiates the protocol as the API server and the
 * kubelet do together, and hands the connection to the transport. A request that
 * cannot be served gets a Status and a closed connection, never a hang.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { failureStatus, type StatusObject } from '../status.ts';
import { internalErrorStatus } from './exec-status.ts';
import {
  acceptWebSocket,
  negotiateSpdy,
  offeredWebSocketProtocols,
  unsupportedWebSocketProtocols,
} from './negotiate.ts';
import type { PodRef } from './pod-ref.ts';
import { servePortForwardUpgrade } from './port-forward-upgrade.ts';
import { chooseContainer, isStatus, queryBool } from './query.ts';
import { acceptSpdyUpgrade, refuseUpgrade } from './raw-reply.ts';
import type { PodRuntime } from './runtime.ts';
import { RemoteCommandSession, type SessionSink, type StreamOptions } from './session.ts';
import { serveExecSpdy, spdyExecProtocols } from './spdy-exec.ts';
import {
  chooseExecProtocol,
  kubeletWebSocketProtocols,
  serveExecWebSocket,
  v5Protocol,
} from './websocket-exec.ts';

export type UpgradeKind = 'exec' | 'attach' | 'portforward';

/**
 * For v5 the API server first dials the kubelet over SPDY, so a command never starts
 * the instant the WebSocket opens. kubectl 1.30 relies on that: it reads before it has
 * set up its streams and drops (then fails on) messages that arrive too early.
 */
const translatorDialMs = 25;

interface CommandRequest {
  container: string;
  command: string[];
  options: StreamOptions;
}

export function servePodUpgrade(
  runtime: PodRuntime,
  kind: UpgradeKind,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
  pod: PodRef,
): void {
  socket.on('error', () => socket.destroy());
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  const transport =
    upgrade === 'websocket' ? 'websocket' : upgrade.startsWith('spdy/3.1') ? 'spdy' : undefined;
  if (transport === undefined) {
    refuseUpgrade(
      socket,
      failureStatus(
        'BadRequest',
        `unable to upgrade: ${JSON.stringify(req.headers.upgrade ?? '')} is not supported`,
      ),
    );
    return;
  }
  if (kind === 'portforward') {
    servePortForwardUpgrade(runtime, transport, req, socket, head, url, pod);
    return;
  }

  const request = parseCommandRequest(kind, url, pod);
  if (isStatus(request)) {
    refuseUpgrade(socket, request);
    return;
  }
  const start = (dialect: 'kubelet' | 'translator') => (sink: SessionSink) =>
    startSession(runtime, kind, pod, request, sink, dialect);

  if (transport === 'websocket') {
    const offered = offeredWebSocketProtocols(req);
    const protocol = chooseExecProtocol(offered);
    if (protocol === undefined) {
      refuseUpgrade(
        socket,
        unsupportedWebSocketProtocols(offered, [v5Protocol, ...kubeletWebSocketProtocols]),
      );
      return;
    }
    acceptWebSocket(req, socket, head, protocol, (ws) => {
      const translated = protocol === v5Protocol;
      serveExecWebSocket(ws, protocol, request.options, start(translated ? 'translator' : 'kubelet'), {
        startDelayMs: translated ? translatorDialMs : 0,
      });
    });
    return;
  }

  const protocol = negotiateSpdy(req, socket, spdyExecProtocols);
  if (protocol === undefined) return;
  acceptSpdyUpgrade(socket, protocol);
  if (head.length > 0) socket.unshift(head);
  serveExecSpdy(socket, protocol, request.options, start('kubelet'));
}

function startSession(
  runtime: PodRuntime,
  kind: 'exec' | 'attach',
  pod: PodRef,
  request: CommandRequest,
  sink: SessionSink,
  dialect: 'kubelet' | 'translator',
): RemoteCommandSession {
  const session = new RemoteCommandSession(request.options, sink);
  const container = runtime.container(pod, request.container);
  if (container === undefined) {
    sink.finish(internalErrorStatus(`container ${request.container} is not valid for pod ${pod.name}`));
    return session;
  }
  session.onEnd = runtime.track(pod, { close: () => session.kill() });
  if (kind === 'attach') {
    session.attach(container);
  } else {
    const env = new Map(request.container === pod.containers[0] ? Object.entries(pod.env) : []);
    session.exec({ pod: pod.name, container, env }, request.command, dialect);
  }
  return session;
}

/** The API server's checks of PodExecOptions / PodAttachOptions, in its order. */
function parseCommandRequest(kind: 'exec' | 'attach', url: URL, pod: PodRef): CommandRequest | StatusObject {
  const container = chooseContainer(pod, url.searchParams.get('container'));
  if (isStatus(container)) return container;
  const command = url.searchParams.getAll('command');
  if (kind === 'exec' && command.length === 0) {
    return failureStatus('BadRequest', 'you must specify at least one command for the container');
  }
  const tty = queryBool(url, 'tty');
  const options: StreamOptions = {
    stdin: queryBool(url, 'stdin'),
    stdout: queryBool(url, 'stdout'),
    // With a TTY, stderr is the terminal too: the kubelet drops the stderr stream.
    stderr: queryBool(url, 'stderr') && !tty,
    tty,
  };
  if (!options.stdin && !options.stdout && !queryBool(url, 'stderr')) {
    return failureStatus('BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
  }
  return { container, command, options };
}
