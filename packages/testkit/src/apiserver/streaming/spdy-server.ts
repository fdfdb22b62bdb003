/**
 * The server side of a SPDY/3.1 connection as Kubernetes uses it (moby/spdystream,
 * wrapped by apimachinery `util/httpstream/spdy`), built on the `spdy-transport`
 * package, which was written for HTTP over SPDY. Two differences are bridged here:
 *
 * - spdystream's SYN_STREAM frames carry only the stream's own headers (`streamtype`,
 *   `port`, `requestid`), not `:method` and `:path`, which spdy-transport's parser
 *   requires; they are filled in before that check.
 * - spdystream does no flow control: it never sends WINDOW_UPDATE, so a sender that
 *   honours the 64 KiB initial window stalls. The send window is opened to its maximum.
 *
 * Also: {@link flushAndClose} ends a connection the way the kubelet does (GOAWAY, then
 * the socket closes) without cutting off frames still queued.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';

/** One SPDY stream (spdy-transport's Stream: a Duplex with headers). */
export interface SpdyStream extends Duplex {
  readonly id: number;
  /** The SYN_STREAM headers, names lowercased. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** Accepts the stream (SYN_REPLY). */
  respond(status: number, headers: Record<string, string>, callback?: (error?: Error | null) => void): void;
  /** Resets the stream (RST_STREAM, CANCEL unless `code` says otherwise). */
  abort(code?: string): void;
}

interface SpdyFramer {
  /** Frames scheduled but not yet pushed out. */
  count: number;
  readonly readableLength: number;
}

interface SpdyParser {
  onSynHeadFrame(type: number, flags: number, body: unknown, callback: (...args: unknown[]) => void): void;
  parseKVs(
    buffer: unknown,
    callback: (error: Error | null, headers?: Record<string, string | string[]>) => void,
  ): void;
}

interface SpdyState {
  parser: SpdyParser;
  framer: SpdyFramer;
  streamWindow: { send: { setMax(size: number): void } };
  stream: { lastId: { both: number } };
}

/** A SPDY connection (spdy-transport's Connection). */
export interface SpdyConnection {
  on(event: 'stream', listener: (stream: SpdyStream) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'close', listener: () => void): this;
  /** Sends GOAWAY; the connection closes once every stream has closed. */
  end(callback?: () => void): void;
  readonly _spdyState: SpdyState;
}

interface SpdyTransportModule {
  connection: {
    create(
      socket: Duplex,
      options: { protocol: 'spdy'; isServer: boolean; autoSpdy31?: boolean },
    ): SpdyConnection;
  };
}

const SYN_STREAM = 0x01;
const MAX_WINDOW = 2147483647;

const spdyTransport = createRequire(import.meta.url)('spdy-transport') as SpdyTransportModule;

/** Serves SPDY/3.1 on an upgraded socket (after the `101 Switching Protocols`). */
export function createSpdyServer(socket: Duplex): SpdyConnection {
  const connection = spdyTransport.connection.create(socket, { protocol: 'spdy', isServer: true });
  const state = connection._spdyState;
  state.streamWindow.send.setMax(MAX_WINDOW);
  acceptBareSynStreams(state.parser);
  // Errors surface as closed streams; an unhandled 'error' event would crash the server.
  connection.on('error', () => socket.destroy());
  return connection;
}

/** The client side, for tests that play kubectl's part. */
export interface SpdyClientConnection extends SpdyConnection {
  /** Opens a stream (SYN_STREAM with `headers`); the callback runs once it is sent. */
  request(
    options: { method: string; path: string; headers: Record<string, string> },
    callback?: (error: Error | null, stream: SpdyStream) => void,
  ): SpdyStream;
  /** Sets the SPDY version before the first frame (the client speaks first). */
  start(version: number): void;
}

/** Opens a client connection (for tests that play kubectl's part). */
export function createSpdyClient(socket: Duplex): SpdyClientConnection {
  const connection = spdyTransport.connection.create(socket, {
    protocol: 'spdy',
    isServer: false,
  }) as SpdyClientConnection;
  connection._spdyState.streamWindow.send.setMax(MAX_WINDOW);
  connection.start(3);
  connection.on('error', () => socket.destroy());
  return connection;
}

function acceptBareSynStreams(parser: SpdyParser): void {
  const onSynHeadFrame = parser.onSynHeadFrame.bind(parser);
  const parseKVs = parser.parseKVs.bind(parser);
  let synStream = false;
  parser.onSynHeadFrame = (type, flags, body, callback) => {
    synStream = type === SYN_STREAM;
    onSynHeadFrame(type, flags, body, callback);
  };
  parser.parseKVs = (buffer, callback) => {
    const isSynStream = synStream;
    synStream = false;
    parseKVs(buffer, (error, headers) => {
      if (error === null && headers !== undefined && isSynStream) {
        headers[':method'] ??= 'POST';
        headers[':path'] ??= '/';
      }
      callback(error, headers);
    });
  };
}

/** The first value of a stream header. */
export function streamHeader(stream: SpdyStream, name: string): string | undefined {
  const value = stream.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Ends a connection once everything queued has been written: GOAWAY (as the kubelet's
 * `conn.Close()` sends), then, once the GOAWAY is out, `end` (the socket's end, or a
 * WebSocket close) as soon as the client closes or after `graceMs`. Frames are flushed
 * first because spdy-transport sends control frames such as GOAWAY ahead of queued DATA
 * frames, and spdystream stops reading at GOAWAY; the grace lets a client that parses
 * frames asynchronously (spdy-transport's own) take in the last ones before the socket
 * goes.
 */
export function flushAndClose(connection: SpdyConnection, end: () => void, graceMs = 500): void {
  const framer = connection._spdyState.framer;
  let closed = false;
  connection.once('close', () => {
    closed = true;
  });
  const whenIdle = (then: () => void) => {
    const check = () => {
      if (framer.count === 0 && framer.readableLength === 0) then();
      else setTimeout(check, 2);
    };
    check();
  };
  whenIdle(() => {
    connection.end();
    whenIdle(() => {
      if (closed) return;
      const timer = setTimeout(end, graceMs);
      timer.unref();
      connection.once('close', () => clearTimeout(timer));
    });
  });
}
