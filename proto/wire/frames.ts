/**
 * Proxy frames on a raw HTTP/2 stream, in gRPC's wire format (a 1-byte compression
 * flag, a 4-byte big-endian length, then the protobuf `ProxyFrame`).
 *
 * Both ends speak the Proxy RPC here by hand rather than through a gRPC library: the
 * library's chain of async iterators cost about three times the latency of the whole
 * tunnel hop (docs/tunnel.md has the numbers). The bytes on the wire are still a
 * plain gRPC bidi call that any gRPC implementation can talk to.
 */
import type { Http2Stream } from 'node:http2';
import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { type ProxyFrame, ProxyFrameSchema } from '../gen/kgate/tunnel/v1/tunnel_pb.js';
import { maxFrameBytes } from './constants.ts';

export type { Header, Open, ProxyFrame, ResponseHead } from '../gen/kgate/tunnel/v1/tunnel_pb.js';

/** What a frame is built from (plain object; absent fields take proto defaults). */
export type ProxyFrameInit = MessageInitShape<typeof ProxyFrameSchema>;

/** One length-prefixed gRPC message holding `frame`. */
export function encodeFrame(frame: ProxyFrameInit): Buffer {
  const body = toBinary(ProxyFrameSchema, create(ProxyFrameSchema, frame));
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

/** Splits a byte stream into frames; keeps a partial message until the rest arrives. */
export class FrameDecoder {
  #buffer: Buffer = Buffer.alloc(0);

  /** Adds bytes and returns the frames they complete. Throws on a malformed message. */
  push(chunk: Buffer): ProxyFrame[] {
    let buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: ProxyFrame[] = [];
    while (buffer.length >= 5) {
      if (buffer[0] !== 0) throw new Error('tunnel: compressed gRPC messages are not negotiated');
      const length = buffer.readUInt32BE(1);
      if (length > maxFrameBytes)
        throw new Error(`tunnel: frame of ${length} bytes exceeds ${maxFrameBytes}`);
      if (buffer.length < 5 + length) break;
      frames.push(fromBinary(ProxyFrameSchema, buffer.subarray(5, 5 + length)));
      buffer = buffer.subarray(5 + length);
    }
    this.#buffer = buffer;
    return frames;
  }
}

/** Callbacks of a {@link FrameChannel}. */
export interface FrameChannelHandlers {
  /** A frame arrived (never called while paused). */
  onFrame(frame: ProxyFrame): void;
  /**
   * The HTTP/2 stream is gone, after every frame it carried was delivered. `error` is
   * set when it did not end cleanly (reset, session lost, malformed frame).
   */
  onClose(error: Error | undefined): void;
}

/**
 * Frames over one HTTP/2 stream, with backpressure both ways: {@link send} reports
 * when the stream's buffer is full (wait for {@link onDrain}), and {@link pause} stops
 * reading, so the peer's flow-control window closes and it stops sending.
 */
export class FrameChannel {
  readonly stream: Http2Stream;
  #handlers: FrameChannelHandlers;
  readonly #decoder = new FrameDecoder();
  readonly #queue: ProxyFrame[] = [];
  #paused = false;
  #closed = false;
  #closeError: Error | undefined;
  #closeSeen = false;

  constructor(stream: Http2Stream, handlers: FrameChannelHandlers) {
    this.stream = stream;
    this.#handlers = handlers;
    stream.on('data', (chunk: Buffer) => {
      let frames: ProxyFrame[];
      try {
        frames = this.#decoder.push(chunk);
      } catch (error) {
        this.#closeError = error instanceof Error ? error : new Error(String(error));
        stream.destroy(this.#closeError);
        return;
      }
      for (const frame of frames) this.#queue.push(frame);
      this.#dispatch();
    });
    stream.on('error', (error: Error) => {
      this.#closeError ??= error;
    });
    stream.on('close', () => {
      this.#closeSeen = true;
      if (this.#closeError === undefined && stream.rstCode !== undefined && stream.rstCode !== 0)
        this.#closeError = new Error(`tunnel: stream reset (HTTP/2 code ${stream.rstCode})`);
      // A reset drops what was not delivered yet; a clean end delivers it first.
      if (this.#closeError !== undefined) this.#queue.length = 0;
      this.#dispatch();
    });
  }

  /** Hands the frames that follow (and the close) to other callbacks. */
  setHandlers(handlers: FrameChannelHandlers): void {
    this.#handlers = handlers;
  }

  /** Whether the stream is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Writes a frame; `false` means the buffer is full: wait for {@link onDrain} before sending more. */
  send(frame: ProxyFrameInit): boolean {
    if (this.#closed || this.stream.destroyed || this.stream.writableEnded) return false;
    return this.stream.write(encodeFrame(frame));
  }

  /** Calls `callback` once the stream can take more (or is gone). */
  onDrain(callback: () => void): void {
    if (this.#closed) {
      callback();
      return;
    }
    const done = () => {
      this.stream.off('drain', done);
      this.stream.off('close', done);
      callback();
    };
    this.stream.on('drain', done);
    this.stream.on('close', done);
  }

  /** Stops delivering frames and reading from the peer. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.stream.pause();
  }

  /** Delivers queued frames and reads again. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#dispatch();
    if (!this.#paused && !this.stream.destroyed) this.stream.resume();
  }

  /** Ends our side of the HTTP/2 stream (the peer sees END_STREAM). */
  end(): void {
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
  }

  /** Tears the stream down at once with RST_STREAM(CANCEL). */
  destroy(): void {
    if (!this.stream.destroyed) this.stream.close(8 /* NGHTTP2_CANCEL */);
  }

  #dispatch(): void {
    while (!this.#paused && this.#queue.length > 0) {
      const frame = this.#queue.shift();
      if (frame !== undefined) this.#handlers.onFrame(frame);
    }
    if (this.#closeSeen && !this.#closed && (this.#queue.length === 0 || this.#closeError !== undefined)) {
      this.#closed = true;
      this.#handlers.onClose(this.#closeError);
    }
  }
}
