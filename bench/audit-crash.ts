/**
 * The audit log's promise, proved by count: every request that got a response is on
 * record, even when kgate-central is killed with SIGKILL in the middle of the run.
 *
 * Runs the real programs: the API server fixture, `kgate-central` (SQLite in a temp data
 * dir) and `kgate-agent`. 16 clients send GETs through `/k8s/bench/` for the whole run
 * and keep the `Audit-Id` of every response they get. A third of the way in central is
 * killed with SIGKILL and started again on the same ports and data dir; the agent
 * reconnects by itself. At the end the audit log is opened and every response's id is
 * looked up, and the hash chain is verified.
 *
 *   npx node bench/audit-crash.ts [--seconds N]   (default 9 s of traffic)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createAuditLog } from '../packages/central/src/audit/log.ts';
import { openStore } from '../packages/central/src/store/index.ts';

const root = path.resolve(import.meta.dirname, '..');
const node = path.join(root, 'node_modules', '.bin', 'node');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '9' } } });
const seconds = Math.min(Math.max(Number(values.seconds) || 9, 3), 120);
const password = 'bench-admin-password';
const children = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts `node args…` and resolves once a line of its output matches `ready`. */
function startNode(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(node, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => {
        if (ready.test(line)) resolve(child);
      });
    child.once('exit', (code, signal) =>
      reject(new Error(`${args[0]} exited (${code ?? signal}) before it was ready`)),
    );
  });
}

function request(
  agent: https.Agent,
  url: string,
  options: { method?: string; token?: string; body?: unknown } = {},
): Promise<{ status: number; auditId: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: options.method ?? 'GET',
      agent,
      headers: {
        accept: 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const id = res.headers['audit-id'];
        resolve({ status: res.statusCode ?? 0, auditId: typeof id === 'string' ? id : undefined, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

const dir = await mkdtemp(path.join(tmpdir(), 'kgate-audit-crash-'));
try {
  const cluster = await new Promise<{ agentKubeconfig: string }>((resolve, reject) => {
    const child = spawn(node, ['bench/gateway-node.ts', 'cluster'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.add(child);
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`the fixture exited with ${code}`)));
  });
  const kubeconfig = path.join(dir, 'agent-kubeconfig');
  await writeFile(kubeconfig, cluster.agentKubeconfig, { mode: 0o600 });

  const [userPort, agentPort] = [await freePort(), await freePort()];
  const dataDir = path.join(dir, 'central');
  const startCentral = () =>
    startNode(
      [
        'packages/central/bin/kgate-central.ts',
        '--data-dir',
        dataDir,
        '--listen',
        `127.0.0.1:${userPort}`,
        '--agent-listen',
        `127.0.0.1:${agentPort}`,
        '--log-level',
        'warn',
      ],
      { KGATE_BOOTSTRAP_ADMIN_PASSWORD: password },
      /kgate-central: CA certificate/,
    );
  let central = await startCentral();
  const caPem = await import('node:fs/promises').then((fs) =>
    fs.readFile(path.join(dataDir, 'ca.crt'), 'utf8'),
  );
  const base = `https://127.0.0.1:${userPort}`;
  const agentHttp = new https.Agent({ keepAlive: true, ca: caPem, maxSockets: 64 });
  const login = await request(agentHttp, `${base}/auth/login`, {
    method: 'POST',
    body: { username: 'admin', password },
  });
  const token = (JSON.parse(login.body) as { access_token: string }).access_token;
  const created = await request(agentHttp, `${base}/clusters`, {
    method: 'POST',
    token,
    body: { name: 'bench' },
  });
  const joinToken = (JSON.parse(created.body) as { join_token: string }).join_token;
  const caFile = path.join(dir, 'central-ca.crt');
  await writeFile(caFile, caPem);
  await startNode(
    [
      'packages/agent/bin/kgate-agent.ts',
      '--central-url',
      `https://127.0.0.1:${agentPort}`,
      '--cluster-name',
      'bench',
      '--central-ca',
      caFile,
      '--kubeconfig',
      kubeconfig,
      '--log-level',
      'info',
    ],
    { AGENT_TOKEN: joinToken },
    /registered with central/,
  );

  const url = `${base}/k8s/bench/api/v1/namespaces/default/configmaps/x`;
  const answered: Array<{ status: number; auditId: string | undefined }> = [];
  let failedConnections = 0;
  const end = Date.now() + seconds * 1000;
  const killAt = Date.now() + (seconds * 1000) / 3;
  let killed = false;
  const killer = (async () => {
    await new Promise((r) => setTimeout(r, killAt - Date.now()));
    central.kill('SIGKILL');
    killed = true;
    await new Promise((r) => central.once('exit', r));
    central = await startCentral();
  })();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < end) {
        try {
          answered.push(await request(agentHttp, url, { token }));
        } catch {
          failedConnections += 1;
          // Central is down (killed, or starting again): the request got no response.
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }),
  );
  await killer;
  if (!killed) throw new Error('central was never killed');
  central.kill('SIGTERM');
  await new Promise((r) => central.once('exit', r));

  const store = await openStore({ driver: 'sqlite', path: path.join(dataDir, 'central.db') });
  try {
    const rows = await store.db
      .selectFrom('audit_log')
      .select(['request_id', 'phase'])
      .where('phase', '=', 'begin')
      .execute();
    const onRecord = new Set(rows.map((r) => r.request_id));
    const missing = answered.filter((a) => a.auditId === undefined || !onRecord.has(a.auditId));
    const ok = answered.filter((a) => a.status === 200).length;
    const proxyEvents = await store.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('phase', '=', 'begin')
      .where('kind', '=', 'proxy')
      .executeTakeFirst();
    const verify = await createAuditLog(store).verify();
    const byStatus = new Map<number, number>();
    for (const a of answered) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    console.log(
      `${seconds} s of traffic, 16 clients; central SIGKILLed at ${Math.round(seconds / 3)} s and restarted`,
    );
    console.log(
      `responses: ${answered.length} (${[...byStatus].map(([s, n]) => `${n} × ${s}`).join(', ')}); ${failedConnections} attempts got no response (central down)`,
    );
    console.log(`audit events (proxied requests, begin rows): ${Number(proxyEvents?.n ?? 0)}`);
    console.log(
      `responses on record: ${answered.length - missing.length} of ${answered.length}; missing: ${missing.length}`,
    );
    console.log(
      `200 responses: ${ok}; hash chain after the crash: ${verify.ok ? `intact (${verify.rows} rows)` : `BROKEN at ${verify.seq}: ${verify.problem}`}`,
    );
    console.log('target: missing = 0 (N responses ⇒ N audit events), chain intact');
    if (missing.length > 0 || !verify.ok) process.exitCode = 1;
  } finally {
    await store.close();
  }
} finally {
  await Promise.all(
    [...children].map(async (child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.stdin !== null) child.stdin.end();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await rm(dir, { recursive: true, force: true });
}
