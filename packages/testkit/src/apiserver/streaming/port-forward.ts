/**
 * port-forward over SPDY/3.1 (`portforward.k8s.io`), whether on a plain SPDY upgrade
 * or tunnelled inside a WebSocket (`SPDY/3.1+portforward.k8s.io`, kubectl ≥ 1.31).
 * Each forwarded connection is a pair of client-opened streams sharing a `requestID`:
 * `streamType: error` (half-closed by the client at once; the server writes an error
 * message there if forwarding fails) and `streamType: data`, which carries the bytes.
 * Behind every port of the fake pod is a server that echoes what it receives and
 * closes its side when the client closes its own (pkg/kubelet/cri/streaming/
 * portforward/httpstream.go).
 */
import type { Duplex } from 'node:stream';
import { createSpdyServer, flushAndClose, type SpdyStream, streamHeader } from './spdy-server.ts';

export const portForwardProtocol = 'portforward.k8s.io';

const streamCreationTimeoutMs = 30_000;

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Serves port-forward streams on `socket` (already switched to SPDY); returns the closer. */
export function servePortForward(socket: Duplex, endSocket: () => void): { close(): void } {
  const connection = createSpdyServer(socket);
  const pairs = new Map<string, StreamPair>();
  connection.on('stream', (stream) => accept(pairs, stream));
  let closing = false;
  return {
    close: () => {
      if (closing) return;
      closing = true;
      for (const pair of pairs.values()) clearTimeout(pair.timer);
      flushAndClose(connection, endSocket);
    },
  };
}

function accept(pairs: Map<string, StreamPair>, stream: SpdyStream): void {
  stream.on('error', () => {});
  const port = Number(streamHeader(stream, 'port') ?? '');
  const type = streamHeader(stream, 'streamtype');
  // The kubelet resets streams with a missing or bad port or stream type.
  if (!Number.isInteger(port) || port < 1 || port > 65535 || (type !== 'error' && type !== 'data')) {
    stream.abort();
    return;
  }
  const requestId = streamHeader(stream, 'requestid') ?? legacyRequestId(stream, type);
  let pair = pairs.get(requestId);
  if (pair === undefined) {
    const created: StreamPair = {
      timer: setTimeout(() => {
        pairs.delete(requestId);
        created.error?.end(`(request=${requestId}) timed out waiting for streams`);
      }, streamCreationTimeoutMs),
    };
    created.timer.unref();
    pair = created;
    pairs.set(requestId, pair);
  }
  if (pair[type] !== undefined) {
    stream.respond(200, {});
    const message = `error processing stream for request ${requestId}: ${type} stream already assigned`;
    pair.error?.write(message);
    stream.abort();
    return;
  }
  pair[type] = stream;
  const complete = pair.data !== undefined && pair.error !== undefined;
  if (complete) {
    clearTimeout(pair.timer);
    pairs.delete(requestId);
  }
  const { data, error } = pair;
  // Data flows only after the reply is out, so no DATA frame overtakes a SYN_REPLY.
  stream.respond(200, {}, () => {
    if (complete && data !== undefined && error !== undefined) echo(data, error);
  });
}

/** The port's server: echoes the data stream, and ends both streams when the client ends its side. */
function echo(data: SpdyStream, error: SpdyStream): void {
  error.resume();
  data.on('data', (chunk: Buffer) => data.write(chunk));
  data.on('end', () => {
    data.end();
    error.end();
  });
}

/**
 * Clients older than the requestID header: the kubelet pairs an error stream with the
 * data stream two ids later.
 */
function legacyRequestId(stream: SpdyStream, type: 'error' | 'data'): string {
  return String(type === 'error' ? stream.id : stream.id - 2);
}
