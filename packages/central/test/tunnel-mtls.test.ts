/**
 * Agent identity by mutual TLS, as an operator sees it: the agent trades its join token
 * for a short-lived client certificate of its cluster once, connects with it, renews it
 * before it expires while kubectl goes on working, and after a restart comes back
 * without its join token when it keeps its state. Central refuses, with a log line that
 * says why and a message the agent logs, every certificate or call that does not belong
 * to the cluster: another cluster's, another CA's, a removed cluster's, or none.
 *
 * Certificates live 8 seconds here (renewed after 60–70 % of that), so renewals happen
 * while the tests watch, with real processes, sockets and kubectl.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { resolveCentralConfig } from '@kgate/central';
import { isKgateError } from '@kgate/core/errors';
import {
  type CertificateAndKey,
  createCertificateAuthority,
  createCertificateRequest,
  parseCertificate,
  signCertificateRequest,
} from '@kgate/core/pki';
import type { ApiServer } from '@kgate/testkit/apiserver';
import { createLogger } from '../../agent/src/log.ts';
import { type Gateway, startGateway } from '../../agent/test/support/gateway.ts';
import { kubectl } from '../../agent/test/support/kubectl.ts';
import type { ClusterRef, TunnelLogger } from '../src/tunnel/index.ts';
import {
  AgentService,
  AsyncQueue,
  type ControlRequestSchema,
  grpcContentType,
  proxyRpcPath,
  sessionHeader,
} from '../src/tunnel/proto.ts';
import { eventually, startCluster, startTestAgent, tempDir } from './gateway-support.ts';
import { type ClusterJson, removeDataDir, startTestCentral, type TestCentral } from './helpers/central.ts';

const ttlMs = 8000;

type ControlInit = MessageInitShape<typeof ControlRequestSchema>;

/** Central's log lines, as the tunnel writes them. */
function captureLog(): TunnelLogger & { find(message: string): Record<string, unknown> | undefined } {
  const lines: { message: string; fields: Record<string, unknown> }[] = [];
  return {
    info: (message, fields = {}) => lines.push({ message, fields }),
    warn: (message, fields = {}) => lines.push({ message, fields }),
    find: (message) => lines.findLast((l) => l.message === message)?.fields,
  };
}

/** An in-process agent's log records. */
function agentLog(): { out: Writable; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { out, records };
}

/**
 * A watch through central's `/k8s/` proxy on a single request: no client retries it, so
 * it shows whether the tunnel stream under it survived.
 */
function watchThroughCentral(
  gateway: Gateway,
  token: string,
): { waitFor(text: string): Promise<void>; close(): void } {
  let body = '';
  let ended: string | undefined;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  const request = https.get(
    `${gateway.centralUrl}/k8s/${gateway.cluster.clusterName}/api/v1/namespaces/default/configmaps?watch=1`,
    { ca: gateway.centralCaPem, headers: { authorization: `Bearer ${token}` }, agent: false },
    (response) => {
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        body += text;
        changed();
      });
      response.on('end', () => {
        ended = 'the watch ended';
        changed();
      });
      response.on('error', (error) => {
        ended = `the watch failed: ${error.message}`;
        changed();
      });
    },
  );
  request.on('error', (error) => {
    ended = `the watch failed: ${error.message}`;
    changed();
  });
  return {
    waitFor(text) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (body.includes(text)) resolve();
          else if (ended !== undefined) reject(new Error(`${ended} before "${text}" arrived`));
          else return;
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close: () => request.destroy(),
  };
}

interface Dialled {
  connection: http2.ClientHttp2Session;
  client: Client<typeof AgentService>;
}

/** A connection to the agent port, with a client certificate or without, and a gRPC client on it. */
function dial(url: string, caPem: string, credentials?: CertificateAndKey): Promise<Dialled> {
  return new Promise((resolve, reject) => {
    const connection = http2.connect(url, {
      createConnection: (authority: URL) =>
        tls.connect({
          host: authority.hostname,
          port: Number(authority.port),
          ca: caPem,
          ALPNProtocols: ['h2'],
          ...(credentials === undefined ? {} : { cert: credentials.certPem, key: credentials.keyPem }),
        }),
    });
    connection.on('error', reject);
    connection.once('connect', () => {
      const transport = createGrpcTransport({
        baseUrl: url,
        sessionManager: {
          authority: url,
          request: (method, urlPath, headers, options) =>
            Promise.resolve(connection.request({ ...headers, ':method': method, ':path': urlPath }, options)),
          notifyResponseByteRead() {},
        },
      });
      resolve({ connection, client: createClient(AgentService, transport) });
    });
  });
}

