/**
 * The runner behind `POST /clusters/{name}/exec`, with stand-in kubectl scripts that show
 * what kubectl would get (arguments, environment, kubeconfig) and misbehave on purpose
 * (print too much, never finish). The real kubectl runs in exec-api.test.ts.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import {
  type RunKubectlOptions,
  runKubectl,
  TIMEOUT_EXIT_CODE,
  TRUNCATED_EXIT_CODE,
} from '../src/exec/run.ts';

const root = mkdtempSync(path.join(tmpdir(), 'kgate-exec-run-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.the-callers-token.signature';

/** A stand-in kubectl: a /bin/sh script (it gets no PATH, so it names programs in full). */
function script(name: string, body: string): string {
  const file = path.join(root, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A fresh directory for the runner's temporary directories, to see they are gone. */
function tempRoot(): string {
  const dir = path.join(root, `tmp-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir);
  return dir;
}

function options(kubectlPath: string, extra: Partial<RunKubectlOptions> = {}): RunKubectlOptions {
  return {
    kubectlPath,
    args: ['get', 'pods'],
    server: 'https://127.0.0.1:8443/k8s/dev',
    caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    token: TOKEN,
    timeoutMs: 30_000,
    maxOutputBytes: 1024 * 1024,
    tempRoot: tempRoot(),
    ...extra,
  };
}

test('kubectl gets the token in a private kubeconfig only, no environment but HOME, and the directory is removed', async () => {
  const kubectl = script(
    'show-kubectl',
    [
      'echo "args: $*"',
      '/usr/bin/env | while read -r line; do echo "env: $line"; done',
      'echo "modes: $(/usr/bin/stat -c %a "$2" "$HOME" | while read -r m; do printf "%s " "$m"; done)"',
      'echo "kubeconfig: $(/bin/cat "$2")"',
    ].join('\n'),
  );
  const opts = options(kubectl, { serverName: 'kgate.example.com' });
  const result = await runKubectl(opts);
  assert.equal(result.exitCode, 0, result.stderr);
  const lines = result.stdout.split('\n');
  const args = lines.find((l) => l.startsWith('args: '));
  assert.match(args ?? '', /^args: --kubeconfig \/\S+\/kubeconfig get pods$/);
  const env = lines.filter((l) => l.startsWith('env: ')).map((l) => l.slice(5));
  const home = env.find((l) => l.startsWith('HOME='))?.slice(5) ?? '';
  assert.equal(args, `args: --kubeconfig ${home}/kubeconfig get pods`, 'the kubeconfig is in HOME');
  assert.deepEqual(
    env.filter((l) => !/^(HOME|PWD)=/.test(l)),
    [],
    'no PATH, no KUBECONFIG, nothing of central’s environment',
  );
  assert.ok(home.startsWith(`${opts.tempRoot}/kgate-exec-`), home);
  assert.match(result.stdout, /^modes: 600 700 $/m, 'kubeconfig 0600 in a 0700 directory');

  const kubeconfig = JSON.parse(lines.find((l) => l.startsWith('kubeconfig: '))?.slice(12) ?? '{}');
  assert.deepEqual(kubeconfig.clusters[0].cluster, {
    server: 'https://127.0.0.1:8443/k8s/dev',
    'certificate-authority-data': Buffer.from(opts.caPem).toString('base64'),
    'tls-server-name': 'kgate.example.com',
  });
  assert.equal(
    kubeconfig.users[0].user.token,
    '[redacted]',
    'the token is in the file, but not in the answer',
  );
  assert.ok(!result.output.includes(TOKEN) && !result.stdout.includes(TOKEN));
  assert.deepEqual(readdirSync(opts.tempRoot ?? ''), [], 'the temporary directory is gone');
});

test('stdin reaches kubectl, and stdout and stderr come back apart and together', async () => {
  const kubectl = script('echo-kubectl', '/bin/cat\necho "to stderr" >&2\necho "after"\nexit 3');
  const result = await runKubectl(options(kubectl, { stdin: 'line one\nline two\n' }));
  assert.equal(result.exitCode, 3, 'kubectl’s exit code comes back');
  assert.equal(result.stdout, 'line one\nline two\nafter\n');
  assert.equal(result.stderr, 'to stderr\n');
  assert.deepEqual(
    result.output.split('\n').sort(),
    ['', 'after', 'line one', 'line two', 'to stderr'],
    'output holds both streams',
  );
  assert.equal(result.output.replace('to stderr\n', ''), result.stdout, 'in the order each stream wrote');
  assert.equal(result.truncated, false);
  assert.equal(result.timedOut, false);
  assert.equal(result.error, undefined);
});

test('kubectl that prints more than max_output is stopped, the output cut at the limit', async (t) => {
  const kubectl = script(
    'chatty-kubectl',
    'while :; do echo 0123456789012345678901234567890123456789 || exit 0; done',
  );
  const opts = options(kubectl, { maxOutputBytes: 1000 });
  const result = await runKubectl(opts);
  t.diagnostic(result.error ?? '');
  assert.equal(result.truncated, true);
  assert.equal(result.exitCode, TRUNCATED_EXIT_CODE);
  assert.equal(Buffer.byteLength(result.output), 1000);
  assert.equal(result.output, result.stdout);
  assert.match(result.error ?? '', /more than 1000 bytes .*exec\.max_output/);
  assert.deepEqual(readdirSync(opts.tempRoot ?? ''), []);
});

test('kubectl that does not finish in time is stopped with exit code 124, with what it printed so far', async () => {
  // A wrapper whose child holds the pipes: the whole process group is stopped.
  const kubectl = script('stuck-kubectl', 'echo started\n/bin/sleep 600\necho never');
  const opts = options(kubectl, { timeoutMs: 1000 });
  const result = await runKubectl(opts);
  assert.equal(result.timedOut, true);
  assert.equal(result.exitCode, TIMEOUT_EXIT_CODE);
  assert.equal(result.error, 'kubectl did not finish within 1s and was stopped (exec.timeout)');
  assert.doesNotMatch(result.output, /never/);
  assert.deepEqual(readdirSync(opts.tempRoot ?? ''), []);
});

test('a cancelled request stops kubectl', async () => {
  const kubectl = script('slow-kubectl', 'exec /bin/sleep 600');
  const cancel = new AbortController();
  const running = runKubectl(options(kubectl, { signal: cancel.signal }));
  cancel.abort();
  const result = await running;
  assert.match(result.error ?? '', /cancelled/);
});

test('a kubectl central cannot find is an UNAVAILABLE error naming exec.kubectl_path', async () => {
  for (const kubectlPath of [path.join(root, 'no-such-kubectl'), 'no-such-kubectl']) {
    await assert.rejects(runKubectl(options(kubectlPath, { searchPath: root })), (error) => {
      assert.ok(isKgateError(error, 'UNAVAILABLE'), String(error));
      assert.match(error.message, /no-such-kubectl/);
      assert.match(error.hint ?? '', /exec\.kubectl_path/);
      return true;
    });
  }
  // A bare name is looked up on central's PATH.
  script('kubectl', 'echo found');
  assert.equal(
    (await runKubectl(options('kubectl', { searchPath: `/nonexistent:${root}` }))).stdout,
    'found\n',
  );
});
