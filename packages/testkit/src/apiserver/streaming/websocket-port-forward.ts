/**
 * The kubelet's own WebSocket port-forward (pkg/kubelet/cri/streaming/portforward/
 * websocket.go), which the API server proxies to when the client offers no tunnelled
 * SPDY protocol (clients such as `@kubernetes/client-node` use it). The ports come from
 * the query (`ports`, repeatable or comma-separated); port i gets data channel 2i and
 * error channel 2i+1, and the server first writes the port as a little-endian uint16
 * on both. Every port echoes what arrives on its data channel. There is no half-close:
 * the forwarding lasts as long as the WebSocket.
 */
import type { WebSocket } from 'ws';
import { failureStatus, type StatusObject } from '../status.ts';
import { ChannelCodec } from './channel-codec.ts';

/** Subprotocols of the kubelet's WebSocket port-forward (`''`: none offered, binary). */
export const webSocketPortForwardProtocols = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** The ports to forward, or the kubelet's 400 for a missing or bad `ports` parameter. */
export function parseForwardedPorts(url: URL): number[] | StatusObject {
  const values = url.searchParams.getAll('ports');
  if (values.length === 0) return failureStatus('BadRequest', 'query parameter "port" is required');
  const ports: number[] = [];
  for (const value of values) {
    if (value === '') return failureStatus('BadRequest', 'query parameter "port" cannot be empty');
    for (const part of value.split(',')) {
      const port = /^\d+$/.test(part) ? Number(part) : Number.NaN;
      if (!Number.isInteger(port) || port > 65535) {
        return failureStatus('BadRequest', `unable to parse ${JSON.stringify(value)} as a port`);
      }
      if (port < 1) return failureStatus('BadRequest', `port ${JSON.stringify(value)} must be > 0`);
      ports.push(port);
    }
  }
  return ports;
}

/** Serves the channel pairs on an accepted WebSocket until it closes; returns the closer. */
export function serveWebSocketPortForward(
  ws: WebSocket,
  protocol: string,
  ports: readonly number[],
): { close(): void } {
  const codec = new ChannelCodec(ws, protocol);
  ports.forEach((port, index) => {
    const header = Buffer.alloc(2);
    header.writeUInt16LE(port);
    codec.send(index * 2, header);
    codec.send(index * 2 + 1, header);
  });
  ws.on('message', (raw, isBinary) => {
    const message = codec.decode(raw, isBinary);
    // Only data channels (even numbers) of the requested ports carry bytes to the pod.
    if (message === undefined || message.channel % 2 !== 0 || message.channel / 2 >= ports.length) return;
    codec.send(message.channel, message.payload);
  });
  return {
    close: () => {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  };
}
