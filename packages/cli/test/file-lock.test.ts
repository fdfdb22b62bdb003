import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { acquireFileLock } from '../src/infrastructure/file-lock.ts';
import { sandbox } from './support/cli.ts';

test('a token lock left by a crashed kgate is taken over instead of blocking kubectl', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const file = path.join(box.kgateHome, 'locks', 'server.lock');
  mkdirSync(path.dirname(file), { recursive: true });
  // The pid of a process that has exited.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  writeFileSync(file, dead.stdout);
  // A lock it could not take would throw after the timeout; taking it proves the dead
  // holder was recognised.
  const release = await acquireFileLock(file, { timeoutMs: 2000 });
  release();
  assert.ok(!existsSync(file), 'released locks are removed');
});

test('a second taker waits for the lock and gets it once it is released', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const file = path.join(box.kgateHome, 'locks', 'server.lock');
  const first = await acquireFileLock(file);
  let secondHas = false;
  const second = acquireFileLock(file, { pollMs: 5 }).then((release) => {
    secondHas = true;
    return release;
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(secondHas, false, 'not while the first holds it');
  first();
  (await second)();
  assert.equal(secondHas, true);
});

test('a lock held too long fails with the file to delete in the hint', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const file = path.join(box.kgateHome, 'locks', 'server.lock');
  const held = await acquireFileLock(file);
  t.after(held);
  await assert.rejects(acquireFileLock(file, { timeoutMs: 100 }), (error: Error & { hint?: string }) => {
    assert.match(error.message, /another kgate process has held .*server\.lock/);
    assert.equal(error.hint, `if no kgate is running, delete ${file}`);
    return true;
  });
});
