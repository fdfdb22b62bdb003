/**
 * One process of the gateway benchmark (bench/gateway.ts starts them):
 *
 *   node bench/gateway-node.ts cluster   the API server fixture with a ConfigMap to GET, and
 *                                        the kubeconfig a kgate-agent reaches it with
 *   node bench/gateway-node.ts central [--cache-tokens-ms N] [--cache-identities-ms N] [--audit FILE]
 *                                        central's agent port and user port (/k8s/…);
 *                                        with --audit, central's write-ahead audit log in
 *                                        a SQLite database at FILE, or in PostgreSQL when
 *                                        FILE is a postgres:// URL (as kgate-central runs it)
 *                                        (a stdin line `stats` prints the audit log's
 *                                        flushes and rows so far as a JSON line)
 *   node bench/gateway-node.ts database-load <postgres:// URL>
 *                                        the database's side of the audit alone: on a stdin
 *                                        line `rate R B` it writes R audit rows a second in
 *                                        B-row batches (the PostgreSQL writer's statements,
 *                                        rows like the benchmark's, their hashes not
 *                                        computed); `stop` stops
 *   node bench/gateway-node.ts bare-proxy <apiserver URL> <CA PEM file>
 *                                        the least any extra Node hop costs: an HTTPS
 *                                        server relaying each request with a keep-alive
 *                                        HTTPS client, nothing checked (a reference)
 *
 * Each prints one JSON line with what the others need, then serves until stdin closes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createCertificateAuthority, issueServerCertificate } from '@kgate/core/pki';
import { startApiServer } from '@kgate/testkit/apiserver';
import { agentUser, gatewayRbac } from '../packages/agent/test/support/gateway.ts';
import {
  TestClusters,
  TestJoinTokens,
  TestPresence,
  TestUsers,
} from '../packages/agent/test/support/ports.ts';
import { HASHED_COLUMNS } from '../packages/central/src/audit/chain.ts';
import { createAuditLog } from '../packages/central/src/audit/log.ts';
import { COPY_AUDIT_LOG, copyText, sendCopy } from '../packages/central/src/audit/postgres-writer.ts';
import { newRequestId } from '../packages/central/src/audit/request-id.ts';
import { beginRow, endRow } from '../packages/central/src/audit/rows.ts';
import { auditRecorder } from '../packages/central/src/gateway/recorder.ts';
import { createK8sProxy } from '../packages/central/src/proxy/index.ts';
import { IDLE_CONNECTION_TIMEOUT_MS } from '../packages/central/src/startup/servers.ts';
import { openStore } from '../packages/central/src/store/index.ts';
import { createAssertionSigner, createTunnelServer } from '../packages/central/src/tunnel/index.ts';

async function cluster(): Promise<() => Promise<void>> {
  const saToken = `sa-${randomBytes(16).toString('hex')}`;
  const directToken = `direct-${randomBytes(16).toString('hex')}`;
  const server = await startApiServer({
    tokens: [
      { token: saToken, user: agentUser, groups: ['system:serviceaccounts'] },
      // The direct client gets the same groups central asserts for the benchmark user.
      { token: directToken, user: 'bench', groups: ['kgate:authenticated', 'kgate:role:admin'] },
    ],
    rbac: gatewayRbac,
  });
  server.store.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'default' },
    data: { greeting: 'hello from the benchmark', size: 'x'.repeat(256) },
  });
  // The kgate-agent's kubeconfig (the ServiceAccount token), rendered by the fixture.
  const agentKubeconfig = server.kubeconfig({ user: { token: saToken }, context: 'bench' });
  process.stdout.write(
    `${JSON.stringify({ url: server.url, caPem: server.caPem, saToken, directToken, agentKubeconfig })}\n`,
  );
  return () => server.close();
}

async function central(args: string[]): Promise<() => Promise<void>> {
  const { values } = parseArgs({
    args,
    options: {
      // Unset: the proxy's defaults (token signatures cached 60 s, users loaded per request).
      'cache-tokens-ms': { type: 'string' },
      'cache-identities-ms': { type: 'string' },
      audit: { type: 'string' },
    },
  });
  const store =
    values.audit === undefined
      ? undefined
      : await openStore(
          values.audit.startsWith('postgres://')
            ? { driver: 'postgres', url: values.audit }
            : { driver: 'sqlite', path: values.audit },
        );
  const audit = store === undefined ? undefined : createAuditLog(store);
  const ca = await createCertificateAuthority({ commonName: 'kgate bench CA' });
  const serving = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const clusterRef = { clusterId: 'bench-id', clusterName: 'bench' };
  const joinToken = `join-${randomBytes(24).toString('base64url')}`;
  const users = new TestUsers();
  const joinTokens = new TestJoinTokens();
  joinTokens.add(joinToken, clusterRef);
  const clusters = new TestClusters();
  clusters.add(clusterRef);
  const signer = createAssertionSigner();
  const tunnel = createTunnelServer({
    tls: { cert: serving.certPem, key: serving.keyPem },
    agents: joinTokens,
    presence: new TestPresence(),
    signer,
  });
  const tunnelPort = (await tunnel.listen(0, '127.0.0.1')).port;
  const proxy = createK8sProxy({
    users,
    clusters,
    tunnel,
    signer,
    ...(audit === undefined ? {} : { recorder: auditRecorder(audit) }),
    ...(values['cache-tokens-ms'] === undefined ? {} : { cacheTokensMs: Number(values['cache-tokens-ms']) }),
    ...(values['cache-identities-ms'] === undefined
      ? {}
      : { cacheIdentitiesMs: Number(values['cache-identities-ms']) }),
  });
  const server = https.createServer({ cert: serving.certPem, key: serving.keyPem });
  server.keepAliveTimeout = IDLE_CONNECTION_TIMEOUT_MS;
  server.on('request', (req, res) =>
    proxy.matches(req.url) ? proxy.handleRequest(req, res) : res.writeHead(404).end(),
  );
  server.on('upgrade', (req, socket, head) =>
    proxy.matches(req.url) ? proxy.handleUpgrade(req, socket, head) : socket.destroy(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const userPort = (server.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({
      centralUrl: `https://127.0.0.1:${userPort}`,
      tunnelUrl: `https://127.0.0.1:${tunnelPort}`,
      caPem: ca.certPem,
      userToken: await users.token('bench', ['admin'], 3600),
      joinToken,
      clusterName: clusterRef.clusterName,
    })}\n`,
  );
  commands.on('line', (line) => {
    if (line === 'stats') process.stdout.write(`${JSON.stringify(audit?.stats() ?? null)}\n`);
  });
  return async () => {
    if (audit !== undefined) process.stderr.write(`audit: ${JSON.stringify(audit.stats())}\n`);
    await audit?.close();
    await store?.close();
    await tunnel.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/**
 * What the PostgreSQL-audited central's database does, without central: batches of rows
 * like its own through the writer's statements, at a rate the benchmark sets. Hashes are
 * random (nobody verifies this log), so that this process spends little CPU of its own.
 */
