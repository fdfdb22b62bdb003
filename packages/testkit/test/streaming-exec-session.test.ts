/**
 * The fake container's exec sessions, without a wire protocol: the commands, the
 * shell, the terminal, and the Status a session ends with.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Container } from '../src/apiserver/streaming/container.ts';
import type { StatusDialect, StreamStatus } from '../src/apiserver/streaming/exec-status.ts';
import { RemoteCommandSession, type StreamOptions } from '../src/apiserver/streaming/session.ts';

interface Outcome {
  stdout: string;
  stderr: string;
  status: StreamStatus;
}

interface Running {
  session: RemoteCommandSession;
  /** Resolves once the output contains `text`. */
  waitFor(text: string): Promise<void>;
  done: Promise<Outcome>;
}

function start(
  command: string[],
  options: Partial<StreamOptions> = {},
  dialect: StatusDialect = 'kubelet',
): Running {
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (stdout.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  let finish: (status: StreamStatus) => void = () => {};
  const finished = new Promise<StreamStatus>((resolve) => {
    finish = resolve;
  });
  const session = new RemoteCommandSession(
    { stdin: false, stdout: true, stderr: true, tty: false, ...options },
    {
      stdout: (data) => {
        stdout += data.toString();
        check();
      },
      stderr: (data) => {
        stderr += data.toString();
      },
      finish: (status) => finish(status),
    },
  );
  const container = new Container('app', Date.now, []);
  session.exec({ pod: 'web-1', container, env: new Map([['GREETING', 'hello world']]) }, command, dialect);
  return {
    session,
    waitFor: (text) =>
      new Promise((resolve) => {
        waiters.push({ text, resolve });
        check();
      }),
    done: finished.then((status) => ({ stdout, stderr, status })),
  };
}

async function exec(
  command: string[],
  stdin?: string,
  options: Partial<StreamOptions> = {},
): Promise<Outcome> {
  const running = start(command, { stdin: stdin !== undefined, ...options });
  if (stdin !== undefined) {
    running.session.input(Buffer.from(stdin));
    running.session.endInput();
  }
  return running.done;
}

describe('exec in the fake container', { timeout: 10_000 }, () => {
  test('echo prints its arguments and the session ends with the Success status', async () => {
    const result = await exec(['echo', 'hi', 'there']);
    assert.equal(result.stdout, 'hi there\n');
    assert.deepEqual(result.status, { metadata: {}, status: 'Success' });
  });

  test('a non-zero exit code is reported the way the kubelet reports it, so kubectl exits with it', async () => {
    const result = await exec(['sh', '-c', 'exit 3']);
    assert.deepEqual(result.status, {
      metadata: {},
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  test('over v5 the exit code message is the API server translator’s', async () => {
    const result = await start(['false'], {}, 'translator').done;
    assert.equal(
      result.status.message,
      'command terminated with non-zero exit code: command terminated with exit code 1',
    );
    assert.deepEqual(result.status.details, { causes: [{ reason: 'ExitCode', message: '1' }] });
  });

  test('an unknown executable fails like containerd with runc: an InternalError naming it', async () => {
    const result = await exec(['foo', '--bar']);
    assert.equal(result.status.reason, 'InternalError');
    assert.equal(result.status.code, 500);
    assert.match(
      result.status.message ?? '',
      /^Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "foo": executable file not found in \$PATH: unknown$/,
    );
  });

  test('an unknown command inside sh prints "not found" and exits 127', async () => {
    const result = await exec(['sh', '-c', 'foo; echo "status=$?"; exit 127']);
    assert.equal(result.stderr, 'sh: foo: not found\n');
    assert.equal(result.stdout, 'status=127\n');
    assert.equal(result.status.details?.causes[0]?.message, '127');
  });

  test('env prints PATH, HOSTNAME (the pod name), the container env and the service variables, in order', async () => {
    const result = await exec(['env']);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=web-1',
      'GREETING=hello world',
    ]);
    assert.ok(lines.includes('KUBERNETES_SERVICE_HOST=10.96.0.1'));
    assert.equal(lines.at(-1), 'HOME=/root');
    assert.equal((await exec(['env'])).stdout, result.stdout, 'env output is deterministic');
  });

  test('hostname prints the pod name', async () => {
    assert.equal((await exec(['/bin/hostname'])).stdout, 'web-1\n');
  });

  test('cat copies stdin to stdout until the client closes stdin', async () => {
    const result = await exec(['cat'], 'line one\nline two\n');
    assert.equal(result.stdout, 'line one\nline two\n');
    assert.equal(result.status.status, 'Success');
  });

  test('sh -c runs lists with quotes, variables, && and ||', async () => {
    const script = `X='a b'; echo "$X" \${X}c; false && echo no || echo "yes $?"; NAME=v printenv NAME; echo $HOSTNAME`;
    const result = await exec(['sh', '-c', script]);
    assert.equal(result.stdout, 'a b a bc\nyes 1\nv\nweb-1\n');
  });

  test('sh reading stdin without a terminal runs each line and prints no prompt', async () => {
    const result = await exec(['sh'], 'echo hi\nhostname\nexit 4\necho never\n');
    assert.equal(result.stdout, 'hi\nweb-1\n');
    assert.equal(result.status.details?.causes[0]?.message, '4');
  });

  test('sh ends with the last status at the end of its input', async () => {
    const result = await exec(['sh'], 'echo last\nfalse\n');
    assert.equal(result.stdout, 'last\n');
    assert.equal(result.status.details?.causes[0]?.message, '1');
  });

  test('sleep waits for the given seconds', async () => {
    const started = Date.now();
    const result = await exec(['sleep', '0.2']);
    assert.ok(Date.now() - started >= 190);
    assert.equal(result.status.status, 'Success');
    assert.equal((await exec(['sleep', 'x'])).status.details?.causes[0]?.message, '1');
  });

  test('deleting the pod kills a running command with exit code 137', async () => {
    const running = start(['sleep', '30']);
    setTimeout(() => running.session.kill(), 20);
    const result = await running.done;
    assert.equal(result.status.details?.causes[0]?.message, '137');
  });
});

describe('exec with a terminal', { timeout: 10_000 }, () => {
  test('an interactive sh shows a prompt, echoes keystrokes and ends with the exit code typed', async () => {
    const running = start(['sh'], { stdin: true, tty: true });
    await running.waitFor('/ # ');
    running.session.input(Buffer.from('echo hi\r'));
    await running.waitFor('hi\r\n/ # ');
    running.session.input(Buffer.from('exit 3\r'));
    const result = await running.done;
    assert.equal(result.stdout, '/ # echo hi\r\nhi\r\n/ # exit 3\r\n');
    assert.equal(result.status.details?.causes[0]?.message, '3');
  });

  test('backspace edits the line before it is run', async () => {
    const running = start(['sh'], { stdin: true, tty: true });
    await running.waitFor('/ # ');
    running.session.input(Buffer.from('ecx\x7fho ok\r'));
    await running.waitFor('ok\r\nok\r\n/ # ');
    running.session.input(Buffer.from('exit\r'));
    const result = await running.done;
    assert.equal(result.stdout, '/ # ecx\b \bho ok\r\nok\r\n/ # exit\r\n');
  });

  test('Ctrl-C interrupts the running command but not the shell', async () => {
    const running = start(['sh'], { stdin: true, tty: true });
    running.session.input(Buffer.from('sleep 30\r'));
    await running.waitFor('sleep 30\r\n');
    // As on a real terminal, a Ctrl-C that comes before the shell has started the
    // command interrupts nothing; give the shell a moment to start it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    running.session.input(Buffer.from('\x03'));
    await running.waitFor('^C\r\n/ # ');
    running.session.input(Buffer.from('echo $?\rexit\r'));
    const result = await running.done;
    assert.match(result.stdout, /\r\n130\r\n/);
  });

  test('Ctrl-D on an empty line ends the shell', async () => {
    const running = start(['sh'], { stdin: true, tty: true });
    await running.waitFor('/ # ');
    running.session.input(Buffer.from('\x04'));
    assert.equal((await running.done).status.status, 'Success');
  });

  test('stderr goes to the terminal, merged into stdout', async () => {
    const result = await exec(['sh', '-c', 'nope'], undefined, { tty: true, stderr: true });
    assert.equal(result.stdout, 'sh: nope: not found\r\n');
    assert.equal(result.stderr, '');
  });

  test('stty size reports the size the client last sent', async () => {
    const running = start(['sh'], { stdin: true, tty: true });
    running.session.resize({ width: 120, height: 40 });
    running.session.input(Buffer.from('stty size\rexit\r'));
    assert.match((await running.done).stdout, /\b40 120\r\n/);
  });
});
