/**
 * Central's side of one Proxy call: sends the request (open, body, end) to the agent
 * and hands the response (head, body, end) to the caller, with backpressure both ways.
 * The call ends with gRPC trailers once both sides sent `end`, or with a reset.
 */
import type { KeyObject } from 'node:crypto';
import type { ServerHttp2Stream } from 'node:http2';
import {
  FrameChannel,
  grpcContentType,
  type HeaderPair,
  type ProxyFrame,
  type ProxyFrameInit,
} from './proto.ts';

/** Callbacks of a {@link TunnelExchange}. */
export interface ExchangeHandlers {
  /** The agent's response status and headers (101 for an accepted upgrade). */
  onHead(status: number, headers: HeaderPair[]): void;
  /** Response body bytes; call `pause()` when the reader cannot keep up. */
  onData(data: Uint8Array): void;
  /** The agent sent everything. */
  onEnd(): void;
  /** The call failed before the agent's `end` (reset by the agent, stream lost). */
  onError(reason: string): void;
}

/** The request as the agent receives it. */
export interface ExchangeOpen {
  requestId: string;
  method: string;
  path: string;
  headers: HeaderPair[];
  assertion: string;
  upgrade: boolean;
}

export class TunnelExchange {
  /**
   * The key of the agent session carrying this call: the request's assertion must be
   * signed with it (`AssertionSigner.sign(…, exchange.assertionKey)`).
   */
  readonly assertionKey: KeyObject;
  readonly #channel: FrameChannel;
  readonly #handlers: ExchangeHandlers;
  #sentEnd = false;
  #receivedEnd = false;
  #done = false;

  constructor(stream: ServerHttp2Stream, handlers: ExchangeHandlers, assertionKey: KeyObject) {
    this.assertionKey = assertionKey;
    this.#handlers = handlers;
    stream.respond({ ':status': 200, 'content-type': grpcContentType }, { waitForTrailers: true });
    // node's http2 compat layer (the server also serves ConnectRPC) sends the trailers
    // the server registered for this stream; a bare stream gets them here.
    if (stream.listenerCount('wantTrailers') === 0)
      stream.once('wantTrailers', () => {
        if (!stream.destroyed) stream.sendTrailers({ 'grpc-status': '0' });
      });
    this.#channel = new FrameChannel(stream, {
      onFrame: (frame) => this.#onFrame(frame),
      onClose: (error) =>
        this.#fail(error?.message ?? 'the agent closed the stream before the response ended'),
    });
  }

  /** Sends the request head, with the first body bytes and `end` when already known. */
  open(open: ExchangeOpen, first: { data?: Uint8Array; end: boolean }): boolean {
    const frame: ProxyFrameInit = { open, end: first.end };
    if (first.data !== undefined) frame.data = first.data;
    if (first.end) this.#sentEnd = true;
    return this.#channel.send(frame);
  }

  /** Request body bytes (or client bytes of an upgraded connection); `false`: wait for {@link onDrain}. */
  write(data: Uint8Array): boolean {
    if (this.#done || this.#sentEnd) return false;
    return this.#channel.send({ data });
  }

  /** The client finished sending. */
  end(): void {
    if (this.#done || this.#sentEnd) return;
    this.#sentEnd = true;
    this.#channel.send({ end: true });
    this.#finishIfDone();
  }

  /** Abandons the call (the client went away): the agent drops its apiserver request. */
  reset(reason: string): void {
    if (this.#done) return;
    this.#done = true;
    this.#channel.send({ reset: { reason } });
    this.#channel.end();
  }

  onDrain(callback: () => void): void {
    this.#channel.onDrain(callback);
  }

  /** Stops reading the agent's frames (the client reads slower than the agent sends). */
  pause(): void {
    this.#channel.pause();
  }

  resume(): void {
    this.#channel.resume();
  }

  #onFrame(frame: ProxyFrame): void {
    if (this.#done) return;
    if (frame.reset !== undefined) {
      this.#fail(`the agent reset the request: ${frame.reset.reason}`);
      return;
    }
    if (frame.head !== undefined) this.#handlers.onHead(frame.head.status, frame.head.headers);
    if (frame.data.length > 0 && !this.#done) this.#handlers.onData(frame.data);
    if (frame.end && !this.#receivedEnd && !this.#done) {
      this.#receivedEnd = true;
      this.#handlers.onEnd();
      this.#finishIfDone();
    }
  }

  #finishIfDone(): void {
    if (this.#done || !this.#sentEnd || !this.#receivedEnd) return;
    this.#done = true;
    this.#channel.end();
  }

  #fail(reason: string): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#channel.closed) {
      this.#channel.send({ reset: { reason } });
      this.#channel.end();
    }
    this.#handlers.onError(reason);
  }
}
