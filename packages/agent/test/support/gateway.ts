/**
 * The whole gateway on this machine, for tests and the benchmark: the API server
 * fixture (a cluster), central's agent port and its HTTPS user port with the
 * `/k8s/<cluster>/` proxy, and an agent (in-process, or a real `kgate-agent` process).
 * Every socket is real TLS on 127.0.0.1, port 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  issueServerCertificate,
} from '@kgate/core/pki';
import {
  type ApiServer,
  type ApiServerOptions,
  type RbacRule,
  startApiServer,
} from '@kgate/testkit/apiserver';
import { stringify } from 'yaml';
import { createK8sProxy, type K8sProxy, type ProxyTunnel } from '../../../central/src/proxy/index.ts';
import {
  type AssertionSigner,
  type ClusterRef,
  createAssertionSigner,
  createTunnelServer,
  type TunnelLogger,
  type TunnelServer,
} from '../../../central/src/tunnel/index.ts';
import { type RunningAgent, type StartAgentOptions, startAgent } from '../../src/agent.ts';
import type { ApiServerTarget } from '../../src/apiserver/target.ts';
import { createLogger, type Logger, silentLogger } from '../../src/log.ts';
import { TestClusters, TestJoinTokens, TestPresence, TestRecorder, TestUsers } from './ports.ts';

/** The agent's ServiceAccount in the fixture cluster. */
export const agentUser = 'system:serviceaccount:kgate-system:kgate-agent';

/**
 * The fixture cluster's RBAC that the gateway needs: the agent may impersonate users and
 * groups and read nodes (the cluster metadata it reports), and kgate's admin role may do anything.
 */
export const gatewayRbac: RbacRule[] = [
  {
    subjects: [{ kind: 'User', name: agentUser }],
    verbs: ['impersonate'],
    apiGroups: [''],
    resources: ['users', 'groups'],
  },
  {
    subjects: [{ kind: 'User', name: agentUser }],
    verbs: ['get', 'list'],
    apiGroups: [''],
    resources: ['nodes'],
  },
  {
    subjects: [{ kind: 'Group', name: 'kgate:role:admin' }],
    verbs: ['*'],
    apiGroups: ['*'],
    resources: ['*'],
  },
];

export const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  clusterName?: string;
  heartbeatIntervalMs?: number;
  /** Extra fixture options (RBAC rules are added to the gateway's own). */
  apiserver?: ApiServerOptions;
  /** Start an in-process agent right away (default true). */
  agent?: boolean;
  /** Agent options (backoff, idle streams). */
  agentOptions?: Partial<StartAgentOptions>;
  /** Log agent and tunnel records to stderr (for debugging a test). */
  verbose?: boolean;
  /** Lifetime of the agents' client certificates (the tunnel's default: 1 h). */
  agentCertificateTtlMs?: number;
  /** Where central's agent port logs (default: as the agent, see `verbose`). */
  tunnelLogger?: TunnelLogger;
}

export interface Gateway {
  readonly apiserver: ApiServer;
  readonly cluster: ClusterRef;
  readonly joinToken: string;
  readonly agentSaToken: string;
  /** PEM of the CA of central's ports. */
  readonly centralCaPem: string;
  /**
   * The CA of central's ports, which also signs the agents' client certificates (as
   * central's own CA does); the same across {@link restartTunnel}.
   */
  readonly ca: CertificateAuthority;
  readonly users: TestUsers;
  readonly joinTokens: TestJoinTokens;
  readonly clusters: TestClusters;
  readonly presence: TestPresence;
  readonly recorder: TestRecorder;
  readonly signer: AssertionSigner;
  /** `https://127.0.0.1:port` of central's user port. */
  readonly centralUrl: string;
  /** `https://127.0.0.1:port` of central's agent port. */
  readonly tunnelUrl: string;
  readonly tunnel: () => TunnelServer;
  readonly proxy: K8sProxy;
  /** A temporary directory removed by {@link close}. */
  readonly dir: string;
  /** The apiserver as the in-process agent reaches it. */
  readonly target: ApiServerTarget;
  /** The in-process agent, when one runs. */
  agent: RunningAgent | undefined;
  /** Starts an in-process agent. */
  startAgent(options?: Partial<StartAgentOptions>): RunningAgent;
  /** Starts a real `kgate-agent` process (reaching the fixture through a kubeconfig). */
  spawnAgent(extraArgs?: string[], env?: Record<string, string>): Promise<AgentProcess>;
  /** Waits until the cluster's agent is connected. */
  waitConnected(timeoutMs?: number): Promise<void>;
  /** Writes a kubeconfig for kubectl pointing at `/k8s/<cluster>` with a user token; returns its path. */
  kubeconfigFor(token: string, name?: string): Promise<string>;
  /** Stops central's agent port (every session ends) and starts a new one on the same port. */
  restartTunnel(down?: () => Promise<void>): Promise<void>;
  /** Stops the agent port without starting it again. */
  stopTunnel(): Promise<void>;
  close(): Promise<void>;
}