/** Registers with a join token and a CSR for a new key; returns the certificate and the key. */
async function enroll(dialled: Dialled, clusterName: string, token: string): Promise<CertificateAndKey> {
  const { csrPem, keyPem } = await createCertificateRequest({ commonName: 'test' });
  const response = await dialled.client.register(
    { clusterName, certificateRequest: csrPem, agentVersion: 'test' },
    { headers: { authorization: `Bearer ${token}` } },
  );
  assert.equal(response.sessionId, '', 'a join token starts no session');
  assert.ok(response.certificate, 'central issued a certificate');
  return { certPem: response.certificate.certificatePem, keyPem };
}

/** The code and message a call was refused with. */
async function refusal(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ConnectError) return { code: error.code, message: error.rawMessage };
    throw error;
  }
  throw new Error('the call was not refused');
}

const { Unauthenticated: unauthenticated, PermissionDenied: permissionDenied } = Code;

describe('agents with client certificates', { timeout: 180_000 }, () => {
  let gateway: Gateway;
  let kubeconfig: string;
  let aliceToken: string;
  const log = captureLog();
  const clusterA: ClusterRef = { clusterId: 'id-cluster-a', clusterName: 'cluster-a' };
  const clusterB: ClusterRef = { clusterId: 'id-cluster-b', clusterName: 'cluster-b' };
  const tokenA = 'kga_token-of-cluster-a';
  const tokenB = 'kga_token-of-cluster-b';

  before(async () => {
    gateway = await startGateway({ agent: false, agentCertificateTtlMs: ttlMs, tunnelLogger: log });
    gateway.joinTokens.add(tokenA, clusterA);
    gateway.joinTokens.add(tokenB, clusterB);
    aliceToken = await gateway.users.token('alice', ['admin']);
    kubeconfig = await gateway.kubeconfigFor(aliceToken);
    gateway.apiserver.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'present-from-the-start', namespace: 'default' },
    });
  });

  after(async () => {
    await gateway.close();
  });

  const dialA = (credentials?: CertificateAndKey) =>
    dial(gateway.tunnelUrl, gateway.centralCaPem, credentials);

  test('the agent trades its join token for a short-lived certificate of its cluster, then connects with it', async () => {
    const { out, records } = agentLog();
    const agent = gateway.startAgent({ logger: createLogger(out, 'info') });
    try {
      await gateway.waitConnected();
      // Central registers the session before the agent reads the answer and logs it.
      await eventually('the agent logged its registration', () =>
        records.find((r) => r.msg === 'registered with central'),
      );
      const pem = agent.tunnel.certificate?.certificatePem;
      assert.ok(pem !== undefined, 'the agent holds a certificate');
      const info = parseCertificate(pem);
      assert.equal(info.subject.commonName, 'test-cluster');
      assert.deepEqual(info.subject.organizations, [
        'kgate:agents',
        `kgate:cluster:${gateway.cluster.clusterId}`,
      ]);
      assert.deepEqual(info.extendedKeyUsages, ['clientAuth']);
      assert.equal(info.isCa, false);
      assert.equal(info.issuer.commonName, 'kgate-central test CA');
      const left = info.notAfter.getTime() - Date.now();
      assert.ok(left > 0 && left <= ttlMs, `valid for another ${left} ms`);
      const x509 = new X509Certificate(pem);
      assert.ok(x509.verify(new X509Certificate(gateway.centralCaPem).publicKey), "signed by central's CA");
      assert.equal(x509.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'an ECDSA P-256 key');

      const [session] = gateway.tunnel().registry.list();
      assert.equal(
        session?.certificateExpiresAt?.getTime(),
        Math.floor(info.notAfter.getTime() / 1000) * 1000,
      );
      const messages = records.map((r) => r.msg);
      assert.ok(
        messages.indexOf('received a client certificate from central') <
          messages.indexOf('registered with central'),
        messages.join(', '),
      );
      assert.ok(!JSON.stringify(records).includes('PRIVATE KEY'), 'no key in the log');
    } finally {
      await agent.stop();
    }
  });

  test('kubectl keeps working while the agent renews its certificate, a watch started before the renewal keeps streaming, and the join token is used once', async () => {
    const presented = gateway.joinTokens.presented;
    const agent = await gateway.spawnAgent();
    await agent.waitForLog(/registered with central/);
    const since = gateway.presence.events.length;
    const count = (msg: string) => agent.lines.filter((l) => l.includes(`"msg":"${msg}"`)).length;

    // A request running while the agent switches: it stays on the old connection.
    const watch = watchThroughCentral(gateway, aliceToken);
    const runs: { code: number | null; stderr: string }[] = [];
    let looping = true;
    const loop = (async () => {
      while (looping) runs.push(await kubectl(kubeconfig, ['get', 'configmaps', '-o', 'name']));
    })();
    try {
      await watch.waitFor('"name":"present-from-the-start"');
      // The agent moved to its renewed certificate: a new session, the old one retired.
      await eventually(
        'the first renewal',
        () => (count('registered with central') >= 2 ? true : undefined),
        30_000,
      );
      gateway.apiserver.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'made-after-the-renewal', namespace: 'default' },
      });
      await watch.waitFor('"name":"made-after-the-renewal"');
      await eventually(
        'the second renewal',
        () => (count('registered with central') >= 3 ? true : undefined),
        30_000,
      );
    } finally {
      looping = false;
      await loop;
      watch.close();
    }
    assert.ok(runs.length > 0);
    const failed = runs.filter((r) => r.code !== 0);
    assert.deepEqual(failed, [], `${failed.length} of ${runs.length} kubectl runs failed`);
    assert.ok(count('renewed the client certificate') >= 2);
    assert.equal(count('disconnected from central'), 0, agent.lines.join('\n'));
    assert.equal(count('connection to central failed'), 0, agent.lines.join('\n'));
    assert.equal(gateway.joinTokens.presented, presented + 1, 'the join token was presented once');
    assert.ok(
      !gateway.presence.events.slice(since).some((e) => e.kind === 'disconnected'),
      'the cluster never showed disconnected',
    );
    assert.equal(await agent.stop(), 0);
  });

  test('central ends a session when its certificate expires, and the connection with it', async () => {
    const short: ClusterRef = { clusterId: 'id-short-lived', clusterName: 'short-lived' };
    gateway.joinTokens.add('kga_short', short);
    const plain = await dialA();
    const credentials = await enroll(plain, 'short-lived', 'kga_short');
    plain.connection.destroy();
    const mtls = await dialA(credentials);
    const registered = await mtls.client.register({ clusterName: 'short-lived' });
    // Heartbeats, so that only the certificate can end the session.
    const beats = new AsyncQueue<ControlInit>();
    const timer = setInterval(
      () => beats.push({ message: { case: 'heartbeat', value: { sequence: 1n } } }),
      300,
    );
    const since = gateway.presence.events.length;
    const control = (async () => {
      for await (const _ of mtls.client.control(beats, {
        headers: { [sessionHeader]: registered.sessionId },
      }));
    })().catch(() => {});
    try {
      const ended = await gateway.presence.waitFor(
        (e) => e.kind === 'disconnected' && e.clusterId === short.clusterId,
        3 * ttlMs,
        since,
      );
      assert.equal(ended.kind === 'disconnected' ? ended.reason : '', 'the agent certificate expired');
      await eventually('the connection closed', () =>
        mtls.connection.closed || mtls.connection.destroyed ? true : undefined,
      );
    } finally {
      clearInterval(timer);
      beats.close();
      mtls.connection.destroy();
      await control;
    }
  });

  test('a certificate of one cluster opens no session for another', async () => {
    const plain = await dialA();
    const credentials = await enroll(plain, 'cluster-a', tokenA);
    plain.connection.destroy();
    const mtls = await dialA(credentials);
    try {
      const refused = await refusal(mtls.client.register({ clusterName: 'cluster-b' }));
      assert.equal(refused.code, permissionDenied);
      assert.equal(refused.message, 'the client certificate is for cluster "cluster-a", not "cluster-b"');
      assert.deepEqual(log.find('agent certificate refused for another cluster'), {
        cluster: 'cluster-b',
        certificateCluster: 'cluster-a',
      });
      assert.ok(!gateway.tunnel().isConnected(clusterB.clusterId));
    } finally {
      mtls.connection.destroy();
    }
  });

  test("a certificate central's CA did not sign is refused, even with the right names", async () => {
    const stranger = await createCertificateAuthority({ commonName: 'not central' });
    const { csrPem, keyPem } = await createCertificateRequest({ commonName: 'x' });
    const certPem = await signCertificateRequest(stranger, csrPem, {
      usage: 'client',
      subject: {
        commonName: 'cluster-a',
        organizations: ['kgate:agents', `kgate:cluster:${clusterA.clusterId}`],
      },
    });
    const forged = await dialA({ certPem, keyPem });
    try {
      const refused = await refusal(forged.client.register({ clusterName: 'cluster-a' }));
      assert.equal(refused.code, unauthenticated);
      assert.match(
        refused.message,
        /^the client certificate was refused \(it is not signed by central's CA \(\w+\)\) and no join token was sent$/,
      );
      assert.match(
        String(log.find('agent client certificate refused')?.reason),
        /not signed by central's CA/,
      );
      assert.ok(!gateway.tunnel().isConnected(clusterA.clusterId));
    } finally {
      forged.connection.destroy();
    }
  });

  test('Control, Proxy and renewals on a connection without the client certificate are refused', async () => {
    const plain = await dialA();
    const credentials = await enroll(plain, 'cluster-a', tokenA);
    const mtls = await dialA(credentials);
    try {
      const registered = await mtls.client.register({ clusterName: 'cluster-a' });
      const headers = { [sessionHeader]: registered.sessionId };
      const control = await refusal(
        (async () => {
          for await (const _ of plain.client.control(new AsyncQueue<ControlInit>(), { headers }));
        })(),
      );
      assert.equal(control.code, permissionDenied);
      assert.match(control.message, /^this connection has no valid client certificate/);
      assert.match(String(log.find('agent control stream refused')?.refusal), /no valid client certificate/);

      const proxy = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const stream = plain.connection.request({
          ':method': 'POST',
          ':path': proxyRpcPath,
          'content-type': grpcContentType,
          te: 'trailers',
          ...headers,
        });
        stream.on('response', resolve);
        stream.on('error', reject);
      });
      assert.equal(proxy['grpc-status'], String(permissionDenied));
      assert.match(
        decodeURI(String(proxy['grpc-message'])),
        /^this connection has no valid client certificate/,
      );
      assert.match(String(log.find('agent proxy stream refused')?.refusal), /no valid client certificate/);

      const { csrPem } = await createCertificateRequest({ commonName: 'x' });
      const renewal = await refusal(
        plain.client.renewCertificate({ certificateRequest: csrPem }, { headers }),
      );
      assert.equal(renewal.code, permissionDenied);

      const bare = await refusal(plain.client.register({ clusterName: 'cluster-a' }));
      assert.equal(bare.code, unauthenticated);
      assert.match(bare.message, /no client certificate and the join token is missing/);
    } finally {
      plain.connection.destroy();
      mtls.connection.destroy();
    }
  });

  test('an expired join token gets no certificate', async () => {
    const late: ClusterRef = { clusterId: 'id-late', clusterName: 'late' };
    gateway.joinTokens.add('kga_expired', late, new Date(Date.now() - 1000));
    const plain = await dialA();
    try {
      const refused = await refusal(enroll(plain, 'late', 'kga_expired'));
      assert.equal(refused.code, unauthenticated);
      assert.equal(refused.message, 'the join token was refused for cluster "late"');
      assert.deepEqual(log.find('agent join token refused'), { cluster: 'late' });
    } finally {
      plain.connection.destroy();
    }
  });

  test('a restarted agent with --state-dir comes back without its join token, from a 0600 file', async () => {
    const stateDir = path.join(gateway.dir, 'state');
    const first = await gateway.spawnAgent(['--state-dir', stateDir]);
    await first.waitForLog(/registered with central/);
    await first.stop();
    const file = path.join(stateDir, 'agent-credentials.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
    assert.ok(!(await readFile(file, 'utf8')).includes(gateway.joinToken), 'no join token in the state');

    const presented = gateway.joinTokens.presented;
    const second = await gateway.spawnAgent(['--state-dir', stateDir], { AGENT_TOKEN: '' });
    try {
      await second.waitForLog(/loaded the client certificate/);
      await second.waitForLog(/registered with central/);
      const run = await kubectl(kubeconfig, ['get', 'configmaps', '-o', 'name']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(gateway.joinTokens.presented, presented, 'no join token was presented');
    } finally {
      await second.stop();
    }
  });

  test('an agent whose saved certificate expired registers with its join token again, and says so when it cannot', async () => {
    const stateDir = path.join(gateway.dir, 'expired-state');
    const first = await gateway.spawnAgent(['--state-dir', stateDir]);
    await first.waitForLog(/registered with central/);
    await first.stop();
    // As if the agent had been down for longer than the certificate lives.
    const file = path.join(stateDir, 'agent-credentials.json');
    const expire = async () => {
      const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const past = new Date(Date.now() - 60_000).toISOString();
      await writeFile(file, JSON.stringify({ ...saved, expiresAt: past, renewAt: past }), { mode: 0o600 });
    };
    await expire();
    const withToken = await gateway.spawnAgent(['--state-dir', stateDir]);
    try {
      await withToken.waitForLog(/the saved client certificate has expired/);
      const again = await withToken.waitForLog(/registering with the join token again/);
      assert.match(String(again.reason), /client certificate expired at/);
      await withToken.waitForLog(/registered with central/);
    } finally {
      await withToken.stop();
    }

    await expire();
    const withoutToken = await gateway.spawnAgent(['--state-dir', stateDir], { AGENT_TOKEN: '' });
    try {
      const cannot = await withoutToken.waitForLog(/cannot register with central/);
      assert.equal(cannot.level, 'error');
      assert.match(String(cannot.reason), /client certificate expired at .* and no join token/);
      assert.match(String(cannot.hint), /new join token/);
    } finally {
      await withoutToken.stop();
    }

    await expire();
    const refusedToken = await gateway.spawnAgent(['--state-dir', stateDir], {
      AGENT_TOKEN: 'kga_not-valid',
    });
    try {
      const cannot = await refusedToken.waitForLog(/cannot register with central/);
      assert.match(
        String(cannot.reason),
        /client certificate expired at .* and central refused the join token/,
      );
      const failed = await refusedToken.waitForLog(/connection to central failed/);
      assert.match(String(failed.error), /join token was refused for cluster "test-cluster"/);
    } finally {
      await refusedToken.stop();
    }
    assert.ok(!(await readFile(file, 'utf8')).includes('kga_'), 'no token in the state');
  });

  test('a removed cluster’s certificate is refused at once, though it has not expired', async () => {
    const doomed: ClusterRef = { clusterId: 'id-doomed', clusterName: 'doomed' };
    gateway.joinTokens.add('kga_doomed', doomed);
    const plain = await dialA();
    const credentials = await enroll(plain, 'doomed', 'kga_doomed');
    plain.connection.destroy();
    const before = await dialA(credentials);
    await before.client.register({ clusterName: 'doomed' });
    before.connection.destroy();

    gateway.joinTokens.removeCluster(doomed);
    const after = await dialA(credentials);
    try {
      const refused = await refusal(after.client.register({ clusterName: 'doomed' }));
      assert.equal(refused.code, unauthenticated);
      assert.match(
        refused.message,
        /cluster "doomed" \(id id-doomed\), which central no longer has: it was removed/,
      );
      assert.equal(log.find('agent certificate refused: its cluster was removed')?.cluster, 'doomed');
    } finally {
      after.connection.destroy();
    }
  });
});

