/**
 * exec/attach over WebSocket, the `channel.k8s.io` family (apimachinery
 * `util/httpstream/wsstream`): each binary message starts with its channel byte
 * (0 stdin, 1 stdout, 2 stderr, 3 error/Status, 4 resize); the `base64.` variants send
 * text messages with the channel as an ASCII digit and a base64 payload.
 *
 * - `v5.channel.k8s.io` (kubectl ≥ 1.30, answered by the API server's translator): adds
 *   the CLOSE signal `[255, channel]`, so the client can end stdin.
 * - `v4.channel.k8s.io`, `v4.base64.channel.k8s.io` (the kubelet): Status as JSON.
 * - `channel.k8s.io`, `base64.channel.k8s.io`, or no subprotocol (the kubelet, v1):
 *   the error channel carries the failure message as text, nothing on success.
 *
 * The server first sends an empty message on the lowest writable channel, as both the
 * kubelet and the translator do, so the client knows the streams are up.
 */
import type { WebSocket } from 'ws';
import { ChannelCodec } from './channel-codec.ts';
import type { StreamStatus } from './exec-status.ts';
import { legacyStatusText } from './exec-status.ts';
import type { RemoteCommandSession, SessionSink, StreamOptions } from './session.ts';
import type { TerminalSize } from './terminal.ts';

export const v5Protocol = 'v5.channel.k8s.io';

/** Subprotocols the kubelet's WebSocket server accepts (v5 goes to the API server's translator). */
export const kubeletWebSocketProtocols = [
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/**
 * The subprotocol a real cluster would pick for these offers: v5 whenever it is offered
 * (the API server intercepts it), else the first the kubelet supports; `''` when none
 * was offered (the kubelet then speaks v1); `undefined` when none is supported.
 */
export function chooseExecProtocol(offered: readonly string[]): string | undefined {
  if (offered.length === 0) return '';
  if (offered.includes(v5Protocol)) return v5Protocol;
  return offered.find((protocol) => kubeletWebSocketProtocols.includes(protocol));
}

/** Runs a session over an accepted WebSocket; `start` wires the sink and starts exec or attach. */
export function serveExecWebSocket(
  ws: WebSocket,
  protocol: string,
  options: StreamOptions,
  start: (sink: SessionSink) => RemoteCommandSession,
  timing: { startDelayMs: number } = { startDelayMs: 0 },
): void {
  const codec = new ChannelCodec(ws, protocol);
  const jsonStatus = protocol === v5Protocol || protocol.startsWith('v4.');
  const send = (channel: number, data: Buffer) => codec.send(channel, data);

  send(options.stdout ? STDOUT : options.stderr ? STDERR : ERROR, Buffer.alloc(0));

  const sink: SessionSink = {
    stdout: (data) => send(STDOUT, data),
    stderr: (data) => send(STDERR, data),
    finish: (status: StreamStatus) => {
      const text = jsonStatus ? JSON.stringify(status) : legacyStatusText(status);
      if (text !== '') send(ERROR, Buffer.from(text));
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  };
  // What the client sends before the session starts is replayed to it, in order.
  let session: RemoteCommandSession | undefined;
  let early: ((started: RemoteCommandSession) => void)[] | undefined = [];
  const deliver = (event: (started: RemoteCommandSession) => void) => {
    if (session !== undefined) event(session);
    else early?.push(event);
  };
  const begin = () => {
    if (early === undefined) return;
    const started = start(sink);
    session = started;
    for (const event of early) event(started);
    early = undefined;
  };
  if (timing.startDelayMs > 0) setTimeout(begin, timing.startDelayMs);
  else begin();

  let resizeBuffer = '';
  ws.on('message', (raw, isBinary) => {
    const message = codec.decode(raw, isBinary);
    if (message === undefined) return;
    const { channel, payload } = message;
    if (protocol === v5Protocol && channel === CLOSE) {
      if (payload[0] === STDIN) deliver((started) => started.endInput());
      return;
    }
    if (channel === STDIN) deliver((started) => started.input(payload));
    else if (channel === RESIZE) {
      resizeBuffer = decodeResizes(resizeBuffer + payload.toString('utf8'), (size) =>
        deliver((started) => started.resize(size)),
      );
    }
  });
  const gone = () => {
    early = undefined;
    session?.abort();
  };
  ws.on('close', gone);
  ws.on('error', gone);
}

/** Decodes the complete `{"Width":…,"Height":…}` objects in `text`; returns the rest. */
export function decodeResizes(text: string, onSize: (size: TerminalSize) => void): string {
  let rest = text;
  for (;;) {
    const end = rest.indexOf('}');
    if (end < 0) return rest;
    const candidate = rest.slice(0, end + 1);
    rest = rest.slice(end + 1);
    try {
      const parsed = JSON.parse(candidate) as { Width?: unknown; Height?: unknown };
      if (typeof parsed.Width === 'number' && typeof parsed.Height === 'number') {
        onSize({ width: parsed.Width, height: parsed.Height });
      }
    } catch {
      // Not a resize object: skip it, as a JSON decoder would fail and stop.
    }
  }
}