async function databaseLoad(args: string[]): Promise<() => Promise<void>> {
  const [url] = args;
  if (url === undefined || !url.startsWith('postgres://'))
    throw new Error('database-load needs a postgres:// URL');
  const store = await openStore({ driver: 'postgres', url });
  if (store.connectPostgres === undefined) throw new Error('the store has no PostgreSQL connection');
  const connection = await store.connectPostgres();
  const time = new Date();
  const begin = beginRow({
    requestId: newRequestId(),
    time,
    kind: 'proxy',
    userId: 'bench',
    username: 'bench',
    sourceIp: '127.0.0.1',
    clusterId: 'bench-id',
    clusterName: 'bench',
    method: 'GET',
    path: '/api/v1/namespaces/default/configmaps/x',
    verb: 'get',
    apiGroup: '',
    resource: 'configmaps',
    namespace: 'default',
    name: 'x',
    decision: 'allowed',
    rule: 'admin.rules[0]',
  });
  const end = endRow({
    requestId: newRequestId(),
    time,
    status: 200,
    durationMs: 2,
    bytesIn: 0,
    bytesOut: 400,
  });
  // Each row's COPY line from its template's, with its own seq, request id, time and
  // hashes (random: nobody verifies this log), so that this process spends little CPU.
  const fields = (row: typeof begin) =>
    copyText([{ ...row, seq: 0, prev_hash: '', hash: '' }])
      .slice(0, -1)
      .split('\t');
  const templates = [fields(begin), fields(end)];
  // A COPY line lists the hashed columns in their order, then the hash (postgres-writer.ts).
  const place = Object.fromEntries(HASHED_COLUMNS.map((column, i) => [column, i])) as Record<
    (typeof HASHED_COLUMNS)[number],
    number
  >;
  const hashes = Array.from({ length: 256 }, () => randomBytes(32).toString('hex'));
  const hashAt = (seq: number) => hashes[seq % hashes.length] as string;
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing = false;
  async function batch(size: number): Promise<void> {
    let data = '';
    const now = new Date().toISOString();
    for (let i = 0; i < size; i++) {
      seq += 1;
      const line = [...(templates[i % 2] as string[])];
      line[place.prev_hash] = hashAt(seq - 1);
      line[place.seq] = String(seq);
      line[place.request_id] = newRequestId();
      line[place.time] = now;
      line[line.length - 1] = hashAt(seq);
      data += `${line.join('\t')}\n`;
    }
    const moveHead = `update audit_head set seq = ${seq}, hash = '${hashAt(seq)}' where id = 1`;
    await sendCopy(connection, `begin; ${moveHead}; ${COPY_AUDIT_LOG}; commit`, data);
  }
  commands.on('line', (line) => {
    const [command, rate, size] = line.split(' ');
    clearInterval(timer);
    timer = undefined;
    // Answered at once, so that the benchmark knows the load is on (or off).
    process.stdout.write('{}\n');
    if (command !== 'rate') return;
    const rowsPerBatch = Math.max(1, Math.round(Number(size)));
    const intervalMs = (1000 * rowsPerBatch) / Number(rate);
    if (!(intervalMs > 0 && intervalMs < 1000)) return;
    let owed = 0;
    let last = performance.now();
    // Timers fire late on a busy machine: each tick writes the batches the time since the last one calls for.
    timer = setInterval(() => {
      const now = performance.now();
      owed += (now - last) / intervalMs;
      last = now;
      if (writing || owed < 1) return;
      const batches = Math.floor(owed);
      owed -= batches;
      writing = true;
      void (async () => {
        for (let i = 0; i < batches; i++) await batch(rowsPerBatch);
      })()
        .catch((error: unknown) => {
          // The benchmark would measure no load: stop it and say why.
          process.stderr.write(`database-load: ${String(error)}\n`);
          process.exit(1);
        })
        .finally(() => {
          writing = false;
        });
    }, intervalMs);
  });
  process.stdout.write('{}\n');
  return async () => {
    clearInterval(timer);
    await connection.end();
    await store.close();
  };
}

