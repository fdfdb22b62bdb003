import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { type ExecConfig, ExecCredentialProvider } from '@kgate/core/exec-credential';

/**
 * A real plugin that appends a line to a count file on every run and prints a token naming
 * the run (`<prefix>-<n>`), with PLUGIN_EXPIRY as expirationTimestamp when set.
 * With PLUGIN_FAIL_FIRST it fails its first run.
 */
const PLUGIN = `#!${process.execPath}
const fs = require('node:fs');
const e = process.env;
fs.appendFileSync(e.PLUGIN_COUNT, 'run\\n');
const n = fs.readFileSync(e.PLUGIN_COUNT, 'utf8').trim().split('\\n').length;
if (e.PLUGIN_FAIL_FIRST && n === 1) { process.stderr.write('first run fails\\n'); process.exit(1); }
const status = { token: e.PLUGIN_PREFIX + '-' + n };
if (e.PLUGIN_EXPIRY) status.expirationTimestamp = e.PLUGIN_EXPIRY;
setTimeout(() => {
  process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));
}, Number(e.PLUGIN_SLEEP_MS ?? 0));
`;

interface Setup {
  config: ExecConfig;
  prefix: string;
  runs(): number;
}

async function setup(t: TestContext, env: Record<string, string> = {}): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kgate-exec-provider-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const plugin = path.join(dir, 'plugin');
  writeFileSync(plugin, PLUGIN, { mode: 0o755 });
  const count = path.join(dir, 'count');
  const prefix = `tok-${randomUUID()}`;
  return {
    prefix,
    config: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: plugin,
      interactiveMode: 'Never',
      env: Object.entries({ PLUGIN_COUNT: count, PLUGIN_PREFIX: prefix, ...env }).map(([name, value]) => ({
        name,
        value,
      })),
    },
    runs: () => (existsSync(count) ? readFileSync(count, 'utf8').trim().split('\n').length : 0),
  };
}

/** A clock the test moves by hand. */
function manualClock(start: string): { now: () => number; set: (iso: string) => void } {
  let current = Date.parse(start);
  return { now: () => current, set: (iso) => (current = Date.parse(iso)) };
}

test('a credential is reused until its expirationTimestamp (less the skew), then the plugin runs again', async (t) => {
  const s = await setup(t, { PLUGIN_EXPIRY: '2030-01-01T00:00:00Z' });
  const clock = manualClock('2029-12-31T23:00:00Z');
  const provider = new ExecCredentialProvider(s.config, { now: clock.now, expirySkewMs: 10_000 });

  const first = await provider.get();
  assert.equal(first.token, `${s.prefix}-1`);
  clock.set('2029-12-31T23:59:49Z');
  assert.equal((await provider.get()).token, `${s.prefix}-1`);
  assert.equal(s.runs(), 1);

  clock.set('2029-12-31T23:59:51Z'); // inside the 10 s skew
  assert.equal((await provider.get()).token, `${s.prefix}-2`);
  assert.equal(s.runs(), 2);
});

test('a credential without expirationTimestamp is kept for the provider lifetime', async (t) => {
  const s = await setup(t);
  const clock = manualClock('2029-01-01T00:00:00Z');
  const provider = new ExecCredentialProvider(s.config, { now: clock.now });
  await provider.get();
  clock.set('2049-01-01T00:00:00Z');
  assert.equal((await provider.get()).token, `${s.prefix}-1`);
  assert.equal(s.runs(), 1);
});

test('invalidate() after a 401 makes the next get() run the plugin again', async (t) => {
  const s = await setup(t);
  const provider = new ExecCredentialProvider(s.config);
  const rejected = await provider.get();
  provider.invalidate(rejected);
  assert.equal((await provider.get()).token, `${s.prefix}-2`);
  provider.invalidate();
  assert.equal((await provider.get()).token, `${s.prefix}-3`);
  assert.equal(s.runs(), 3);
});

test('invalidating a credential that was already replaced does not run the plugin again', async (t) => {
  const s = await setup(t);
  const provider = new ExecCredentialProvider(s.config);
  const old = await provider.get();
  provider.invalidate(old); // the first request to see the 401
  const fresh = await provider.get();
  provider.invalidate(old); // a second request that was in flight with the old token
  assert.equal(await provider.get(), fresh);
  assert.equal(s.runs(), 2);
});

test('five concurrent get() calls share one plugin run', async (t) => {
  const s = await setup(t, { PLUGIN_SLEEP_MS: '200' });
  const provider = new ExecCredentialProvider(s.config);
  const results = await Promise.all(Array.from({ length: 5 }, () => provider.get()));
  assert.equal(s.runs(), 1);
  for (const r of results) assert.equal(r.token, `${s.prefix}-1`);
});

test('a failed run is not cached: the next get() tries the plugin again', async (t) => {
  const s = await setup(t, { PLUGIN_FAIL_FIRST: '1' });
  const provider = new ExecCredentialProvider(s.config, { stderr: new PassThrough() });
  const concurrent = await Promise.allSettled([provider.get(), provider.get()]);
  for (const outcome of concurrent) {
    assert.equal(outcome.status, 'rejected');
    assert.ok(isKgateError(outcome.status === 'rejected' ? outcome.reason : undefined, 'EXEC_PLUGIN_FAILED'));
  }
  assert.equal((await provider.get()).token, `${s.prefix}-2`);
  assert.equal(s.runs(), 2);
});

test('an invalid exec config is refused when the provider is created', () => {
  assert.throws(
    () => new ExecCredentialProvider({ apiVersion: 'client.authentication.k8s.io/v1', command: 'x' }),
    (err: unknown) => isKgateError(err, 'EXEC_CONFIG_INVALID') && /interactiveMode/.test(err.message),
  );
});
