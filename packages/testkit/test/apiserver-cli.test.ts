/**
 * `kgate-testkit apiserver` run by hand: it prints its URL and kubeconfig path, real
 * kubectl works against it (tokens and RBAC from the command line included), and
 * SIGTERM stops it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kubectl, LineReader, tempDir } from './apiserver-support.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const binDir = path.join(root, 'node_modules', '.bin');

function runBin(args: string[]): { child: ChildProcess; stdout: LineReader; stderr: () => string } {
  // What `npx kgate-testkit` does: the workspace bin with node_modules/.bin (Node 24) first on PATH.
  const child = spawn(path.join(binDir, 'kgate-testkit'), args, {
    env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new LineReader();
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (c: string) => stdout.push(c));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    stderr += c;
  });
  child.on('close', () => stdout.end());
  return { child, stdout, stderr: () => stderr };
}

let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ dir, cleanup } = await tempDir());
});

after(async () => {
  await cleanup();
});

test('the apiserver command prints its URL, serves kubectl, and stops on SIGTERM', async () => {
  const kubeconfig = path.join(dir, 'kubeconfig');
  const rules = path.join(dir, 'rules.yaml');
  await writeFile(
    rules,
    '- subjects: [{kind: Group, name: dev}]\n  verbs: [list]\n  apiGroups: [""]\n  resources: [namespaces]\n',
  );
  const server = runBin([
    'apiserver',
    '--listen',
    '127.0.0.1:0',
    '--write-kubeconfig',
    kubeconfig,
    '--token',
    'jane-token=jane:dev',
    '--token',
    'bob-token=bob',
    '--rbac-file',
    rules,
  ]);
  try {
    const { line: url } = await server.stdout.waitFor((l) => l.startsWith('https://'), 20_000);
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    await server.stdout.waitFor((l) => l === `kubeconfig: ${kubeconfig}`);

    const admin = await kubectl('1.33', kubeconfig, ['get', 'ns', '-o', 'name']);
    assert.equal(admin.code, 0, admin.stderr);
    assert.deepEqual(admin.stdout.trim().split('\n'), [
      'namespace/default',
      'namespace/kube-node-lease',
      'namespace/kube-public',
      'namespace/kube-system',
    ]);
    const jane = await kubectl('1.27', kubeconfig, ['--token', 'jane-token', 'get', 'ns', '-o', 'name']);
    assert.equal(jane.code, 0, jane.stderr);
    const bob = await kubectl('1.33', kubeconfig, ['--token', 'bob-token', 'get', 'ns']);
    assert.match(
      bob.stderr,
      /User "bob" cannot list resource "namespaces" in API group "" at the cluster scope/,
    );

    const closed = once(server.child, 'close');
    server.child.kill('SIGTERM');
    const [code] = (await closed) as [number | null];
    assert.equal(code, 0, server.stderr());
    const after = await kubectl('1.33', kubeconfig, ['get', 'ns', '--request-timeout=2s']);
    assert.notEqual(after.code, 0);
  } finally {
    server.child.kill('SIGKILL');
  }
});

test('a malformed --token is refused with a hint and without echoing the secret', async () => {
  const server = runBin(['apiserver', '--token', 'no-user-here']);
  const [code] = (await once(server.child, 'close')) as [number | null];
  assert.equal(code, 2);
  assert.match(server.stderr(), /^error: a --token value is not TOKEN=USER\[:GROUP,…\]/m);
  assert.doesNotMatch(server.stderr(), /no-user-here/);
  assert.match(server.stderr(), /hint: use e\.g\. --token s3cret=jane:dev,ops/);
});
