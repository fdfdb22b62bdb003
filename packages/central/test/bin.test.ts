import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { request, type SessionJson } from './helpers/central.ts';

const bin = path.resolve(import.meta.dirname, '../bin/kgate-central.ts');

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 300 && !pattern.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(stderr, pattern);
  };
  return { child, exited, waitFor, stderr: () => stderr, stdout: () => stdout };
}

test('kgate-central starts from the command line, prints the one-time password and the CA, and stops on SIGTERM', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-bin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = run([
    '--data-dir',
    dir,
    '--listen',
    '127.0.0.1:0',
    '--agent-listen',
    '127.0.0.1:0',
    '--log-level',
    'info',
  ]);
  t.after(() => p.child.kill('SIGKILL'));
  await p.waitFor(/CA certificate .*ca\.crt\n/);
  await p.waitFor(/kgate-central is listening/);
  const password = /one-time password:\n\n {4}(\S+)\n/.exec(p.stderr())?.[1] ?? '';
  assert.match(password, /^[A-Za-z0-9_-]{24}$/);
  const url = /"url":"(https:\/\/127\.0\.0\.1:\d+)"/.exec(p.stderr())?.[1] ?? '';
  const { readFileSync } = await import('node:fs');
  const caCertPem = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  const login = await request<SessionJson>({ url, caCertPem }, 'POST', '/auth/login', {
    body: { username: 'admin', password },
  });
  assert.equal(login.status, 200);
  assert.equal(p.stdout(), '', 'nothing on stdout');
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  const logLines = p
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  assert.ok(logLines.length > 0 && logLines.every((l) => JSON.parse(l).service === 'kgate-central'));
  assert.ok(!logLines.join('\n').includes(password));
});

test('kgate-central refuses a bad flag value with the flag named, and exits 2', async () => {
  const p = run(['--listen', 'abc', '--data-dir', path.join(tmpdir(), 'never-created')]);
  assert.equal(await p.exited, 2);
  assert.match(p.stderr(), /^error: --listen: server\.listen "abc": expected host:port/);
  const unknown = run(['--bogus']);
  assert.equal(await unknown.exited, 2);
  assert.match(unknown.stderr(), /--bogus/);
  const help = run(['--help']);
  assert.equal(await help.exited, 0);
  assert.match(help.stderr(), /Usage: kgate-central/);
});
