import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { isKgateError, KgateError } from '@kgate/core/errors';
import {
  type ExecConfig,
  type ExecSpawn,
  type ExecSpawnOptions,
  runExecPlugin,
} from '@kgate/core/exec-credential';

const V1 = 'client.authentication.k8s.io/v1';
const V1BETA1 = 'client.authentication.k8s.io/v1beta1';

/**
 * One real plugin whose behaviour the test picks through exec.env: it records what it was
 * given (KUBERNETES_EXEC_INFO, argv, some env, stdin) and prints PLUGIN_OUTPUT.
 */
const PLUGIN = `#!${process.execPath}
const fs = require('node:fs');
const e = process.env;
const record = { info: e.KUBERNETES_EXEC_INFO, argv: process.argv.slice(2), pid: process.pid,
  env: { BASE_VAR: e.BASE_VAR, SHARED: e.SHARED, PATH: e.PATH } };
if (e.PLUGIN_READ_STDIN) record.stdin = fs.readFileSync(0, 'utf8');
if (e.PLUGIN_RECORD) fs.appendFileSync(e.PLUGIN_RECORD, JSON.stringify(record) + '\\n');
if (e.PLUGIN_STDERR) process.stderr.write(e.PLUGIN_STDERR);
const finish = () => {
  if (e.PLUGIN_OUTPUT) process.stdout.write(e.PLUGIN_OUTPUT.replace('{{stdin}}', (record.stdin ?? '').trim()));
  process.exitCode = Number(e.PLUGIN_EXIT ?? 0);
};
if (e.PLUGIN_SLEEP_MS) setTimeout(finish, Number(e.PLUGIN_SLEEP_MS)); else finish();
`;

interface Fixture {
  dir: string;
  plugin: string;
  record: string;
  /** What the plugin recorded, one entry per run. */
  runs(): { info: string; argv: string[]; pid: number; env: Record<string, string>; stdin?: string }[];
}

async function fixture(t: TestContext): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kgate-exec-run-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const plugin = path.join(dir, 'plugin');
  writeFileSync(plugin, PLUGIN, { mode: 0o755 });
  const record = path.join(dir, 'record.jsonl');
  return {
    dir,
    plugin,
    record,
    runs: () =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
        : [],
  };
}

function credential(apiVersion: string, status: Record<string, unknown>, kind = 'ExecCredential'): string {
  return JSON.stringify({ kind, apiVersion, status });
}

function config(f: Fixture, env: Record<string, string>, extra: Partial<ExecConfig> = {}): ExecConfig {
  return {
    apiVersion: V1,
    command: f.plugin,
    interactiveMode: 'Never',
    ...extra,
    env: [
      { name: 'PLUGIN_RECORD', value: f.record },
      ...Object.entries(env).map(([name, value]) => ({ name, value })),
    ],
  };
}

const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', BASE_VAR: 'from-client', SHARED: 'from-client' };

