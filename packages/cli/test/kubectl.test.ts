import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { kgateBin, runKgate, type Sandbox, sandbox, spawnKgateSync } from './support/cli.ts';

/** A sandbox whose kgate config has cluster `prod` selected on a server that need not exist. */
function selected(t: { after(fn: () => void): void }): Sandbox {
  const box = sandbox();
  t.after(box.cleanup);
  mkdirSync(box.kgateHome, { recursive: true });
  writeFileSync(
    path.join(box.kgateHome, 'config.yaml'),
    'currentServer: https://central.invalid\nservers:\n  https://central.invalid:\n    cluster: prod\n',
  );
  return box;
}

/** A stand-in kubectl that prints its arguments and exits with $FAKE_KUBECTL_EXIT. */
function argsKubectl(box: Sandbox): string {
  const file = box.file('fake-kubectl', '#!/bin/sh\necho "$@"\nexit $((FAKE_KUBECTL_EXIT + 0))\n');
  chmodSync(file, 0o755);
  return file;
}

test('kgate kubectl adds --context kgate-<selected> and passes kubectl exit code through', (t) => {
  const box = selected(t);
  const env = { ...box.env, KGATE_KUBECTL: argsKubectl(box), FAKE_KUBECTL_EXIT: '42' };
  const result = spawnKgateSync(['kubectl', 'get', 'pods', '-n', 'team-a', '-o', 'wide'], env);
  assert.equal(result.code, 42);
  assert.equal(result.stdout, 'get pods -n team-a -o wide --context kgate-prod\n');
  const short = spawnKgateSync(['k', 'get', 'ns'], { ...env, FAKE_KUBECTL_EXIT: '0' });
  assert.equal(short.code, 0);
  assert.equal(short.stdout, 'get ns --context kgate-prod\n');
});

test('kgate kubectl puts --context before a `--`, so the command kubectl exec runs is left as typed', (t) => {
  const box = selected(t);
  const env = { ...box.env, KGATE_KUBECTL: argsKubectl(box) };
  assert.equal(
    spawnKgateSync(['kubectl', 'exec', 'web', '--', 'sh', '-c', 'echo hi'], env).stdout,
    'exec web --context kgate-prod -- sh -c echo hi\n',
  );
});

test('kgate kubectl points kubectl at the kubeconfig clusters use --kubeconfig wrote', (t) => {
  const box = selected(t);
  writeFileSync(
    path.join(box.kgateHome, 'config.yaml'),
    'currentServer: https://central.invalid\nservers:\n  https://central.invalid:\n    cluster: prod\n    kubeconfig: /k/gw.yaml\n',
  );
  const env = { ...box.env, KGATE_KUBECTL: argsKubectl(box) };
  assert.equal(
    spawnKgateSync(['k', 'get', 'ns'], env).stdout,
    'get ns --context kgate-prod --kubeconfig /k/gw.yaml\n',
  );
  assert.equal(
    spawnKgateSync(['k', 'get', 'ns', '--kubeconfig=/x'], env).stdout,
    'get ns --kubeconfig=/x --context kgate-prod\n',
  );
});

test('kgate kubectl leaves a --context the user gave alone', (t) => {
  const box = selected(t);
  const env = { ...box.env, KGATE_KUBECTL: argsKubectl(box) };
  assert.equal(
    spawnKgateSync(['kubectl', '--context', 'mine', 'get', 'ns'], env).stdout,
    '--context mine get ns\n',
  );
  assert.equal(
    spawnKgateSync(['kubectl', 'get', 'ns', '--context=mine'], env).stdout,
    'get ns --context=mine\n',
  );
});

test('kgate kubectl hands stdin to the real kubectl and returns its exit codes', (t) => {
  const box = selected(t);
  const env = { ...box.env, KGATE_KUBECTL: kubectlPath('1.33') };
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: from-stdin',
    '  cluster: {server: "https://example.invalid"}',
    '',
  ].join('\n');
  // Through a real pipe, as a shell makes one (node's own stdio pipes are sockets, which
  // kubectl cannot open as /dev/stdin).
  const file = box.file('stdin-kubeconfig.yaml', kubeconfig);
  const piped = spawnSync(
    '/bin/sh',
    [
      '-c',
      'cat "$1" | "$2" "$3" kubectl config view --kubeconfig=/dev/stdin -o "jsonpath={.clusters[0].name}"',
      'sh',
    ].concat([file, process.execPath, kgateBin]),
    { env, encoding: 'utf8' },
  );
  const ok = { code: piped.status, stdout: piped.stdout, stderr: piped.stderr };
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'from-stdin');
  const bad = spawnKgateSync(['kubectl', 'no-such-command'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown command "no-such-command"/);
  const version = spawnKgateSync(['kubectl', 'version', '--client'], env);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /Client Version: v1\.33\./);
});

test('kgate kubectl forwards SIGTERM to kubectl and exits as it did', { timeout: 60_000 }, async (t) => {
  const box = selected(t);
  const script = box.file(
    'slow-kubectl',
    '#!/bin/sh\ntrap \'echo "kubectl got TERM" >&2; exit 143\' TERM\necho ready\nwhile :; do sleep 0.05; done\n',
  );
  chmodSync(script, 0o755);
  const child = spawn(process.execPath, [kgateBin, 'kubectl', 'get', 'pods', '-w'], {
    env: { ...box.env, KGATE_KUBECTL: script },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGTERM');
  // If kgate died without passing the signal on, the script would run on holding the
  // pipes open: fail with a clear message instead of hanging the file.
  const code = await Promise.race([
    closed,
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000).unref()),
  ]);
  if (code === 'hung') {
    spawn('pkill', ['-f', script]);
    assert.fail(`kgate did not pass SIGTERM on to kubectl; stderr: ${stderr}`);
  }
  assert.equal(code, 143);
  assert.match(stderr, /kubectl got TERM/);
});

test('kgate kubectl without a selected cluster says to run kgate clusters use', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const result = await runKgate(['kubectl', 'get', 'pods'], { env: box.env });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'error: no cluster is selected for `kgate kubectl`\nhint: run `kgate clusters use NAME` (or pass --context)\n',
  );
});

test('kgate kubectl with a missing kubectl names what it looked for', async (t) => {
  const box = selected(t);
  const result = await runKgate(['kubectl', 'get', 'pods'], {
    env: { ...box.env, KGATE_KUBECTL: path.join(box.dir, 'no-kubectl') },
  });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: kubectl was not found \(looked for ".*no-kubectl"\)\nhint: install kubectl/,
  );
});
