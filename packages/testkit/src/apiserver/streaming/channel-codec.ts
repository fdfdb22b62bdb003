/**
 * Message framing of the `channel.k8s.io` WebSocket subprotocols (apimachinery
 * `wsstream/conn.go`): binary messages start with the channel byte; the `base64.`
 * variants send text messages that start with the channel as an ASCII digit and carry
 * the payload in base64.
 */
import type { WebSocket } from 'ws';

export interface ChannelMessage {
  channel: number;
  payload: Buffer;
}

export class ChannelCodec {
  readonly #ws: WebSocket;
  readonly #base64: boolean;

  constructor(ws: WebSocket, protocol: string) {
    this.#ws = ws;
    this.#base64 = protocol.includes('base64');
  }

  /** Sends `data` on `channel` (dropped once the connection is closing). */
  send(channel: number, data: Buffer): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#base64) this.#ws.send(`${String.fromCharCode(48 + channel)}${data.toString('base64')}`);
    else this.#ws.send(Buffer.concat([Buffer.of(channel), data]));
  }

  /** Decodes a received message; `undefined` for an empty one. */
  decode(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ChannelMessage | undefined {
    const message = Array.isArray(raw)
      ? Buffer.concat(raw)
      : raw instanceof ArrayBuffer
        ? Buffer.from(raw)
        : raw;
    const first = message[0];
    if (first === undefined) return undefined;
    if (this.#base64 && !isBinary) {
      return { channel: first - 48, payload: Buffer.from(message.subarray(1).toString('latin1'), 'base64') };
    }
    return { channel: first, payload: message.subarray(1) };
  }
}