test('auth.agent_certificate_ttl defaults to 1h and refuses lifetimes under 5s or over 7d, naming the key', () => {
  const resolve = (env: Record<string, string>) => resolveCentralConfig({ env, flags: {}, home: '/home/x' });
  assert.equal(resolve({}).auth.agentCertificateTtlMs, 3_600_000);
  assert.equal(resolve({ KGATE_AUTH_AGENT_CERTIFICATE_TTL: '10m' }).auth.agentCertificateTtlMs, 600_000);
  for (const [value, why] of [
    ['1s', /KGATE_AUTH_AGENT_CERTIFICATE_TTL: auth.agent_certificate_ttl .*must be at least 5s/],
    ['8d', /must be at most 7d/],
  ] as const)
    assert.throws(
      () => resolve({ KGATE_AUTH_AGENT_CERTIFICATE_TTL: value }),
      (error) => isKgateError(error, 'CONFIG_INVALID') && why.test(error.message),
    );
});

describe('central with auth.agent_certificate_ttl', { timeout: 120_000 }, () => {
  let apiserver: ApiServer;
  let t: TestCentral;
  let admin: string;
  const temp = tempDir();

  before(async () => {
    apiserver = await startCluster();
    t = await startTestCentral({ env: { KGATE_AUTH_AGENT_CERTIFICATE_TTL: '6s' } });
    admin = (await t.login('admin', t.adminPassword)).access;
  });

  after(async () => {
    await t.stop();
    await apiserver.close();
    removeDataDir(t.dataDir);
    temp.cleanup();
  });

  async function addCluster(name: string): Promise<{ token: string; id: string }> {
    const res = await t.req<{ cluster: ClusterJson; join_token: string }>('POST', '/clusters', {
      token: admin,
      body: { name },
    });
    assert.equal(res.status, 201, res.text);
    const row = await t.central.store.clusters.findByName(name);
    assert.ok(row);
    return { token: res.json.join_token, id: row.id };
  }

  test("the agent's certificate comes from central's CA with the configured lifetime, naming the cluster's id", async () => {
    const { token, id } = await addCluster('prod');
    const agent = startTestAgent(t.central, apiserver, 'prod', token);
    try {
      await eventually('prod connected', () =>
        t.central.services.presence.isConnected('prod') ? true : undefined,
      );
      const pem = agent.agent.tunnel.certificate?.certificatePem;
      assert.ok(pem !== undefined);
      const info = parseCertificate(pem);
      assert.ok(info.notAfter.getTime() - Date.now() <= 6000, 'lives 6 s at most');
      assert.ok(info.subject.organizations.includes(`kgate:cluster:${id}`));
      assert.ok(new X509Certificate(pem).verify(new X509Certificate(t.central.caCertPem).publicKey));
      assert.match(t.logs(), /"msg":"agent certificate issued"/);
      assert.ok(!t.logs().includes(token), 'no join token in central’s log');
    } finally {
      await agent.stop();
    }
  });

  test('a cluster removed and added again under its name refuses the old certificate', async () => {
    const { token } = await addCluster('reborn');
    const plain = await dial(t.central.agentUrl, t.central.caCertPem);
    const credentials = await enroll(plain, 'reborn', token);
    plain.connection.destroy();
    assert.equal((await t.req('DELETE', '/clusters/reborn', { token: admin })).status, 204);
    await addCluster('reborn');
    const mtls = await dial(t.central.agentUrl, t.central.caCertPem, credentials);
    try {
      const refused = await refusal(mtls.client.register({ clusterName: 'reborn' }));
      assert.equal(refused.code, unauthenticated);
      assert.match(refused.message, /which central no longer has: it was removed/);
      assert.match(t.logs(), /"msg":"agent certificate refused: its cluster was removed"/);
    } finally {
      mtls.connection.destroy();
    }
  });

  test('a join token past its expiry gets no certificate, and the agent logs why', async () => {
    const { token } = await addCluster('too-late');
    t.clock.advance(25 * 3_600_000);
    const agent = startTestAgent(t.central, apiserver, 'too-late', token);
    try {
      const failed = await eventually('the refusal', () =>
        agent.records().find((r) => r.msg === 'connection to central failed'),
      );
      assert.match(String(failed.error), /join token was refused for cluster "too-late"/);
      const cannot = agent.records().find((r) => r.msg === 'cannot register with central');
      assert.match(String(cannot?.reason), /no client certificate and central refused the join token/);
      assert.match(t.logs(), /"msg":"agent join token refused"/);
    } finally {
      await agent.stop();
    }
  });
});