/** A `kgate-agent` child process with its stderr lines. */
export interface AgentProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first stderr JSON record whose `msg` matches. */
  waitForLog(msg: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function listen(server: https.Server | import('node:net').Server, port = 0): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the gateway. */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const clusterName = options.clusterName ?? 'test-cluster';
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
  const dir = await mkdtemp(path.join(tmpdir(), 'kgate-gateway-'));
  const agentSaToken = `sa-${randomBytes(16).toString('hex')}`;
  const apiserver = await startApiServer({
    ...options.apiserver,
    tokens: [
      { token: agentSaToken, user: agentUser, groups: ['system:serviceaccounts'] },
      ...(options.apiserver?.tokens ?? []),
    ],
    rbac: [
      ...gatewayRbac,
      {
        subjects: [{ kind: 'Group', name: 'kgate:role:viewer' }],
        verbs: ['get', 'list', 'watch'],
        apiGroups: ['*'],
        resources: ['*'],
      },
      ...(options.apiserver?.rbac ?? []),
    ],
  });

  const ca = await createCertificateAuthority({ commonName: 'kgate-central test CA' });
  const serving = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const centralCaPem = ca.certPem;
  await writeFile(path.join(dir, 'central-ca.crt'), centralCaPem);

  const cluster: ClusterRef = { clusterId: `cl-${randomBytes(4).toString('hex')}`, clusterName };
  const joinToken = `kgate-join-${randomBytes(24).toString('base64url')}`;
  const users = new TestUsers();
  const joinTokens = new TestJoinTokens();
  joinTokens.add(joinToken, cluster);
  const clusters = new TestClusters();
  clusters.add(cluster);
  const presence = new TestPresence();
  const recorder = new TestRecorder();
  const signer = await createAssertionSigner({ issuer: 'https://central.test' });
  const logger: Logger = options.verbose ? createLogger(process.stderr, 'debug') : silentLogger;

  const makeTunnel = () =>
    createTunnelServer({
      tls: { cert: serving.certPem, key: serving.keyPem },
      ca,
      ...(options.agentCertificateTtlMs === undefined
        ? {}
        : { agentCertificateTtlMs: options.agentCertificateTtlMs }),
      agents: joinTokens,
      presence,
      signer,
      heartbeatIntervalMs,
      logger: options.tunnelLogger ?? logger,
    });
  let tunnel = makeTunnel();
  const tunnelPort = (await tunnel.listen(0, '127.0.0.1')).port;
  let tunnelUp = true;
  const tunnelUrl = `https://127.0.0.1:${tunnelPort}`;

  const proxyTunnel: ProxyTunnel = {
    isConnected: (id) => tunnelUp && tunnel.isConnected(id),
    openExchange: (id, handlers, timeoutMs) => tunnel.openExchange(id, handlers, timeoutMs),
  };
  const proxy = createK8sProxy({ users, clusters, tunnel: proxyTunnel, signer, recorder, logger });
  const userServer = https.createServer({ cert: serving.certPem, key: serving.keyPem });
  userServer.on('request', (req, res) => {
    if (proxy.matches(req.url)) proxy.handleRequest(req, res);
    else res.writeHead(404).end();
  });
  userServer.on('upgrade', (req, socket, head) => {
    if (proxy.matches(req.url)) proxy.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  const centralUrl = `https://127.0.0.1:${(await listen(userServer)).port}`;

  const target: ApiServerTarget = {
    url: new URL(apiserver.url),
    tls: { ca: apiserver.caPem, rejectUnauthorized: true },
    authorization: () => `Bearer ${agentSaToken}`,
    source: 'test',
  };
  const children = new Set<AgentProcess>();

  const gateway: Gateway = {
    apiserver,
    cluster,
    joinToken,
    agentSaToken,
    centralCaPem,
    ca,
    users,
    joinTokens,
    clusters,
    presence,
    recorder,
    signer,
    centralUrl,
    tunnelUrl,
    tunnel: () => tunnel,
    proxy,
    dir,
    target,
    agent: undefined,
    startAgent(agentOptions = {}) {
      const agent = startAgent({
        centralUrl: tunnelUrl,
        centralCa: centralCaPem,
        clusterName,
        token: joinToken,
        target,
        logger,
        backoff: { baseMs: 50, capMs: 500 },
        ...options.agentOptions,
        ...agentOptions,
      });
      gateway.agent = agent;
      return agent;
    },
    async spawnAgent(extraArgs = [], env = {}) {
      const kubeconfig = path.join(dir, `agent-kubeconfig-${randomBytes(3).toString('hex')}`);
      await writeFile(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'fixture',
              cluster: {
                server: apiserver.url,
                'certificate-authority-data': Buffer.from(apiserver.caPem).toString('base64'),
              },
            },
          ],
          users: [{ name: 'agent', user: { token: agentSaToken } }],
          contexts: [{ name: 'fixture', context: { cluster: 'fixture', user: 'agent' } }],
          'current-context': 'fixture',
        }),
        { mode: 0o600 },
      );
      const child = spawn(
        path.join(repoRoot, 'node_modules', '.bin', 'node'),
        [
          path.join(repoRoot, 'packages/agent/bin/kgate-agent.ts'),
          '--central-url',
          tunnelUrl,
          '--cluster-name',
          clusterName,
          '--central-ca',
          path.join(dir, 'central-ca.crt'),
          '--kubeconfig',
          kubeconfig,
          ...extraArgs,
        ],
        {
          env: { PATH: process.env.PATH ?? '', HOME: dir, AGENT_TOKEN: joinToken, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const lines: string[] = [];
      const listeners = new Set<() => void>();
      let buffered = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (text: string) => {
        buffered += text;
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const line of parts) lines.push(line);
        for (const listener of [...listeners]) listener();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const proc: AgentProcess = {
        child,
        lines,
        waitForLog(msg, timeoutMs = 15_000) {
          return new Promise((resolve, reject) => {
            let from = 0;
            const check = () => {
              for (; from < lines.length; from++) {
                try {
                  const record = JSON.parse(lines[from] ?? '') as Record<string, unknown>;
                  if (typeof record.msg === 'string' && msg.test(record.msg)) {
                    listeners.delete(check);
                    clearTimeout(timer);
                    resolve(record);
                    return;
                  }
                } catch {
                  // not a JSON record
                }
              }
            };
            const timer = setTimeout(() => {
              listeners.delete(check);
              reject(new Error(`agent logged no "${msg}" within ${timeoutMs} ms:\n${lines.join('\n')}`));
            }, timeoutMs);
            listeners.add(check);
            check();
          });
        },
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          children.delete(proc);
          return exited;
        },
      };
      children.add(proc);
      return proc;
    },
    async waitConnected(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!proxyTunnel.isConnected(cluster.clusterId)) {
        if (Date.now() > deadline) throw new Error(`the agent did not connect within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async kubeconfigFor(token, name = 'kgate') {
      const file = path.join(dir, `kubeconfig-${name}-${randomBytes(3).toString('hex')}`);
      await writeFile(
        file,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name,
              cluster: {
                server: `${centralUrl}/k8s/${clusterName}`,
                'certificate-authority-data': Buffer.from(centralCaPem).toString('base64'),
              },
            },
          ],
          users: [{ name, user: { token } }],
          contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
          'current-context': name,
        }),
        { mode: 0o600 },
      );
      return file;
    },
    async stopTunnel() {
      if (!tunnelUp) return;
      tunnelUp = false;
      await tunnel.close();
    },
    async restartTunnel(down) {
      await gateway.stopTunnel();
      await down?.();
      tunnel = makeTunnel();
      await tunnel.listen(tunnelPort, '127.0.0.1');
      tunnelUp = true;
    },
    async close() {
      await gateway.agent?.stop();
      for (const child of [...children]) await child.stop('SIGKILL');
      await gateway.stopTunnel();
      await new Promise<void>((resolve) => {
        userServer.close(() => resolve());
        userServer.closeAllConnections();
      });
      await apiserver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (options.agent !== false) {
    gateway.startAgent();
    await gateway.waitConnected();
  }
  return gateway;
}
