/**
 * The pod streams end to end: the real kubectl (1.33, and 1.27 for SPDY) against the
 * fixture API server, with a pod created through it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ApiServer, startApiServer } from '../src/apiserver/index.ts';
import { echoThrough } from '../src/echo.ts';
import { kubectlPath } from '../src/kubectl.ts';
import { type BackgroundProcess, runProcess, startProcess } from '../src/process.ts';

const kubectl133 = kubectlPath('1.33');
const kubectl127 = kubectlPath('1.27');

let server: ApiServer;
let dir: string;
let kubeconfig: string;

const podManifest = (name: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example/echo:1',
          stdin: true,
          env: [{ name: 'GREETING', value: 'hello from env' }],
          ports: [{ containerPort: 8080 }],
        },
      ],
    },
  });

function kubectl(
  args: string[],
  options: { input?: string; binary?: string; env?: Record<string, string> } = {},
) {
  return runProcess(options.binary ?? kubectl133, ['--kubeconfig', kubeconfig, ...args], {
    input: options.input,
    env: { ...process.env, ...options.env },
    timeoutMs: 20_000,
  });
}

async function createPod(name: string): Promise<void> {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, podManifest(name));
  const result = await kubectl(['apply', '-f', file]);
  assert.equal(result.code, 0, result.stderr);
}

/** A long-running kubectl, or `command` run by script(1) on a terminal. */
function spawnKubectl(args: string[], binary = kubectl133, command?: string): BackgroundProcess {
  return command
    ? startProcess('script', ['-qec', command, '/dev/null'], { killAfterMs: 20_000 })
    : startProcess(binary, ['--kubeconfig', kubeconfig, ...args], { killAfterMs: 20_000 });
}

