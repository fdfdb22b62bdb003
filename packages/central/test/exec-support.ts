/**
 * For the `POST /clusters/{name}/exec` tests: the fixture cluster with a namespace, a pod
 * and a ConfigMap, central running kubectl 1.33, and an agent connecting cluster `dev`.
 */
import assert from 'node:assert/strict';
import type { ApiServer } from '@kgate/testkit/apiserver';
import { kubectlPath } from '@kgate/testkit/kubectl';
import type { ExecResponseJson } from '../src/api/exec.ts';
import { eventually, startCluster, startTestAgent, type TestAgent } from './gateway-support.ts';
import {
  type ClusterJson,
  type HttpResult,
  removeDataDir,
  startTestCentral,
  type TestCentral,
} from './helpers/central.ts';

/** The whole gateway, ready for exec calls. */
export interface ExecGateway {
  apiserver: ApiServer;
  t: TestCentral;
  /** The admin's access token. */
  admin: string;
  agent: TestAgent;
  /** `POST /clusters/{cluster}/exec` with `token`. */
  exec<T = ExecResponseJson>(
    token: string,
    command: unknown,
    stdin?: string,
    cluster?: string,
  ): Promise<HttpResult<T>>;
  stop(): Promise<void>;
}

/** Starts it; `env` adds KGATE_* settings (KGATE_EXEC_KUBECTL_PATH is kubectl 1.33). */
export async function startExecGateway(env: Record<string, string> = {}): Promise<ExecGateway> {
  const apiserver = await startCluster();
  apiserver.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  apiserver.store.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'team-a' },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
  });
  apiserver.store.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
    data: { greeting: 'hello' },
  });
  const t = await startTestCentral({ env: { KGATE_EXEC_KUBECTL_PATH: kubectlPath('1.33'), ...env } });
  const admin = (await t.login('admin', t.adminPassword)).access;
  const created = await t.req<{ join_token: string }>('POST', '/clusters', {
    token: admin,
    body: { name: 'dev' },
  });
  assert.equal(created.status, 201, created.text);
  const agent = startTestAgent(t.central, apiserver, 'dev', created.json.join_token);
  await eventually('cluster dev connected', async () => {
    const list = await t.req<{ clusters: ClusterJson[] }>('GET', '/clusters', { token: admin });
    return list.json.clusters.find((c) => c.name === 'dev' && c.status === 'connected');
  });
  return {
    apiserver,
    t,
    admin,
    agent,
    exec: (token, command, stdin, cluster = 'dev') =>
      t.req('POST', `/clusters/${cluster}/exec`, {
        token,
        body: stdin === undefined ? { command } : { command, stdin },
      }),
    async stop() {
      await agent.stop();
      await t.stop();
      await apiserver.close();
      removeDataDir(t.dataDir);
    },
  };
}
