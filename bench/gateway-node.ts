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
import { createAuditLog } from '../packages/central/src/audit/log.ts';
import { auditRecorder } from '../packages/central/src/gateway/recorder.ts';
import { createK8sProxy } from '../packages/central/src/proxy/index.ts';
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
  return async () => {
    if (audit !== undefined) process.stderr.write(`audit: ${JSON.stringify(audit.stats())}\n`);
    await audit?.close();
    await store?.close();
    await tunnel.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
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

const role = process.argv[2];
const stop =
  role === 'cluster'
    ? await cluster()
    : role === 'central'
      ? await central(process.argv.slice(3))
      : role === 'bare-proxy'
        ? await bareProxy(process.argv.slice(3))
        : undefined;
if (stop === undefined) {
  process.stderr.write('usage: node bench/gateway-node.ts cluster|central|bare-proxy\n');
  process.exit(2);
}
// The parent ends the process by closing stdin, so nothing outlives the benchmark.
process.stdin.resume();
process.stdin.on('end', () => {
  void stop().finally(() => process.exit(0));
});
