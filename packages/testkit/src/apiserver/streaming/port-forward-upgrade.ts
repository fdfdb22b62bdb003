/**
 * Which port-forward protocol an upgrade gets, as a real cluster decides: a WebSocket
 * offering `SPDY/3.1+portforward.k8s.io` is the API server's tunnel (kubectl ≥ 1.31);
 * another WebSocket goes to the kubelet's channel protocol; `Upgrade: SPDY/3.1` with
 * `X-Stream-Protocol-Version: portforward.k8s.io` is plain SPDY.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import {
  acceptWebSocket,
  negotiateSpdy,
  offeredWebSocketProtocols,
  refuseNoCommonProtocol,
  unsupportedWebSocketProtocols,
} from './negotiate.ts';
import type { PodRef } from './pod-ref.ts';
import { portForwardProtocol, servePortForward } from './port-forward.ts';
import { isStatus } from './query.ts';
import { acceptSpdyUpgrade, refuseUpgrade } from './raw-reply.ts';
import type { PodRuntime } from './runtime.ts';
import {
  parseForwardedPorts,
  serveWebSocketPortForward,
  webSocketPortForwardProtocols,
} from './websocket-port-forward.ts';

const tunnelPrefix = 'SPDY/3.1+';

export function servePortForwardUpgrade(
  runtime: PodRuntime,
  transport: 'websocket' | 'spdy',
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
  pod: PodRef,
): void {
  if (transport === 'spdy') {
    overSpdy(runtime, req, socket, head, pod);
    return;
  }
  const offered = offeredWebSocketProtocols(req);
  // The API server's TunnelingHandler takes offers of the form SPDY/3.1+<name>.k8s.io.
  const tunnelled = offered
    .filter((protocol) => protocol.startsWith(tunnelPrefix) && protocol.endsWith('.k8s.io'))
    .map((protocol) => protocol.slice(tunnelPrefix.length));
  if (tunnelled.length === 0) {
    overKubeletWebSocket(runtime, req, socket, head, url, pod, offered);
    return;
  }
  if (!tunnelled.includes(portForwardProtocol)) {
    refuseNoCommonProtocol(socket, tunnelled, [portForwardProtocol]);
    return;
  }
  acceptWebSocket(req, socket, head, `${tunnelPrefix}${portForwardProtocol}`, (ws) => {
    const tunnel = createWebSocketStream(ws);
    tunnel.on('error', () => {});
    const forget = runtime.track(
      pod,
      servePortForward(tunnel, () => ws.close(1000)),
    );
    ws.on('close', () => {
      forget();
      tunnel.destroy();
    });
  });
}

function overSpdy(
  runtime: PodRuntime,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  pod: PodRef,
): void {
  const protocol = negotiateSpdy(req, socket, [portForwardProtocol]);
  if (protocol === undefined) return;
  acceptSpdyUpgrade(socket, protocol);
  if (head.length > 0) socket.unshift(head);
  const forwarding = servePortForward(socket, () => {
    socket.end();
    setTimeout(() => socket.destroy(), 10_000).unref();
  });
  const forget = runtime.track(pod, forwarding);
  socket.on('close', forget);
}

function overKubeletWebSocket(
  runtime: PodRuntime,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
  pod: PodRef,
  offered: readonly string[],
): void {
  const protocol =
    offered.length === 0 ? '' : offered.find((value) => webSocketPortForwardProtocols.includes(value));
  if (protocol === undefined) {
    const supported = [`${tunnelPrefix}${portForwardProtocol}`, ...webSocketPortForwardProtocols];
    refuseUpgrade(socket, unsupportedWebSocketProtocols(offered, supported));
    return;
  }
  const ports = parseForwardedPorts(url);
  if (isStatus(ports)) {
    refuseUpgrade(socket, ports);
    return;
  }
  acceptWebSocket(req, socket, head, protocol, (ws) => {
    const forget = runtime.track(pod, serveWebSocketPortForward(ws, protocol, ports));
    ws.on('close', forget);
  });
}
