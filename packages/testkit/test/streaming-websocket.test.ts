/**
 * exec, attach and port-forward upgrades over WebSocket, driven by the `ws` client:
 * the channel.k8s.io protocol versions, their Status on channel 3, and refusals.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Exec, KubeConfig, PortForward } from '@kubernetes/client-node';
import {
  collectChannels,
  openWebSocket,
  pod,
  refusedWebSocket,
  type StreamingServer,
  startStreamingServer,
} from './streaming-support.ts';

const execPath = (name: string, command: string[], flags = 'stdout=true&stderr=true') =>
  `/api/v1/namespaces/default/pods/${name}/exec?${command.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${flags}`;

const text = (result: { channels: Map<number, Buffer> }, channel: number) =>
  result.channels.get(channel)?.toString('utf8') ?? '';

describe('exec over WebSocket', () => {
  let server: StreamingServer;
  before(async () => {
    server = await startStreamingServer();
    server.addPod(pod('web'));
    server.addPod(pod('multi', { containers: ['a', 'b'] }));
  });
  after(() => server.close());

  test('v5: output on channel 1, stderr on 2, the Success Status on 3, then a normal close', async () => {
    const ws = openWebSocket(server, execPath('web', ['sh', '-c', 'echo out; nope']), ['v5.channel.k8s.io']);
    const result = await collectChannels(ws);
    assert.equal(result.protocol, 'v5.channel.k8s.io');
    assert.deepEqual(
      result.messages[0],
      { channel: 1, data: Buffer.alloc(0) },
      'first an empty stdout message',
    );
    assert.equal(text(result, 1), 'out\n');
    assert.equal(text(result, 2), 'sh: nope: not found\n');
    assert.deepEqual(JSON.parse(text(result, 3)), {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: command terminated with exit code 127',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '127' }] },
    });
    assert.equal(result.closeCode, 1000);
  });

  test('v5 is chosen whenever offered, as the API server intercepts it', async () => {
    const ws = openWebSocket(server, execPath('web', ['true']), ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
    const result = await collectChannels(ws);
    assert.equal(result.protocol, 'v5.channel.k8s.io');
    assert.equal(text(result, 3), '{"metadata":{},"status":"Success"}');
  });

  test('v5: the CLOSE signal on stdin ends cat', async () => {
    const ws = openWebSocket(server, execPath('web', ['cat'], 'stdin=true&stdout=true'), [
      'v5.channel.k8s.io',
    ]);
    ws.on('open', () => {
      ws.send(Buffer.from('\x00typed text\n'));
      ws.send(Buffer.of(255, 0));
    });
    const result = await collectChannels(ws);
    assert.equal(text(result, 1), 'typed text\n');
    assert.equal(text(result, 3), '{"metadata":{},"status":"Success"}');
  });

  test('v4: the kubelet’s Status, with containerd’s wording of the exit code', async () => {
    const ws = openWebSocket(server, execPath('web', ['sh', '-c', 'exit 3']), ['v4.channel.k8s.io']);
    const result = await collectChannels(ws);
    assert.equal(result.protocol, 'v4.channel.k8s.io');
    const status = JSON.parse(text(result, 3)) as { message: string; details: unknown };
    assert.equal(
      status.message,
      'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    );
    assert.deepEqual(status.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  });

  test('v4.base64: text messages with an ASCII channel digit and base64 payloads', async () => {
    const ws = openWebSocket(server, execPath('web', ['cat'], 'stdin=true&stdout=true'), [
      'v4.base64.channel.k8s.io',
    ]);
    const raw: string[] = [];
    ws.on('message', (data: Buffer) => raw.push(data.toString('latin1')));
    ws.on('open', () => ws.send(`0${Buffer.from('over base64\n').toString('base64')}`));
    // v4 has no way to close stdin: end the session from the client side once the echo is in.
    ws.on('message', () => {
      if (raw.some((message) => message === `1${Buffer.from('over base64\n').toString('base64')}`))
        ws.close();
    });
    const result = await collectChannels(ws, true);
    assert.equal(result.protocol, 'v4.base64.channel.k8s.io');
    assert.equal(text(result, 1), 'over base64\n');
  });

  test('channel.k8s.io (v1): a failure is plain text on channel 3, success writes nothing', async () => {
    const failed = await collectChannels(
      openWebSocket(server, execPath('web', ['false']), ['channel.k8s.io']),
    );
    assert.equal(
      text(failed, 3),
      'command terminated with non-zero exit code: error executing command [false], exit code 1',
    );
    const succeeded = await collectChannels(
      openWebSocket(server, execPath('web', ['true']), ['channel.k8s.io']),
    );
    assert.equal(succeeded.channels.has(3), false);
  });

  test('a TTY session gets resize events on channel 4 and merges stderr into stdout', async () => {
    const ws = openWebSocket(
      server,
      execPath('web', ['sh', '-c', 'stty size; nope'], 'stdout=true&tty=true'),
      ['v5.channel.k8s.io'],
    );
    ws.on('open', () => ws.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":132,"Height":43}')])));
    const result = await collectChannels(ws);
    assert.equal(text(result, 1), '43 132\r\nsh: nope: not found\r\n');
    assert.equal(result.channels.has(2), false);
  });

  test('two sessions at once do not mix their output', async () => {
    const [first, second] = await Promise.all([
      collectChannels(
        openWebSocket(server, execPath('web', ['sh', '-c', 'sleep 0.1; echo first']), ['v5.channel.k8s.io']),
      ),
      collectChannels(openWebSocket(server, execPath('web', ['echo', 'second']), ['v5.channel.k8s.io'])),
    ]);
    assert.equal(text(first, 1), 'first\n');
    assert.equal(text(second, 1), 'second\n');
  });

  test('attach echoes stdin through the container’s main process, which also logs it', async () => {
    const ws = openWebSocket(server, '/api/v1/namespaces/default/pods/web/attach?stdin=true&stdout=true', [
      'v5.channel.k8s.io',
    ]);
    ws.on('open', () => ws.send(Buffer.from('\x00attached hello\n')));
    ws.on('message', (data: Buffer) => {
      if (data.toString().includes('attached hello')) ws.close();
    });
    const result = await collectChannels(ws);
    assert.equal(text(result, 1), 'attached hello\n');
    const log = server.runtime
      .container(pod('web'), 'app')
      ?.log.entries()
      .map((entry) => entry.line);
    assert.ok(log?.includes('attached hello'));
  });

  test('an offer of no supported subprotocol gets a 400 Status, not a hang', async () => {
    const refused = await refusedWebSocket(
      openWebSocket(server, execPath('web', ['true']), ['v9.channel.k8s.io']),
    );
    assert.equal(refused.status, 400);
    const status = JSON.parse(refused.body) as { kind: string; message: string };
    assert.equal(status.kind, 'Status');
    assert.match(status.message, /requested protocol\(s\) are not supported: \[v9\.channel\.k8s\.io\]/);
  });

  test('an unknown container gets the API server’s 400 Status before any upgrade', async () => {
    const path = `${execPath('web', ['true'])}&container=sidecar`;
    const refused = await refusedWebSocket(openWebSocket(server, path, ['v5.channel.k8s.io']));
    assert.equal(refused.status, 400);
    assert.equal(
      (JSON.parse(refused.body) as { message: string }).message,
      'container sidecar is not valid for pod web',
    );
  });

  test('exec without a command or without any stream is refused', async () => {
    const noCommand = await refusedWebSocket(
      openWebSocket(server, '/api/v1/namespaces/default/pods/web/exec?stdout=true', ['v5.channel.k8s.io']),
    );
    assert.equal(
      (JSON.parse(noCommand.body) as { message: string }).message,
      'you must specify at least one command for the container',
    );
    const noStreams = await refusedWebSocket(
      openWebSocket(server, execPath('web', ['true'], 'tty=false'), ['v5.channel.k8s.io']),
    );
    assert.equal(
      (JSON.parse(noStreams.body) as { message: string }).message,
      'you must specify at least 1 of stdin, stdout, stderr',
    );
  });

  test('port-forward over plain WebSocket (the kubelet’s channel protocol) announces each port and echoes', async () => {
    const ws = openWebSocket(server, '/api/v1/namespaces/default/pods/web/portforward?ports=8080,9090', [
      'v4.channel.k8s.io',
    ]);
    const received: { channel: number; data: Buffer }[] = [];
    ws.on('message', (raw: Buffer) => {
      received.push({ channel: raw[0] ?? -1, data: raw.subarray(1) });
      if (received.length === 4) ws.send(Buffer.concat([Buffer.of(2), Buffer.from('to port 9090')]));
      if (received.length === 5) ws.close();
    });
    await collectChannels(ws);
    const port = (value: number) => Buffer.from([value & 0xff, value >> 8]);
    assert.deepEqual(received, [
      { channel: 0, data: port(8080) },
      { channel: 1, data: port(8080) },
      { channel: 2, data: port(9090) },
      { channel: 3, data: port(9090) },
      { channel: 2, data: Buffer.from('to port 9090') },
    ]);
  });

  test('port-forward over plain WebSocket without ports is refused like the kubelet refuses it', async () => {
    const refused = await refusedWebSocket(
      openWebSocket(server, '/api/v1/namespaces/default/pods/web/portforward', ['v4.channel.k8s.io']),
    );
    assert.equal(refused.status, 400);
    assert.equal(
      (JSON.parse(refused.body) as { message: string }).message,
      'query parameter "port" is required',
    );
  });

  test('@kubernetes/client-node can exec (v5) and port-forward (channel protocol) through the fixture', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fixture', server: server.url, caData: Buffer.from(server.ca).toString('base64') }],
      users: [{ name: 'tester', token: 'test-token' }],
      contexts: [{ name: 'fixture', cluster: 'fixture', user: 'tester' }],
      currentContext: 'fixture',
    });
    const stdout = new PassThrough();
    let output = '';
    stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const status = await new Promise<unknown>((resolve, reject) => {
      new Exec(kc)
        .exec(
          'default',
          'web',
          'app',
          ['sh', '-c', 'echo from client-node; exit 2'],
          stdout,
          null,
          null,
          false,
          resolve,
        )
        .catch(reject);
    });
    assert.equal((status as { reason?: string }).reason, 'NonZeroExitCode');
    assert.equal(output, 'from client-node\n');

    const relay = net.createServer((socket) => {
      void new PortForward(kc).portForward('default', 'web', [8080], socket, null, socket);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.address() as net.AddressInfo;
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('via client-node'));
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
        if (received.length >= 'via client-node'.length) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on('error', reject);
    });
    relay.close();
    assert.equal(echoed, 'via client-node');
  });
});