async function rejection(promise: Promise<unknown>): Promise<KgateError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KgateError, `expected a KgateError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the plugin run to fail');
}

function selfSignedPair(dir: string): { cert: string; key: string } {
  const keyFile = path.join(dir, 'client.key');
  const certFile = path.join(dir, 'client.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=kgate-test-user',
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

test('a v1 plugin that prints a token and expiry yields that token and expiry', async (t) => {
  const f = await fixture(t);
  const token = `tok-${randomUUID()}`;
  const output = credential(V1, { token, expirationTimestamp: '2031-02-03T04:05:06Z' });
  const result = await runExecPlugin(config(f, { PLUGIN_OUTPUT: output }), {
    env: baseEnv,
    stderr: new PassThrough(),
  });
  assert.equal(result.apiVersion, V1);
  assert.equal(result.token, token);
  assert.equal(result.expiresAt?.toISOString(), '2031-02-03T04:05:06.000Z');
  assert.equal(f.runs().length, 1);
});

test('a v1beta1 plugin that prints a client certificate and key yields them', async (t) => {
  const f = await fixture(t);
  const { cert, key } = selfSignedPair(f.dir);
  const output = credential(V1BETA1, { clientCertificateData: cert, clientKeyData: key });
  const result = await runExecPlugin(config(f, { PLUGIN_OUTPUT: output }, { apiVersion: V1BETA1 }), {
    env: baseEnv,
  });
  assert.equal(result.apiVersion, V1BETA1);
  assert.equal(result.clientCertificateData, cert);
  assert.equal(result.clientKeyData, key);
  assert.equal(result.token, undefined);
  assert.equal(result.expiresAt, undefined);
});

test('a certificate with a key that is not its own is rejected', async (t) => {
  const f = await fixture(t);
  const a = selfSignedPair(f.dir);
  const b = selfSignedPair(f.dir);
  const output = credential(V1, { clientCertificateData: a.cert, clientKeyData: b.key });
  const err = await rejection(runExecPlugin(config(f, { PLUGIN_OUTPUT: output }), { env: baseEnv }));
  assert.equal(err.code, 'EXEC_CREDENTIAL_INVALID');
  assert.match(err.message, /clientKeyData is not the key of status\.clientCertificateData/);
  assert.ok(!err.message.includes('PRIVATE KEY'));
});

test('without provideClusterInfo the plugin gets exactly kind, apiVersion and spec.interactive', async (t) => {
  const f = await fixture(t);
  const output = credential(V1, { token: 't' });
  await runExecPlugin(config(f, { PLUGIN_OUTPUT: output }), {
    env: baseEnv,
    cluster: { server: 'https://ignored.example:6443' },
  });
  const [run] = f.runs();
  assert.equal(run?.info, `{"kind":"ExecCredential","apiVersion":"${V1}","spec":{"interactive":false}}\n`);
});

test('with provideClusterInfo the plugin gets the cluster and its exec extension config', async (t) => {
  const f = await fixture(t);
  const ca = Buffer.from(
    `-----BEGIN CERTIFICATE-----\n${randomUUID()}\n-----END CERTIFICATE-----\n`,
  ).toString('base64');
  const cluster = {
    server: 'https://10.1.2.3:6443',
    'tls-server-name': 'api.internal',
    'certificate-authority-data': ca,
    'proxy-url': 'http://proxy.internal:3128',
    'disable-compression': true,
    config: { zeta: 1, audience: `aud-${randomUUID()}`, nested: { b: [1, 'x'], a: null } },
  };
  await runExecPlugin(
    config(
      f,
      { PLUGIN_OUTPUT: credential(V1BETA1, { token: 't' }) },
      { apiVersion: V1BETA1, provideClusterInfo: true },
    ),
    {
      env: baseEnv,
      cluster,
    },
  );
  const info = f.runs()[0]?.info ?? '';
  assert.deepEqual(JSON.parse(info), {
    kind: 'ExecCredential',
    apiVersion: V1BETA1,
    spec: { cluster, interactive: false },
  });
  // client-go's YAML-to-JSON step sorts the config's keys; a plugin may compare bytes.
  assert.ok(
    info.includes(
      `"config":{"audience":"${cluster.config.audience}","nested":{"a":null,"b":[1,"x"]},"zeta":1}`,
    ),
  );
});

test('a cluster without an exec extension reaches the plugin with config null, as kubectl sends it', async (t) => {
  const f = await fixture(t);
  await runExecPlugin(
    config(f, { PLUGIN_OUTPUT: credential(V1, { token: 't' }) }, { provideClusterInfo: true }),
    {
      env: baseEnv,
      cluster: { server: 'https://10.1.2.3:6443', 'insecure-skip-tls-verify': true },
    },
  );
  const info = f.runs()[0]?.info ?? '';
  assert.deepEqual(JSON.parse(info).spec.cluster, {
    server: 'https://10.1.2.3:6443',
    'insecure-skip-tls-verify': true,
    config: null,
  });
});

test('the plugin inherits the client environment, with exec.env taking precedence', async (t) => {
  const f = await fixture(t);
  await runExecPlugin(config(f, { PLUGIN_OUTPUT: credential(V1, { token: 't' }), SHARED: 'from-config' }), {
    env: baseEnv,
  });
  const env = f.runs()[0]?.env;
  assert.equal(env?.BASE_VAR, 'from-client');
  assert.equal(env?.SHARED, 'from-config');
});

test('a bare command is looked up on the client PATH, not on a PATH that exec.env sets', async (t) => {
  const f = await fixture(t);
  const result = await runExecPlugin(
    {
      ...config(f, { PLUGIN_OUTPUT: credential(V1, { token: 'found' }), PATH: '/nonexistent' }),
      command: path.basename(f.plugin),
    },
    { env: { ...baseEnv, PATH: `${f.dir}${path.delimiter}${baseEnv.PATH}` } },
  );
  assert.equal(result.token, 'found');
  assert.equal(f.runs()[0]?.env.PATH, '/nonexistent');
});

test('arguments reach the plugin verbatim, never through a shell', async (t) => {
  const f = await fixture(t);
  const marker = path.join(f.dir, 'pwned');
  const args = ['a b', `$(touch ${marker})`, '*', "'quoted'", '; exit 9'];
  await runExecPlugin(
    { ...config(f, { PLUGIN_OUTPUT: credential(V1, { token: 't' }) }), args },
    { env: baseEnv },
  );
  assert.deepEqual(f.runs()[0]?.argv, args);
  assert.equal(existsSync(marker), false);
});

test('an injected spawn starts the plugin with the resolved file, the args and the stdio chosen', async (t) => {
  const f = await fixture(t);
  const calls: { command: string; args: readonly string[]; options: ExecSpawnOptions }[] = [];
  const recordingSpawn: ExecSpawn = (command, args, options) => {
    calls.push({ command, args, options });
    return spawn(command, args, options);
  };
  await runExecPlugin(
    { ...config(f, { PLUGIN_OUTPUT: credential(V1, { token: 't' }) }), args: ['--x'] },
    { env: baseEnv, spawn: recordingSpawn, stderr: new PassThrough() },
  );
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.command, f.plugin);
  assert.deepEqual(calls[0]?.args, ['--x']);
  assert.deepEqual(calls[0]?.options.stdio, ['ignore', 'pipe', 'pipe']);
  assert.match(calls[0]?.options.env.KUBERNETES_EXEC_INFO ?? '', /"kind":"ExecCredential"/);
});

test('interactiveMode Never gives the plugin no stdin even on a terminal', async (t) => {
  const f = await fixture(t);
  const result = await runExecPlugin(
    config(f, { PLUGIN_READ_STDIN: '1', PLUGIN_OUTPUT: credential(V1, { token: 'stdin:{{stdin}}' }) }),
    { env: baseEnv, stdinIsTerminal: true, stdin: Readable.from(['typed-answer\n']) },
  );
  assert.equal(result.token, 'stdin:');
  assert.equal(JSON.parse(f.runs()[0]?.info ?? '').spec.interactive, false);
});

test('interactiveMode IfAvailable passes stdin to the plugin when stdin is a terminal', async (t) => {
  const f = await fixture(t);
  const answer = randomUUID();
  const result = await runExecPlugin(
    config(
      f,
      { PLUGIN_READ_STDIN: '1', PLUGIN_OUTPUT: credential(V1, { token: 'stdin:{{stdin}}' }) },
      { interactiveMode: 'IfAvailable' },
    ),
    { env: baseEnv, stdinIsTerminal: true, stdin: Readable.from([`${answer}\n`]) },
  );
  assert.equal(result.token, `stdin:${answer}`);
  assert.equal(JSON.parse(f.runs()[0]?.info ?? '').spec.interactive, true);
});

test('interactiveMode IfAvailable withholds stdin when stdin is not a terminal', async (t) => {
  const f = await fixture(t);
  const result = await runExecPlugin(
    config(
      f,
      { PLUGIN_READ_STDIN: '1', PLUGIN_OUTPUT: credential(V1, { token: 'stdin:{{stdin}}' }) },
      { interactiveMode: 'IfAvailable' },
    ),
    { env: baseEnv, stdinIsTerminal: false, stdin: Readable.from(['typed-answer\n']) },
  );
  assert.equal(result.token, 'stdin:');
  assert.equal(JSON.parse(f.runs()[0]?.info ?? '').spec.interactive, false);
});

test('interactiveMode Always without a terminal fails before running the plugin', async (t) => {
  const f = await fixture(t);
  const err = await rejection(
    runExecPlugin(
      config(f, { PLUGIN_OUTPUT: credential(V1, { token: 't' }) }, { interactiveMode: 'Always' }),
      {
        env: baseEnv,
        stdinIsTerminal: false,
      },
    ),
  );
  assert.equal(err.code, 'EXEC_PLUGIN_NEEDS_TERMINAL');
  assert.ok(err.message.includes(f.plugin));
  assert.ok(err.hint);
  assert.equal(f.runs().length, 0);
});

test('interactiveMode Always on a terminal tells the plugin it is interactive', async (t) => {
  const f = await fixture(t);
  await runExecPlugin(
    config(f, { PLUGIN_OUTPUT: credential(V1, { token: 't' }) }, { interactiveMode: 'Always' }),
    {
      env: baseEnv,
      stdinIsTerminal: true,
      stdin: Readable.from([]),
    },
  );
  assert.equal(JSON.parse(f.runs()[0]?.info ?? '').spec.interactive, true);
});

test('a v1 exec config without interactiveMode is refused, naming the field', async (t) => {
  const f = await fixture(t);
  const { interactiveMode: _, ...withoutMode } = config(f, { PLUGIN_OUTPUT: credential(V1, { token: 't' }) });
  const err = await rejection(runExecPlugin(withoutMode, { env: baseEnv }));
  assert.equal(err.code, 'EXEC_CONFIG_INVALID');
  assert.match(err.message, /interactiveMode/);
  assert.match(err.hint ?? '', /Never, IfAvailable or Always/);
  assert.equal(f.runs().length, 0);
});

test('a v1beta1 exec config without interactiveMode behaves as IfAvailable', async (t) => {
  const f = await fixture(t);
  const { interactiveMode: _, ...withoutMode } = config(
    f,
    { PLUGIN_OUTPUT: credential(V1BETA1, { token: 't' }) },
    { apiVersion: V1BETA1 },
  );
  await runExecPlugin(withoutMode, { env: baseEnv, stdinIsTerminal: true, stdin: Readable.from([]) });
  await runExecPlugin(withoutMode, { env: baseEnv, stdinIsTerminal: false });
  assert.deepEqual(
    f.runs().map((r) => JSON.parse(r.info).spec.interactive),
    [true, false],
  );
});

test('an unsupported exec apiVersion is refused, naming the value', async (t) => {
  const f = await fixture(t);
  const err = await rejection(
    runExecPlugin(config(f, {}, { apiVersion: 'client.authentication.k8s.io/v1alpha1' }), { env: baseEnv }),
  );
  assert.equal(err.code, 'EXEC_CONFIG_INVALID');
  assert.match(err.message, /v1alpha1/);
});

test('a plugin answering with another apiVersion than configured is rejected, naming both', async (t) => {
  const f = await fixture(t);
  const err = await rejection(
    runExecPlugin(config(f, { PLUGIN_OUTPUT: credential(V1BETA1, { token: 't' }) }), { env: baseEnv }),
  );
  assert.equal(err.code, 'EXEC_CREDENTIAL_INVALID');
  assert.ok(err.message.includes(V1), err.message);
  assert.ok(err.message.includes(V1BETA1), err.message);
  assert.ok(err.message.includes(f.plugin), err.message);
});

test('output whose kind is not ExecCredential is rejected', async (t) => {
  const f = await fixture(t);
  const err = await rejection(
    runExecPlugin(config(f, { PLUGIN_OUTPUT: credential(V1, { token: 't' }, 'Status') }), { env: baseEnv }),
  );
  assert.equal(err.code, 'EXEC_CREDENTIAL_INVALID');
  assert.match(err.message, /kind is "Status"/);
});

test('output without a token or certificate pair is rejected', async (t) => {
  const f = await fixture(t);
  const cases: [string, RegExp][] = [
    [credential(V1, {}), /neither a token nor a client certificate/],
    [JSON.stringify({ kind: 'ExecCredential', apiVersion: V1 }), /no status/],
    [credential(V1, { clientCertificateData: 'x' }), /only one of clientCertificateData and clientKeyData/],
    [credential(V1, { clientKeyData: 'x' }), /only one of clientCertificateData and clientKeyData/],
    [credential(V1, { token: 't', expirationTimestamp: 'tomorrow' }), /expirationTimestamp/],
  ];
  for (const [output, message] of cases) {
    const err = await rejection(runExecPlugin(config(f, { PLUGIN_OUTPUT: output }), { env: baseEnv }));
    assert.equal(err.code, 'EXEC_CREDENTIAL_INVALID');
    assert.match(err.message, message);
  }
});

test('log lines on stdout make the output invalid, with a hint to log on stderr', async (t) => {
  const f = await fixture(t);
  const output = `fetching a token...\n${credential(V1, { token: 't' })}`;
  const err = await rejection(runExecPlugin(config(f, { PLUGIN_OUTPUT: output }), { env: baseEnv }));
  assert.equal(err.code, 'EXEC_CREDENTIAL_INVALID');
  assert.match(err.message, /stdout is not JSON/);
  assert.match(err.hint ?? '', /stderr/);
});

test('a plugin that exits non-zero fails with its command and exit code, its stderr passed on', async (t) => {
  const f = await fixture(t);
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stderr.on('data', (c: Buffer) => chunks.push(c));
  const err = await rejection(
    runExecPlugin(config(f, { PLUGIN_EXIT: '3', PLUGIN_STDERR: 'login refused by IdP\n' }), {
      env: baseEnv,
      stderr,
    }),
  );
  assert.equal(err.code, 'EXEC_PLUGIN_FAILED');
  assert.ok(err.message.includes(f.plugin));
  assert.match(err.message, /exit code 3/);
  assert.equal(Buffer.concat(chunks).toString(), 'login refused by IdP\n');
});

test('a missing plugin fails with EXEC_PLUGIN_NOT_FOUND and the installHint', async (t) => {
  const f = await fixture(t);
  const installHint = `brew install kgate-${randomUUID()}`;
  const bare = await rejection(
    runExecPlugin(
      { apiVersion: V1, command: 'kgate-no-such-plugin', interactiveMode: 'Never', installHint },
      { env: baseEnv },
    ),
  );
  assert.equal(bare.code, 'EXEC_PLUGIN_NOT_FOUND');
  assert.match(bare.message, /kgate-no-such-plugin/);
  assert.equal(bare.hint, installHint);

  const absolute = path.join(f.dir, 'absent');
  const byPath = await rejection(
    runExecPlugin({ apiVersion: V1, command: absolute, interactiveMode: 'Never' }, { env: baseEnv }),
  );
  assert.equal(byPath.code, 'EXEC_PLUGIN_NOT_FOUND');
  assert.ok(byPath.message.includes(absolute));
  assert.match(byPath.hint ?? '', /install/);
});

test('an installHint cannot send terminal escape sequences', async () => {
  const err = await rejection(
    runExecPlugin(
      {
        apiVersion: V1,
        command: 'kgate-no-such-plugin',
        interactiveMode: 'Never',
        installHint: 'run \u001b[2Jsetup',
      },
      { env: baseEnv },
    ),
  );
  assert.ok(!(err.hint ?? '').includes('\u001b'));
  assert.match(err.hint ?? '', /setup/);
});

test('a plugin that hangs is stopped at the timeout', async (t) => {
  const f = await fixture(t);
  const started = Date.now();
  const err = await rejection(
    runExecPlugin(config(f, { PLUGIN_SLEEP_MS: '60000', PLUGIN_OUTPUT: credential(V1, { token: 't' }) }), {
      env: baseEnv,
      // Long enough for a loaded machine to start the Node plugin and record its pid.
      timeoutMs: 2500,
    }),
  );
  assert.equal(err.code, 'EXEC_PLUGIN_FAILED');
  assert.match(err.message, /did not finish within 2\.5 s/);
  assert.ok(Date.now() - started < 10_000);
  const pid = f.runs()[0]?.pid;
  assert.ok(pid);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test('the timeout holds even when the plugin leaves a child holding stdout', async (t) => {
  const f = await fixture(t);
  const script = path.join(f.dir, 'forks.sh');
  writeFileSync(script, '#!/bin/sh\nsleep 5\necho never\n', { mode: 0o755 });
  const started = Date.now();
  const err = await rejection(
    runExecPlugin(
      { apiVersion: V1, command: script, interactiveMode: 'Never' },
      { env: baseEnv, timeoutMs: 300 },
    ),
  );
  assert.equal(err.code, 'EXEC_PLUGIN_FAILED');
  // The grandchild sleeps 5 s: waiting for it would take at least that long.
  assert.ok(Date.now() - started < 4500, `took ${Date.now() - started} ms`);
});

test('no error message, hint or cause ever contains the token the plugin printed', async (t) => {
  const f = await fixture(t);
  const { cert } = selfSignedPair(f.dir);
  const token = `secret-${randomUUID()}`;
  const outputs = [
    token,
    `${token}\n`,
    `token: ${token}`,
    credential(V1, { token }, 'Secret'),
    credential(V1, { token }, token),
    credential(V1BETA1, { token }),
    credential(token, { token }),
    credential(`${V1}${token}`, { token }),
    credential(V1, { token, clientCertificateData: cert }),
    credential(V1, { token, clientCertificateData: token, clientKeyData: token }),
    credential(V1, { token, expirationTimestamp: token }),
    credential(V1, { token: { value: token } }),
    JSON.stringify({ kind: 'ExecCredential', apiVersion: V1, status: token }),
    `[${JSON.stringify(token)}]`,
    `{"kind":"ExecCredential","apiVersion":"${V1}","status":{"token":"${token}"`,
  ];
  for (const output of outputs) {
    for (const exit of ['0', '1']) {
      const err = await rejection(
        runExecPlugin(config(f, { PLUGIN_OUTPUT: output, PLUGIN_EXIT: exit }), { env: baseEnv }),
      );
      for (const text of [err.message, err.hint ?? '', String(err.cause ?? ''), err.stack ?? '']) {
        assert.ok(
          !text.includes(token),
          `token leaked for output ${JSON.stringify(output.slice(0, 40))}: ${text}`,
        );
      }
      assert.ok(isKgateError(err));
    }
  }
});

test('a plugin file without the executable bit fails with a chmod hint', async (t) => {
  const f = await fixture(t);
  const file = path.join(f.dir, 'not-executable');
  writeFileSync(file, PLUGIN, { mode: 0o644 });
  const err = await rejection(
    runExecPlugin({ apiVersion: V1, command: file, interactiveMode: 'Never' }, { env: baseEnv }),
  );
  assert.equal(err.code, 'EXEC_PLUGIN_FAILED');
  assert.match(err.message, /not executable/);
  assert.ok(err.hint?.includes(`chmod +x ${file}`));
});

test('a plugin flooding stdout is stopped instead of filling memory', async (t) => {
  const f = await fixture(t);
  const script = path.join(f.dir, 'flood.sh');
  writeFileSync(script, '#!/bin/sh\nexec yes\n', { mode: 0o755 });
  const err = await rejection(
    runExecPlugin(
      { apiVersion: V1, command: script, interactiveMode: 'Never' },
      { env: baseEnv, timeoutMs: 10_000 },
    ),
  );
  assert.equal(err.code, 'EXEC_CREDENTIAL_INVALID');
  assert.match(err.message, /over 1 MiB/);
});
