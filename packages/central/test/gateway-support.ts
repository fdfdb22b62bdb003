/**
 * For the gateway tests: a fixture cluster whose RBAC grants kgate's groups, an
 * in-process kgate-agent dialling a real central, kubeconfigs for kubectl through
 * `/k8s/<cluster>`, and polling with a deadline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Central } from '@kgate/central';
import { type ApiServer, startApiServer } from '@kgate/testkit/apiserver';
import { stringify } from 'yaml';
import { type RunningAgent, startAgent } from '../../agent/src/agent.ts';
import { createLogger } from '../../agent/src/log.ts';

/** The fixture cluster: `kgate:role:admin` may do anything, `kgate:role:viewer` may read. */
export function startCluster(): Promise<ApiServer> {
  return startApiServer({
    rbac: [
      {
        subjects: [{ kind: 'Group', name: 'kgate:role:admin' }],
        verbs: ['*'],
        apiGroups: ['*'],
        resources: ['*'],
      },
      {
        subjects: [{ kind: 'Group', name: 'kgate:role:viewer' }],
        verbs: ['get', 'list', 'watch'],
        apiGroups: ['*'],
        resources: ['*'],
      },
    ],
  });
}

/**
 * A fixture cluster whose RBAC lets every kgate user do anything, so that what a test
 * sees refused was refused by central's own RBAC.
 */
export function startOpenCluster(): Promise<ApiServer> {
  return startApiServer({
    rbac: [
      {
        subjects: [{ kind: 'Group', name: 'kgate:authenticated' }],
        verbs: ['*'],
        apiGroups: ['*'],
        resources: ['*'],
      },
    ],
  });
}

/** An in-process agent and the JSON lines it logged. */
export interface TestAgent {
  agent: RunningAgent;
  records: () => Record<string, unknown>[];
  /** Everything it logged, as text (to check that no token is in it). */
  text: () => string;
  stop(): Promise<void>;
}

/**
 * Starts an agent for `clusterName` with `token`, reaching the fixture with its admin
 * credential (group system:masters, so it may impersonate), retrying fast.
 */
export function startTestAgent(
  central: Pick<Central, 'agentUrl' | 'caCertPem'>,
  apiserver: ApiServer,
  clusterName: string,
  token: string,
): TestAgent {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const agent = startAgent({
    centralUrl: central.agentUrl,
    centralCa: central.caCertPem,
    clusterName,
    token,
    target: {
      url: new URL(apiserver.url),
      tls: { ca: apiserver.caPem, rejectUnauthorized: true },
      authorization: () => `Bearer ${apiserver.adminToken}`,
      source: 'test',
    },
    logger: createLogger(out, 'debug'),
    backoff: { baseMs: 50, capMs: 300 },
  });
  return {
    agent,
    text: () => text,
    records: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stop: () => agent.stop(),
  };
}

/** A temporary directory, removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-gateway-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a kubeconfig for kubectl through central's `/k8s/<cluster>` with a bearer token. */
export function writeKubeconfig(
  dir: string,
  central: Pick<Central, 'url' | 'caCertPem'>,
  cluster: string,
  token: string,
): string {
  const file = path.join(dir, `kubeconfig-${cluster}-${Math.random().toString(36).slice(2, 8)}`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'kgate',
          cluster: {
            server: `${central.url}/k8s/${cluster}`,
            'certificate-authority-data': Buffer.from(central.caCertPem).toString('base64'),
          },
        },
      ],
      users: [{ name: 'kgate', user: { token } }],
      contexts: [{ name: 'kgate', context: { cluster: 'kgate', user: 'kgate', namespace: 'default' } }],
      'current-context': 'kgate',
    }),
    { mode: 0o600 },
  );
  return file;
}

/** Polls `check` until it returns something other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
