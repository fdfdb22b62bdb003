/**
 * HTTP responses written straight to an upgrade request's socket: refusals (a Status,
 * then the connection closes, so a refused upgrade never leaves a half-open tunnel)
 * and the `101 Switching Protocols` of a SPDY upgrade.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StatusObject } from '../status.ts';

/** Answers an upgrade request with `status` as JSON and closes the connection. */
export function refuseUpgrade(socket: Duplex, status: StatusObject, headers: [string, string][] = []): void {
  const body = JSON.stringify(status);
  const lines = [
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? ''}`,
    'Content-Type: application/json',
    'Cache-Control: no-cache, private',
    ...headers.map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    `Date: ${new Date().toUTCString()}`,
  ];
  if (socket.writable) socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Switches the connection to SPDY/3.1 with the negotiated stream protocol. */
export function acceptSpdyUpgrade(socket: Duplex, protocol: string): void {
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Connection: Upgrade',
      'Upgrade: SPDY/3.1',
      `X-Stream-Protocol-Version: ${protocol}`,
      `Date: ${new Date().toUTCString()}`,
      '',
      '',
    ].join('\r\n'),
  );
}