async function bareProxy(args: string[]): Promise<() => Promise<void>> {
  const [upstream, caFile] = args;
  if (upstream === undefined || caFile === undefined)
    throw new Error('bare-proxy needs <apiserver URL> <CA file>');
  const ca = await createCertificateAuthority({ commonName: 'kgate bench CA' });
  const serving = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const url = new URL(upstream);
  const pool = new https.Agent({ keepAlive: true, ca: readFileSync(caFile, 'utf8') });
  const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const out = https.request(
      {
        hostname: url.hostname,
        port: url.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: url.host },
        agent: pool,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ url: `https://127.0.0.1:${port}`, caPem: ca.certPem })}\n`);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    pool.destroy();
  };
}

/** The parent's commands, one a line (the central's `stats`, the database load's `rate`). */
const commands = createInterface({ input: process.stdin });
const role = process.argv[2];
const stop =
  role === 'cluster'
    ? await cluster()
    : role === 'central'
      ? await central(process.argv.slice(3))
      : role === 'bare-proxy'
        ? await bareProxy(process.argv.slice(3))
        : role === 'database-load'
          ? await databaseLoad(process.argv.slice(3))
          : undefined;
if (stop === undefined) {
  process.stderr.write('usage: node bench/gateway-node.ts cluster|central|database-load|bare-proxy\n');
  process.exit(2);
}
// The parent ends the process by closing stdin, so nothing outlives the benchmark.
commands.on('close', () => {
  void stop().finally(() => process.exit(0));
});
