/**
 * exec and port-forward over SPDY/3.1, plain and tunnelled in a WebSocket, driven by a
 * spdy-transport client that opens streams as kubectl does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createSpdyClient,
  type SpdyClientConnection,
  type SpdyStream,
} from '../src/apiserver/streaming/spdy-server.ts';
import {
  pod,
  readAll,
  type StreamingServer,
  startStreamingServer,
  type UpgradeResult,
  upgradeRequest,
} from './streaming-support.ts';

const base = '/api/v1/namespaces/default/pods/web';

function open(client: SpdyClientConnection, headers: Record<string, string>): Promise<SpdyStream> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ method: 'POST', path: '/', headers }, (error) => {
      if (error) reject(error);
    });
    stream.on('response', () => resolve(stream));
    stream.on('error', reject);
    // A reset (RST_STREAM CANCEL) closes the stream without a reply.
    stream.on('close', () => reject(new Error('stream reset before its reply')));
  });
}

function upgraded(result: UpgradeResult): SpdyClientConnection {
  if (!result.upgraded) throw new Error(`not upgraded: ${result.status} ${result.body}`);
  return createSpdyClient(result.socket);
}

describe('exec over SPDY', () => {
  let server: StreamingServer;
  before(async () => {
    server = await startStreamingServer();
    server.addPod(pod('web'));
  });
  after(() => server.close());

  test('v4: output on the stdout stream and the JSON Status on the error stream', async () => {
    const result = await upgradeRequest(
      server,
      `${base}/exec?command=sh&command=-c&command=echo+hi%3B+exit+5&stdout=true&stderr=true`,
      {
        'X-Stream-Protocol-Version': ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io'],
      },
    );
    assert.equal(
      result.headers['x-stream-protocol-version'],
      'v4.channel.k8s.io',
      'v5 is not spoken over SPDY',
    );
    const client = upgraded(result);
    const error = await open(client, { streamtype: 'error' });
    error.end();
    const stdout = await open(client, { streamtype: 'stdout' });
    const stderr = await open(client, { streamtype: 'stderr' });
    const [out, err, status] = await Promise.all([readAll(stdout), readAll(stderr), readAll(error)]);
    assert.equal(out.toString(), 'hi\n');
    assert.equal(err.toString(), '');
    assert.deepEqual(JSON.parse(status.toString()), {
      metadata: {},
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c echo hi; exit 5], exit code 5',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '5' }] },
    });
  });

  test('stdin reaches cat and closing it ends the command', async () => {
    const client = upgraded(
      await upgradeRequest(server, `${base}/exec?command=cat&stdin=true&stdout=true`, {
        'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
      }),
    );
    const error = await open(client, { streamtype: 'error' });
    error.end();
    const stdin = await open(client, { streamtype: 'stdin' });
    const stdout = await open(client, { streamtype: 'stdout' });
    stdin.end('piped through SPDY\n');
    const [out, status] = await Promise.all([readAll(stdout), readAll(error)]);
    assert.equal(out.toString(), 'piped through SPDY\n');
    assert.equal(status.toString(), '{"metadata":{},"status":"Success"}');
  });

  test('v3 and older write a failure as text on the error stream', async () => {
    const client = upgraded(
      await upgradeRequest(server, `${base}/exec?command=false&stdout=true`, {
        'X-Stream-Protocol-Version': 'v3.channel.k8s.io',
      }),
    );
    const error = await open(client, { streamtype: 'error' });
    const stdout = await open(client, { streamtype: 'stdout' });
    const [, status] = await Promise.all([readAll(stdout), readAll(error)]);
    assert.equal(
      status.toString(),
      'command terminated with non-zero exit code: error executing command [false], exit code 1',
    );
  });

  test('no common protocol is a 403 listing the accepted ones; none offered is a 400', async () => {
    const refused = await upgradeRequest(server, `${base}/exec?command=true&stdout=true`, {
      'X-Stream-Protocol-Version': 'v5.channel.k8s.io',
    });
    assert.equal(refused.upgraded, false);
    if (refused.upgraded) return;
    assert.equal(refused.status, 403);
    assert.equal(
      refused.headers['x-accepted-stream-protocol-versions'],
      'v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io',
    );
    assert.match((JSON.parse(refused.body) as { message: string }).message, /unable to negotiate protocol/);
    const missing = await upgradeRequest(server, `${base}/exec?command=true&stdout=true`, {});
    assert.equal(missing.upgraded ? 101 : missing.status, 400);
  });
});

describe('port-forward', () => {
  let server: StreamingServer;
  before(async () => {
    server = await startStreamingServer();
    server.addPod(pod('web'));
  });
  after(() => server.close());

  async function forward(client: SpdyClientConnection, requestId: string, payload: Buffer): Promise<Buffer> {
    const headers = { port: '8080', requestid: requestId };
    const error = await open(client, { ...headers, streamtype: 'error' });
    error.end();
    const data = await open(client, { ...headers, streamtype: 'data' });
    const echoed = readAll(data);
    data.end(payload);
    const [back, errors] = await Promise.all([echoed, readAll(error)]);
    assert.equal(errors.toString(), '', 'nothing on the error stream');
    return back;
  }

  test('plain SPDY: each data stream echoes, two connections at once, beyond the 64 KiB window', async () => {
    const result = await upgradeRequest(server, `${base}/portforward`, {
      'X-Stream-Protocol-Version': 'portforward.k8s.io',
    });
    assert.equal(result.headers['x-stream-protocol-version'], 'portforward.k8s.io');
    const client = upgraded(result);
    const big = Buffer.alloc(300_000, 'x');
    const [small, large] = await Promise.all([
      forward(client, '0', Buffer.from('ping')),
      forward(client, '1', big),
    ]);
    assert.equal(small.toString(), 'ping');
    assert.equal(large.length, big.length);
  });

  test('the WebSocket tunnel is accepted with the subprotocol SPDY/3.1+portforward.k8s.io', async () => {
    // The ws client refuses to offer a subprotocol with a "/", so the handshake is made by
    // hand here; kubectl (gorilla/websocket) drives the tunnel end to end in streaming-kubectl.
    const result = await upgradeRequest(server, `${base}/portforward`, {
      Upgrade: 'websocket',
      'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io',
    });
    assert.equal(result.upgraded, true);
    assert.equal(result.headers['sec-websocket-protocol'], 'SPDY/3.1+portforward.k8s.io');
    if (result.upgraded) result.socket.destroy();
  });

  test('a stream without a valid port is reset, as the kubelet does', async () => {
    const client = upgraded(
      await upgradeRequest(server, `${base}/portforward`, {
        'X-Stream-Protocol-Version': 'portforward.k8s.io',
      }),
    );
    await assert.rejects(open(client, { port: '0', streamtype: 'data', requestid: '1' }), /reset/);
  });

  test('deleting the pod closes its port-forward connections', async () => {
    server.addPod(pod('doomed'));
    const result = await upgradeRequest(server, '/api/v1/namespaces/default/pods/doomed/portforward', {
      'X-Stream-Protocol-Version': 'portforward.k8s.io',
    });
    const client = upgraded(result);
    await forward(client, '0', Buffer.from('alive'));
    const closed = new Promise<void>((resolve) => client.once('close', resolve));
    server.deletePod('default', 'doomed');
    await closed;
  });
});