before(async () => {
  server = await startApiServer();
  dir = mkdtempSync(path.join(tmpdir(), 'kgate-streaming-kubectl-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig);
  await createPod('web');
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl 1.33 logs', { timeout: 60_000 }, () => {
  test('kubectl logs prints the container’s startup lines', async () => {
    const result = await kubectl(['logs', 'web']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'container app started\napp: echoing stdin to stdout\n');
  });

  test('kubectl logs -f shows a line appended while following and exits when the pod is deleted', async () => {
    await createPod('tail-me');
    const follow = spawnKubectl(['logs', '-f', 'tail-me']);
    await follow.waitFor('echoing stdin to stdout');
    server.runtime.appendLog('default', 'tail-me', 'app', 'a line written while following');
    await follow.waitFor('a line written while following');
    const deleted = await kubectl(['delete', 'pod', 'tail-me', '--wait=false']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await follow.exited, 0);
    assert.equal(
      follow.output(),
      'container app started\napp: echoing stdin to stdout\na line written while following\n',
    );
  });
});

describe('kubectl 1.33 exec', { timeout: 60_000 }, () => {
  test('kubectl exec -- echo prints the words, over WebSocket v5', async () => {
    const result = await kubectl(['exec', 'web', '-v=6', '--', 'echo', 'hi', 'there']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hi there\n');
    assert.match(result.stderr, /The subprotocol is v5\.channel\.k8s\.io/);
  });

  test('kubectl exec exits with the command’s exit code', async () => {
    const result = await kubectl(['exec', 'web', '--', 'sh', '-c', 'echo "$GREETING"; exit 3']);
    assert.equal(result.code, 3);
    assert.equal(result.stdout, 'hello from env\n');
    assert.equal(result.stderr, 'command terminated with exit code 3\n');
  });

  test('kubectl exec of a missing executable fails with the runtime’s message', async () => {
    const result = await kubectl(['exec', 'web', '--', 'no-such-tool']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /exec: "no-such-tool": executable file not found in \$PATH/);
  });

  test('kubectl exec -i -- cat copies stdin back and ends when stdin ends', async () => {
    const result = await kubectl(['exec', '-i', 'web', '--', 'cat'], { input: 'first line\nsecond line\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'first line\nsecond line\n');
  });

  test('kubectl exec -i -- sh runs the lines typed and exits with the code given to exit', async () => {
    const result = await kubectl(['exec', '-i', 'web', '--', 'sh'], {
      input: 'echo hi\nhostname\nfoo\nexit 4\n',
    });
    assert.equal(result.code, 4);
    assert.equal(result.stdout, 'hi\nweb\n');
    assert.match(result.stderr, /sh: foo: not found/);
  });

  test('kubectl exec -it -- sh on a terminal shows a prompt and echoes what is typed', {
    skip: !existsSync('/usr/bin/script'),
  }, async () => {
    const command = `${kubectl133} --kubeconfig ${kubeconfig} exec -it web -- sh`;
    const session = spawnKubectl([], kubectl133, command);
    await session.waitFor('/ # ');
    session.child.stdin.write('echo typed\r');
    await session.waitFor('typed\r\n/ # ');
    session.child.stdin.write('exit 6\r');
    assert.equal(await session.exited, 6);
    assert.match(session.output(), /\/ # echo typed\r\ntyped\r\n\/ # exit 6\r\n/);
  });

  test('two kubectl exec sessions at once each get their own output', async () => {
    const [slow, fast] = await Promise.all([
      kubectl(['exec', 'web', '--', 'sh', '-c', 'sleep 0.3; echo slow']),
      kubectl(['exec', 'web', '--', 'echo', 'fast']),
    ]);
    assert.equal(slow.stdout, 'slow\n');
    assert.equal(fast.stdout, 'fast\n');
  });

  test('kubectl attach -i echoes through the main process, and the log keeps it', async () => {
    const attach = spawnKubectl(['attach', '-i', 'web']);
    await attach.waitFor("If you don't see a command prompt");
    attach.child.stdin.write('hello from attach\n');
    await attach.waitFor(/hello from attach\n/);
    attach.child.kill('SIGTERM');
    await attach.exited;
    const logs = await kubectl(['logs', 'web', '--tail=1']);
    assert.equal(logs.stdout, 'hello from attach\n');
  });

  test('with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, kubectl 1.33 uses SPDY and still gets the exit code', async () => {
    const result = await kubectl(['exec', 'web', '-v=8', '--', 'sh', '-c', 'echo spdy; exit 2'], {
      env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' },
    });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, 'spdy\n');
    assert.match(result.stderr, /X-Stream-Protocol-Version: v4\.channel\.k8s\.io/);
  });
});

describe('kubectl port-forward', { timeout: 60_000 }, () => {
  async function forwardAndEcho(binary: string): Promise<string> {
    const forward = spawnKubectl(['port-forward', 'pod/web', ':8080', '-v=6'], binary);
    const output = await forward.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
    const port = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(output)?.[1]);
    try {
      const big = Buffer.alloc(200_000, 'z');
      const [small, large] = await Promise.all([
        echoThrough(port, Buffer.from('hello through port-forward'), 10_000),
        echoThrough(port, big, 10_000),
      ]);
      assert.equal(small.toString(), 'hello through port-forward');
      assert.equal(large.length, big.length);
    } finally {
      forward.child.kill('SIGTERM');
      await forward.exited;
    }
    return forward.output();
  }

  test('kubectl 1.33 tunnels SPDY in a WebSocket and every forwarded connection echoes', async () => {
    const output = await forwardAndEcho(kubectl133);
    assert.match(output, /negotiated protocol: portforward\.k8s\.io/);
    assert.doesNotMatch(output, /fallback to secondary dialer/);
  });

  test('kubectl 1.27 forwards over a plain SPDY upgrade', async () => {
    const output = await forwardAndEcho(kubectl127);
    assert.match(output, /portforward 101 Switching Protocols/);
  });
});

describe('kubectl 1.27 exec over SPDY', { timeout: 60_000 }, () => {
  test('echo, exit code and stdin all work over SPDY', async () => {
    const echo = await kubectl(['exec', 'web', '--', 'echo', 'old', 'kubectl'], { binary: kubectl127 });
    assert.equal(echo.stdout, 'old kubectl\n');
    const failed = await kubectl(['exec', 'web', '--', 'sh', '-c', 'exit 9'], { binary: kubectl127 });
    assert.equal(failed.code, 9);
    const cat = await kubectl(['exec', '-i', 'web', '--', 'cat'], {
      binary: kubectl127,
      input: 'via spdy\n',
    });
    assert.equal(cat.stdout, 'via spdy\n');
  });

  test('kubectl 1.27 attach -i reaches the main process over SPDY', async () => {
    const attach = spawnKubectl(['attach', '-i', 'web'], kubectl127);
    await attach.waitFor("If you don't see a command prompt");
    attach.child.stdin.write('old attach\n');
    await attach.waitFor(/old attach\n/);
    attach.child.kill('SIGTERM');
    await attach.exited;
  });
});
