/**
 * docs/quickstart.md, step by step, as a new user runs it on one machine: every program is
 * a real process started from the repository's `node_modules/.bin` (what `npx` runs) on
 * the repository's Node 24, kubectl is the real 1.33, and nothing is called in-process.
 * Differences from the text: free ports instead of 8443/8444/8080, a 1 s heartbeat, and a
 * throw-away HOME with KGATE_KEYRING=off.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { echoThrough } from '@kgate/testkit/echo';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { type BackgroundProcess, runProcess, startProcess } from '@kgate/testkit/process';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const npxBin = (name: string) => path.join(repoRoot, 'node_modules', '.bin', name);
const kubectlBin = kubectlPath('1.33');
const heartbeatMs = 1000;

const procs = new Set<BackgroundProcess>();

/** Starts a long-running program in the repository; `after` kills whatever is left. */
function start(command: string, args: string[], env: Record<string, string>): BackgroundProcess {
  const proc = startProcess(command, args, { env, cwd: repoRoot });
  procs.add(proc);
  return proc;
}

/** Runs a command to completion, with stdin `input`, killed after `timeoutMs`. */
function run(command: string, args: string[], env: Record<string, string>, input = '', timeoutMs = 20_000) {
  return runProcess(command, args, { env, cwd: repoRoot, input, timeoutMs });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const qs = mkdtempSync(path.join(tmpdir(), 'kgate-quickstart-'));
const home = path.join(qs, 'home');
const base = { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', KGATE_KEYRING: 'off' };
/** kubectl's environment: no node on PATH (the kubeconfig's launcher pins it). */
const kubectlEnv = { HOME: home, PATH: '/usr/bin:/bin', KUBECONFIG: path.join(qs, 'kubeconfig') };
const clusterKubeconfig = path.join(qs, 'cluster.kubeconfig');
const centralCa = path.join(qs, 'central', 'ca.crt');
let port: number;
let agentPort: number;
let server: string;
let central: BackgroundProcess;
let agent: BackgroundProcess;
let agentArgs: string[];
let password = '';

const kgate = (args: string[], input = '') =>
  run(process.execPath, [npxBin('kgate'), ...args], { ...base, KUBECONFIG: kubectlEnv.KUBECONFIG }, input);
const kubectl = (args: string[], input = '') => run(kubectlBin, args, kubectlEnv, input);
/** kubectl as "another client": straight to the cluster with its admin kubeconfig. */
const otherClient = (args: string[]) =>
  run(kubectlBin, ['--kubeconfig', clusterKubeconfig, ...args], kubectlEnv);

function startCentral(): BackgroundProcess {
  return start(
    process.execPath,
    [
      npxBin('kgate-central'),
      '--data-dir',
      path.join(qs, 'central'),
      '--listen',
      `127.0.0.1:${port}`,
      '--agent-listen',
      `127.0.0.1:${agentPort}`,
    ],
    { ...base, KGATE_SERVER_HEARTBEAT_INTERVAL: `${heartbeatMs}ms` },
  );
}

/** `dev`'s status, straight from central's API with the CLI's stored access token. */
function devStatus(): Promise<string | undefined> {
  const tokens = path.join(home, '.kgate', 'tokens');
  const file = readdirSync(tokens)[0] ?? '';
  const { accessToken } = JSON.parse(readFileSync(path.join(tokens, file), 'utf8')) as {
    accessToken: string;
  };
  return new Promise((resolve, reject) => {
    const req = https.get(`${server}/clusters`, {
      ca: readFileSync(centralCa, 'utf8'),
      headers: { authorization: `Bearer ${accessToken}` },
      agent: false,
      timeout: 5_000,
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => {
        const clusters = (JSON.parse(body) as { clusters?: { name: string; status: string }[] }).clusters;
        resolve(clusters?.find((c) => c.name === 'dev')?.status);
      });
    });
    req.on('error', reject);
  });
}

async function listedStatus(): Promise<string | undefined> {
  const list = await kgate(['clusters', 'list', '-o', 'json']);
  assert.equal(list.code, 0, list.stderr);
  return (JSON.parse(list.stdout) as { items: { name: string; status: string }[] }).items.find(
    (c) => c.name === 'dev',
  )?.status;
}

before(async () => {
  [port, agentPort] = [await freePort(), await freePort()];
  server = `https://127.0.0.1:${port}`;
  writeFileSync(
    path.join(qs, 'rbac.yaml'),
    '- subjects: [{ kind: Group, name: "kgate:role:admin" }]\n  verbs: ["*"]\n  apiGroups: ["*"]\n  resources: ["*"]\n',
  );
  const apiserver = start(
    process.execPath,
    [
      npxBin('kgate-testkit'),
      'apiserver',
      '--listen',
      '127.0.0.1:0',
      '--write-kubeconfig',
      clusterKubeconfig,
      '--rbac-file',
      path.join(qs, 'rbac.yaml'),
    ],
    base,
  );
  central = startCentral();
  await apiserver.waitFor(/kubeconfig: /);
  await central.waitFor(/kgate-central is listening/);
  password = /one-time password:\n\n {4}(\S+)\n/.exec(central.output())?.[1] ?? '';
});

after(async () => {
  for (const proc of procs) await proc.stop('SIGKILL');
  rmSync(qs, { recursive: true, force: true });
});

describe('the quickstart', { timeout: 90_000 }, () => {
  test('kgate login takes the one-time password central printed, and refuses a wrong one', async () => {
    assert.match(password, /^[A-Za-z0-9_-]{24}$/, 'central printed a password');
    const login = ['login', '--server', server, '--certificate-authority', centralCa, '--username', 'admin'];
    const wrong = await kgate([...login, '--password-stdin'], 'not-the-password\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong username or password/);
    const right = await kgate([...login, '--password-stdin'], `${password}\n`);
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stderr, /Logged in to .* as admin/);
  });

  test('admin clusters add prints the agent manifest, pointing at the agent port central published', async () => {
    const added = await kgate(['admin', 'clusters', 'add', 'dev', '-o', 'json']);
    assert.equal(added.code, 0, added.stderr);
    writeFileSync(path.join(qs, 'dev-agent.json'), added.stdout);
    const secret = (
      JSON.parse(added.stdout) as { items: { kind: string; stringData: Record<string, string> }[] }
    ).items.find((o) => o.kind === 'Secret');
    assert.equal(secret?.stringData.CENTRAL_URL, `https://127.0.0.1:${agentPort}`, 'from GET /info');
    // The doc's `grep -o '"AGENT_TOKEN": "[^"]*"' | cut -d'"' -f4`.
    const token = /"AGENT_TOKEN": "([^"]*)"/.exec(readFileSync(path.join(qs, 'dev-agent.json'), 'utf8'))?.[1];
    assert.match(token ?? '', /^kga_/);
    agentArgs = [
      npxBin('kgate-agent'),
      '--central-url',
      secret?.stringData.CENTRAL_URL ?? '',
      '--central-ca',
      centralCa,
      '--cluster-name',
      'dev',
      '--token',
      token ?? '',
      '--kubeconfig',
      clusterKubeconfig,
    ];
  });

  test('the agent connects and kgate clusters list shows dev connected; its token opens no other cluster', async () => {
    agent = start(process.execPath, agentArgs, base);
    await agent.waitFor(/"msg":"registered with central"/);
    assert.equal(
      await eventually('dev connected', async () =>
        (await listedStatus()) === 'connected' ? true : undefined,
      ),
      true,
    );
    const table = await kgate(['clusters', 'list']);
    assert.match(table.stdout, /^\s+dev\s+connected\s+v1\.33\.1\s+0\s/m);

    const impostorArgs = agentArgs.map((a) => (a === 'dev' ? 'prod' : a));
    const impostor = start(process.execPath, impostorArgs, base);
    await impostor.waitFor(/join token was refused for cluster \\"prod\\"/);
    await impostor.stop();
    const names = JSON.parse((await kgate(['clusters', 'list', '-o', 'json'])).stdout).items.map(
      (c: { name: string }) => c.name,
    );
    assert.deepEqual(names, ['dev'], 'no cluster row for prod');
  });

  test('clusters use writes the kubeconfig; kubectl auth whoami through central names admin and kgate groups', async () => {
    const use = await kgate(['clusters', 'use', 'dev']);
    assert.equal(use.code, 0, use.stderr);
    const kubeconfig = readFileSync(kubectlEnv.KUBECONFIG, 'utf8');
    assert.match(kubeconfig, new RegExp(`server: ${server}/k8s/dev`));
    assert.doesNotMatch(kubeconfig, /kgr_|eyJ/, 'no token in the kubeconfig');
    const whoami = await kubectl(['auth', 'whoami']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.match(whoami.stdout, /Username\s+admin\n/);
    assert.match(whoami.stdout, /Groups\s+\[kgate:authenticated kgate:role:admin system:authenticated\]\n/);
  });

  test('get pods -A and apply -f of a Deployment and a ConfigMap work through central', async () => {
    const pods = await kubectl(['get', 'pods', '-A']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stderr, /No resources found/);
    writeFileSync(
      path.join(qs, 'app.yaml'),
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: web-config }',
        'data: { greeting: hello }',
        '---',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: web }',
        'spec:',
        '  replicas: 1',
        '  selector: { matchLabels: { app: web } }',
        '  template:',
        '    metadata: { labels: { app: web } }',
        '    spec: { containers: [{ name: web, image: nginx }] }',
        '',
      ].join('\n'),
    );
    const applied = await kubectl(['apply', '-f', path.join(qs, 'app.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /configmap\/web-config created\ndeployment\.apps\/web created/);
    const seen = await otherClient(['get', 'configmap', 'web-config', '-o', 'jsonpath={.data.greeting}']);
    assert.equal(seen.stdout, 'hello', 'the cluster has it');
  });

  test('get pods -w prints a pod another client creates, and again when it changes', async () => {
    const watch = start(kubectlBin, ['get', 'pods', '-w'], kubectlEnv);
    // kubectl prints nothing for an empty list; give it a moment to list and start watching
    // (were the pod created first, the list would show it: the label below proves the watch).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const created = await otherClient(['run', 'hello', '--image=busybox']);
    assert.equal(created.code, 0, created.stderr);
    await watch.waitFor(/hello\s+1\/1\s+Running/);
    const labelled = await otherClient(['label', 'pod', 'hello', 'stage=demo']);
    assert.equal(labelled.code, 0, labelled.stderr);
    await watch.waitFor(/hello\s+1\/1\s+Running[^\n]*\n(.*\n)*hello\s+1\/1\s+Running/);
    await watch.stop();
  });

  test('logs -f prints a line another client writes to the container', async () => {
    const logs = start(kubectlBin, ['logs', '-f', 'hello'], kubectlEnv);
    await logs.waitFor(/echoing stdin to stdout/);
    const attach = start(
      kubectlBin,
      ['--kubeconfig', clusterKubeconfig, 'attach', '-i', 'hello'],
      kubectlEnv,
    );
    attach.child.stdin.write('a new line\n');
    await logs.waitFor(/a new line/);
    await attach.stop();
    await logs.stop();
  });

  test('exec -i runs sh with stdin, and port-forward echoes bytes', async () => {
    const exec = await kubectl(['exec', '-i', 'hello', '--', 'sh'], 'echo hi\n');
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout, 'hi\n');
    const local = await freePort();
    const forward = start(kubectlBin, ['port-forward', 'pod/hello', `${local}:80`], kubectlEnv);
    await forward.waitFor(new RegExp(`Forwarding from 127\\.0\\.0\\.1:${local} -> 80`));
    const payload = Buffer.from(`bytes through kgate ${Date.now()}`);
    assert.deepEqual(await echoThrough(local, payload, 10_000), payload);
    await forward.stop();
  });

  test('stopping the agent shows dev disconnected at once, and kubectl says the agent is not connected', async () => {
    await agent.stop();
    // "At once": central ended the session because the agent's connection closed, not
    // because heartbeats stopped arriving (a stopwatch would flake on a loaded machine).
    const ended = await central.waitFor(/"msg":"agent session ended"[^\n]*/);
    const line = ended.split('\n').find((l) => l.includes('"msg":"agent session ended"')) ?? '';
    assert.match(line, /"reason":"(control stream closed|agent connection closed)"/);
    await eventually('dev disconnected', async () =>
      (await devStatus()) === 'disconnected' ? true : undefined,
    );
    assert.equal(await listedStatus(), 'disconnected');
    const refused = await kubectl(['get', 'pods']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /ServiceUnavailable.*the agent of cluster "dev" is not connected to kgate-central/,
    );

    agent = start(process.execPath, agentArgs, base);
    await eventually('dev connected again', async () =>
      (await listedStatus()) === 'connected' ? true : undefined,
    );
    const pods = await kubectl(['get', 'pods', '-o', 'name']);
    assert.equal(pods.stdout, 'pod/hello\n', pods.stderr);
  });

  test('central killed and started again: the agent reconnects by itself, and kubectl needs no new login', async () => {
    await central.stop('SIGKILL');
    await agent.waitFor(/"msg":"(disconnected from central|connection to central failed)"/);
    central = startCentral();
    await central.waitFor(/kgate-central is listening/);
    assert.doesNotMatch(central.output(), /one-time password/, 'the same admin, not a new one');
    await eventually('dev connected after the restart', async () =>
      (await devStatus().catch(() => undefined)) === 'connected' ? true : undefined,
    );
    const pods = await kubectl(['get', 'pods', '-o', 'name']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.equal(pods.stdout, 'pod/hello\n');
    const status = await kgate(['clusters', 'list']);
    assert.match(status.stdout, /dev\s+connected/);
  });
});
