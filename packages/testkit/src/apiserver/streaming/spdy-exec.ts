/**
 * exec/attach over a SPDY/3.1 upgrade (kubectl ≤ 1.29, and later ones when WebSocket
 * is refused or disabled): the client opens one stream per channel, named by the
 * `streamType` header (error, stdin, stdout, stderr, resize); the server accepts each
 * and starts once all it expects are there (pkg/kubelet/cri/streaming/remotecommand/
 * httpstream.go). `v4.channel.k8s.io` reports the end as a JSON Status on the error
 * stream; v1–v3 write the failure message as text.
 */
import type { Duplex } from 'node:stream';
import { legacyStatusText, type StreamStatus } from './exec-status.ts';
import type { RemoteCommandSession, SessionSink, StreamOptions } from './session.ts';
import { createSpdyServer, flushAndClose, type SpdyStream, streamHeader } from './spdy-server.ts';
import { decodeResizes } from './websocket-exec.ts';

/** Stream protocols of the kubelet's SPDY server, most preferred first. */
export const spdyExecProtocols = [
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];

const streamCreationTimeoutMs = 30_000;

/** Serves a session on a socket that has just been switched to SPDY/3.1. */
export function serveExecSpdy(
  socket: Duplex,
  protocol: string,
  options: StreamOptions,
  start: (sink: SessionSink) => RemoteCommandSession,
): void {
  const connection = createSpdyServer(socket);
  const streams = new Map<string, SpdyStream>();
  const resizable = protocol === 'v4.channel.k8s.io' || protocol === 'v3.channel.k8s.io';
  const expected =
    1 +
    Number(options.stdin) +
    Number(options.stdout) +
    Number(options.stderr) +
    Number(options.tty && resizable);
  let session: RemoteCommandSession | undefined;
  let replied = 0;
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    flushAndClose(connection, () => {
      socket.end();
      setTimeout(() => socket.destroy(), 10_000).unref();
    });
  };
  const timer = setTimeout(() => {
    // The kubelet gives up on a client that never opens its streams.
    if (session === undefined) socket.destroy();
  }, streamCreationTimeoutMs);
  timer.unref();

  connection.on('stream', (stream) => {
    const type = streamHeader(stream, 'streamtype') ?? '';
    if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type) || streams.has(type)) {
      stream.abort();
      return;
    }
    streams.set(type, stream);
    stream.on('error', () => {});
    // Like the kubelet, count a stream only once its reply is out: a GOAWAY sent before
    // a reply would leave the client waiting for it forever.
    stream.respond(200, {}, () => {
      replied++;
      if (replied === expected && session === undefined && !closed) session = begin();
    });
  });
  connection.once('close', () => {
    closed = true;
    clearTimeout(timer);
    session?.abort();
  });
  socket.on('close', () => session?.abort());

  function begin(): RemoteCommandSession {
    const errorStream = streams.get('error');
    const stdout = streams.get('stdout');
    const stderr = streams.get('stderr');
    const started = start({
      stdout: (data) => stdout?.write(data),
      stderr: (data) => stderr?.write(data),
      finish: (status: StreamStatus) => {
        const text = protocol === 'v4.channel.k8s.io' ? JSON.stringify(status) : legacyStatusText(status);
        if (text !== '') errorStream?.write(text);
        for (const stream of [errorStream, stdout, stderr]) stream?.end();
        close();
      },
    });
    const stdin = streams.get('stdin');
    stdin?.on('data', (data: Buffer) => started.input(data));
    stdin?.on('end', () => started.endInput());
    const resize = streams.get('resize');
    let resizeBuffer = '';
    resize?.on('data', (data: Buffer) => {
      resizeBuffer = decodeResizes(resizeBuffer + data.toString('utf8'), (size) => started.resize(size));
    });
    // The error stream is write-only; drain what the client might send so it can close.
    errorStream?.resume();
    return started;
  }
}
