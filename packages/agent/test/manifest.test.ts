/**
 * The manifest `kgate admin clusters add` prints and the Kustomize base in
 * deploy/agent: the real kubectl renders and accepts them, they hold the same objects,
 * and the agent's ClusterRole grants impersonation and nothing it does not need.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startApiServer } from '@kgate/testkit/apiserver';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { parseAllDocuments, stringify } from 'yaml';
import { renderAgentManifest } from '../src/manifest.ts';
import { repoRoot } from './support/gateway.ts';

type Obj = {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: { apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] }[];
  stringData?: Record<string, string>;
  spec?: unknown;
};

function objects(yamlText: string): Obj[] {
  return parseAllDocuments(yamlText).map((doc) => doc.toJS() as Obj);
}

const options = {
  centralUrl: 'https://central.example.com:8443/ignored-path',
  clusterName: 'prod-eu',
  token: 'kgate-join-abc',
  caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};

describe('agent manifest', () => {
  test('kubectl kustomize renders deploy/agent, with the same objects as the generated manifest', async () => {
    const { stdout } = await promisify(execFile)(kubectlPath('1.33'), [
      'kustomize',
      path.join(repoRoot, 'deploy/agent'),
    ]);
    const base = objects(stdout);
    const generated = objects(renderAgentManifest(options));
    const ids = (list: Obj[]) =>
      list.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    assert.deepEqual(ids(base), ids(generated));
    const role = (list: Obj[]) => list.find((o) => o.kind === 'ClusterRole')?.rules;
    assert.deepEqual(role(base), role(generated));
    const deployment = (list: Obj[]) => list.find((o) => o.kind === 'Deployment')?.spec;
    assert.deepEqual(deployment(base), deployment(generated));
  });

  test('the ClusterRole only impersonates users and groups, and reads nodes and /version', () => {
    const role = objects(renderAgentManifest(options)).find((o) => o.kind === 'ClusterRole');
    assert.deepEqual(role?.rules, [
      { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
      { nonResourceURLs: ['/version'], verbs: ['get'] },
    ]);
    const all = (role?.rules ?? []).flatMap((r) => [...r.verbs, ...(r.resources ?? [])]);
    assert.ok(!all.includes('*'));
    assert.ok(!all.includes('serviceaccounts') && !all.includes('uids') && !all.includes('userextras'));
  });

  test('the Secret carries central, the cluster, the token and the CA; the Deployment reads them', () => {
    const list = objects(renderAgentManifest({ ...options, namespace: 'ops' }));
    const secret = list.find((o) => o.kind === 'Secret');
    assert.deepEqual(secret?.stringData, {
      CENTRAL_URL: 'https://central.example.com:8443',
      CLUSTER_NAME: 'prod-eu',
      AGENT_TOKEN: 'kgate-join-abc',
      CENTRAL_CA: '/etc/kgate/central-ca.crt',
      'central-ca.crt': options.caPem,
    });
    assert.ok(
      list
        .filter((o) => o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding' && o.kind !== 'Namespace')
        .every((o) => o.metadata.namespace === 'ops'),
    );
    const text = JSON.stringify(list.find((o) => o.kind === 'Deployment'));
    assert.match(text, /"secretRef":\{"name":"kgate-agent"\}/);
    assert.match(text, /kgate-agent"\]/);
    assert.match(text, /"readOnlyRootFilesystem":true/);
  });

  test('without a CA the Secret does not point the agent at one', () => {
    const { caPem: _ca, ...withoutCa } = options;
    const secret = objects(renderAgentManifest(withoutCa)).find((o) => o.kind === 'Secret');
    assert.equal(secret?.stringData?.CENTRAL_CA, undefined);
  });

  test('kubectl (strict validation against a cluster’s OpenAPI) accepts the Namespace, ServiceAccount, Secret and Deployment', async () => {
    // The fixture cluster has no RBAC API, so the two RBAC objects are checked above instead.
    const server = await startApiServer();
    try {
      const kubeconfig = path.join(await mkdtemp(path.join(tmpdir(), 'kgate-manifest-')), 'kubeconfig');
      await server.writeKubeconfig(kubeconfig);
      const docs = objects(renderAgentManifest(options)).filter((o) => !o.kind.startsWith('ClusterRole'));
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          kubectlPath('1.33'),
          [
            '--kubeconfig',
            kubeconfig,
            'create',
            '--dry-run=client',
            '--validate=strict',
            '-o',
            'name',
            '-f',
            '-',
          ],
          (error, stdout, stderr) =>
            resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr }),
        );
        child.stdin?.end(docs.map((d) => stringify(d)).join('---\n'));
      });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.trim().split('\n'), [
        'namespace/kgate-system',
        'serviceaccount/kgate-agent',
        'secret/kgate-agent',
        'deployment.apps/kgate-agent',
      ]);
      await rm(path.dirname(kubeconfig), { recursive: true, force: true });
    } finally {
      await server.close();
    }
  });

  test('a central URL that is not https is refused', () => {
    assert.throws(
      () => renderAgentManifest({ ...options, centralUrl: 'http://central:8443' }),
      /is not https/,
    );
  });
});
