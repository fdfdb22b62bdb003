/**
 * Subprotocol negotiation of upgrade requests, as the API server and the kubelet do it:
 * `X-Stream-Protocol-Version` for SPDY (apimachinery `httpstream.Handshake`) and
 * `Sec-WebSocket-Protocol` for WebSocket, plus the WebSocket handshake itself.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { failureStatus, type StatusObject } from '../status.ts';
import { refuseUpgrade } from './raw-reply.ts';

/** The subprotocols a WebSocket client offered, in its order. */
export function offeredWebSocketProtocols(req: IncomingMessage): string[] {
  return headerList(req, 'sec-websocket-protocol');
}

/** The refusal of a WebSocket upgrade that offers none of `supported`. */
export function unsupportedWebSocketProtocols(
  offered: readonly string[],
  supported: readonly string[],
): StatusObject {
  return failureStatus(
    'BadRequest',
    `unable to upgrade: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`,
  );
}

/**
 * The first of the client's `X-Stream-Protocol-Version` values that the server
 * supports; otherwise the request is refused (400 without the header, 403 with
 * `X-Accepted-Stream-Protocol-Versions` without a match) and `undefined` returned.
 */
export function negotiateSpdy(
  req: IncomingMessage,
  socket: Duplex,
  supported: readonly string[],
): string | undefined {
  const offered = headerList(req, 'x-stream-protocol-version');
  if (offered.length === 0) {
    refuseUpgrade(
      socket,
      failureStatus('BadRequest', 'unable to upgrade: X-Stream-Protocol-Version is required'),
    );
    return undefined;
  }
  const protocol = offered.find((value) => supported.includes(value));
  if (protocol === undefined) refuseNoCommonProtocol(socket, offered, supported);
  return protocol;
}

/** Refuses as `httpstream.Handshake` does when no offered protocol is supported. */
export function refuseNoCommonProtocol(
  socket: Duplex,
  offered: readonly string[],
  supported: readonly string[],
): void {
  refuseUpgrade(
    socket,
    failureStatus(
      'Forbidden',
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`,
    ),
    supported.map((protocol) => ['X-Accepted-Stream-Protocol-Versions', protocol]),
  );
}

/**
 * Completes the WebSocket handshake with `protocol` (`''`: no subprotocol header). The
 * subprotocol was negotiated already; it is set on the response directly because the
 * `ws` package checks offers as RFC 6455 tokens and refuses the `/` in kubectl's
 * `SPDY/3.1+portforward.k8s.io` (which gorilla/websocket, on both ends in Kubernetes,
 * accepts).
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocol: string,
  onOpen: (ws: WebSocket) => void,
): void {
  delete req.headers['sec-websocket-protocol'];
  const server = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  if (protocol !== '') server.on('headers', (headers) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
  server.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => ws.terminate());
    onOpen(ws);
    server.close();
  });
}

/** A header's comma-separated values over all its lines. */
function headerList(req: IncomingMessage, name: string): string[] {
  return (req.headersDistinct[name] ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}
