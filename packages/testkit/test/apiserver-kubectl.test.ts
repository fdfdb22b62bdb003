/**
 * The real kubectl (1.33 and 1.27) against the API server fixture: what a user sees from
 * `get`, `apply`, `delete`, `get -w`, selectors, chunking and a custom resource must
 * look like what a real cluster shows.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ApiServer, type KubeObject, startApiServer } from '@kgate/testkit/apiserver';
import type { KubectlVersion } from '@kgate/testkit/kubectl';
import { columns, kubectl, kubectlBackground, tempDir } from './apiserver-support.ts';

const versions: KubectlVersion[] = ['1.33', '1.27'];

let server: ApiServer;
let dir: string;
let cleanup: () => Promise<void>;
let kubeconfig: string;

function pod(namespace: string, name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'main', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
  };
}

function namespace(name: string): void {
  server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

before(async () => {
  ({ dir, cleanup } = await tempDir());
  server = await startApiServer();
  kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig);
});

after(async () => {
  await server.close();
  await cleanup();
});

for (const version of versions) {
  describe(`kubectl ${version}`, () => {
    const ns = `k${version.replace('.', '-')}`;

    before(() => {
      namespace(ns);
      server.store.create(pod(ns, 'web-1', { app: 'web', tier: 'fe' }));
      server.store.create(pod(ns, 'web-2', { app: 'web' }));
      server.store.create(pod(ns, 'db-1', { app: 'db', tier: 'be' }));
    });

    test('get pods -A prints the real columns with every pod 1/1 Running', async () => {
      const run = await kubectl(version, kubeconfig, ['get', 'pods', '-A']);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trimEnd().split('\n');
      assert.deepEqual(columns(lines[0] ?? ''), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      const rows = lines
        .slice(1)
        .map(columns)
        .filter((c) => c[0] === ns);
      assert.deepEqual(
        rows.map((c) => c.slice(0, 5)),
        [
          [ns, 'db-1', '1/1', 'Running', '0'],
          [ns, 'web-1', '1/1', 'Running', '0'],
          [ns, 'web-2', '1/1', 'Running', '0'],
        ],
      );
      assert.match(rows[0]?.[5] ?? '', /^\d+s$/);
    });

    test('get pods -o wide adds the IP, node, nominated node and readiness gates columns', async () => {
      const run = await kubectl(version, kubeconfig, ['get', 'pods', '-n', ns, '-o', 'wide']);
      assert.equal(run.code, 0, run.stderr);
      const [header, first] = run.stdout.trimEnd().split('\n');
      assert.deepEqual(columns(header ?? ''), [
        'NAME',
        'READY',
        'STATUS',
        'RESTARTS',
        'AGE',
        'IP',
        'NODE',
        'NOMINATED NODE',
        'READINESS GATES',
      ]);
      const stored = server.store.get('pods', ns, 'db-1');
      const ip = (stored?.status as { podIP?: string } | undefined)?.podIP;
      assert.deepEqual(columns(first ?? '').slice(5), [ip, 'kgate-node', '<none>', '<none>']);
    });

    test('get -o json and -o yaml show the stored object', async () => {
      const stored = server.store.get('pods', ns, 'web-1');
      const json = await kubectl(version, kubeconfig, ['get', 'pod', 'web-1', '-n', ns, '-o', 'json']);
      assert.equal(json.code, 0, json.stderr);
      const obj = JSON.parse(json.stdout) as KubeObject;
      assert.deepEqual(obj, stored);
      const yaml = await kubectl(version, kubeconfig, ['get', 'pods', '-n', ns, '-o', 'yaml']);
      assert.equal(yaml.code, 0, yaml.stderr);
      assert.match(yaml.stdout, /^apiVersion: v1\nitems:\n- apiVersion: v1\n {2}kind: Pod\n/);
      assert.match(yaml.stdout, /\n {4}name: web-2\n/);
      assert.match(yaml.stdout, /\nkind: List\n/);
    });

    test('label selectors pick the pods a user asked for', async () => {
      const names = async (selector: string) => {
        const run = await kubectl(version, kubeconfig, [
          'get',
          'pods',
          '-n',
          ns,
          '-l',
          selector,
          '-o',
          'name',
        ]);
        assert.equal(run.code, 0, run.stderr);
        return run.stdout
          .trim()
          .split('\n')
          .filter((l) => l !== '');
      };
      assert.deepEqual(await names('app=web'), ['pod/web-1', 'pod/web-2']);
      assert.deepEqual(await names('app!=web'), ['pod/db-1']);
      assert.deepEqual(await names('tier in (fe,be),app notin (db)'), ['pod/web-1']);
      assert.deepEqual(await names('!tier'), ['pod/web-2']);
      assert.deepEqual(await names('tier'), ['pod/db-1', 'pod/web-1']);
    });

    test('apply creates, then configures what changed, then reports unchanged', async () => {
      const manifest = (replicas: number, image: string, value: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
        env: [{name: MODE, value: prod}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
data:
  mode: "${value}"
`;
      const file = path.join(dir, `app-${ns}.yaml`);
      await writeFile(file, manifest(2, 'nginx:1.25', 'a'));
      const created = await kubectl(version, kubeconfig, ['apply', '-f', file]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, 'deployment.apps/web created\nconfigmap/settings created\n');
      assert.equal(created.stderr, '');

      await writeFile(file, manifest(3, 'nginx:1.26', 'a'));
      const configured = await kubectl(version, kubeconfig, ['apply', '-f', file]);
      assert.equal(configured.code, 0, configured.stderr);
      assert.equal(configured.stdout, 'deployment.apps/web configured\nconfigmap/settings unchanged\n');
      assert.equal(configured.stderr, '');
      const deploy = server.store.get('deployments', ns, 'web') as {
        metadata: { generation: number };
        spec: { replicas: number; template: { spec: { containers: { image: string; env: unknown[] }[] } } };
      };
      assert.equal(deploy.spec.replicas, 3);
      assert.equal(deploy.metadata.generation, 2);
      assert.equal(deploy.spec.template.spec.containers[0]?.image, 'nginx:1.26');
      assert.deepEqual(deploy.spec.template.spec.containers[0]?.env, [{ name: 'MODE', value: 'prod' }]);
      const patch = server.requests.findLast((r) => r.method === 'PATCH' && r.resource === 'deployments');
      assert.equal(patch?.namespace, ns);

      const unchanged = await kubectl(version, kubeconfig, ['apply', '-f', file]);
      assert.equal(unchanged.stdout, 'deployment.apps/web unchanged\nconfigmap/settings unchanged\n');

      const get = await kubectl(version, kubeconfig, ['get', 'deploy', 'web', '-n', ns]);
      assert.deepEqual(columns(get.stdout.split('\n')[1] ?? '').slice(0, 4), ['web', '3/3', '3', '3']);
    });

    test('get -w prints a change another client makes', async () => {
      const watch = kubectlBackground(version, kubeconfig, ['get', 'pods', '-n', ns, '-w']);
      try {
        await watch.stdout.waitFor((l) => columns(l)[0] === 'web-2');
        const seen = watch.stdout.lines.length;
        server.store.modify('pods', ns, 'web-2', (obj) => {
          const status = obj.status as { containerStatuses: { ready: boolean }[] };
          for (const c of status.containerStatuses) c.ready = false;
        });
        const { line } = await watch.stdout.waitFor((l) => columns(l)[0] === 'web-2', 10_000, seen);
        assert.deepEqual(columns(line).slice(0, 3), ['web-2', '0/1', 'Running']);
      } finally {
        watch.stop();
      }
    });

    test('get --chunk-size pages through the list with continue tokens', async () => {
      const before = server.requests.length;
      const run = await kubectl(version, kubeconfig, [
        'get',
        'pods',
        '-n',
        ns,
        '--chunk-size=1',
        '-o',
        'name',
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split('\n'), ['pod/db-1', 'pod/web-1', 'pod/web-2']);
      const lists = server.requests.slice(before).filter((r) => r.verb === 'list' && r.resource === 'pods');
      assert.equal(lists.length, 3);
      assert.equal(lists.filter((r) => r.query.includes('continue=')).length, 2);
    });

    test('delete removes the pod and a later get says NotFound', async () => {
      server.store.create(pod(ns, 'doomed'));
      const del = await kubectl(version, kubeconfig, ['delete', 'pod', 'doomed', '-n', ns]);
      assert.equal(del.code, 0, del.stderr);
      assert.equal(del.stdout, 'pod "doomed" deleted\n');
      assert.equal(server.store.get('pods', ns, 'doomed'), undefined);
      const get = await kubectl(version, kubeconfig, ['get', 'pod', 'doomed', '-n', ns]);
      assert.equal(get.code, 1);
      assert.equal(get.stderr, 'Error from server (NotFound): pods "doomed" not found\n');
    });

    test('kubectl create generators make the objects (1.33 sends them as protobuf)', async () => {
      const gen = `gen-${ns}`;
      const commands = [
        ['create', 'namespace', gen],
        ['create', 'configmap', 'cm', '-n', gen, '--from-literal=a=b'],
        ['create', 'secret', 'generic', 'sec', '-n', gen, '--from-literal=a=b'],
        ['create', 'deployment', 'dep', '-n', gen, '--image=nginx:1.25', '--replicas=2', '--port=8080'],
        ['create', 'serviceaccount', 'robot', '-n', gen],
        ['create', 'service', 'clusterip', 'svc', '-n', gen, '--tcp=80:8080'],
      ];
      const outputs: string[] = [];
      for (const args of commands) {
        const run = await kubectl(version, kubeconfig, args);
        assert.equal(run.code, 0, run.stderr);
        outputs.push(run.stdout.trim());
      }
      assert.deepEqual(outputs, [
        `namespace/${gen} created`,
        'configmap/cm created',
        'secret/sec created',
        'deployment.apps/dep created',
        'serviceaccount/robot created',
        'service/svc created',
      ]);
      assert.deepEqual(server.store.get('configmaps', gen, 'cm')?.data, { a: 'b' });
      assert.deepEqual(server.store.get('secrets', gen, 'sec')?.data, {
        a: Buffer.from('b').toString('base64'),
      });
      const dep = server.store.get('deployments', gen, 'dep')?.spec as {
        replicas: number;
        selector: unknown;
        template: { spec: { containers: { name: string; image: string; ports: unknown[] }[] } };
      };
      assert.equal(dep.replicas, 2);
      assert.deepEqual(dep.selector, { matchLabels: { app: 'dep' } });
      assert.deepEqual(
        dep.template.spec.containers.map((c) => [c.name, c.image, c.ports]),
        [['nginx', 'nginx:1.25', [{ containerPort: 8080, protocol: 'TCP' }]]],
      );
      const svc = server.store.get('services', gen, 'svc')?.spec as { ports: unknown[]; type: string };
      assert.deepEqual(svc.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
      assert.equal(svc.type, 'ClusterIP');
    });

    test('a ClusterProfile is created, read and merge-patched; a strategic patch is refused', async () => {
      const file = path.join(dir, `cp-${ns}.yaml`);
      await writeFile(
        file,
        `apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ClusterProfile
metadata: {name: east, namespace: ${ns}}
spec: {displayName: East, clusterManager: {name: fleet}}
`,
      );
      const created = await kubectl(version, kubeconfig, ['apply', '-f', file]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, 'clusterprofile.multicluster.x-k8s.io/east created\n');
      const get = await kubectl(version, kubeconfig, ['get', 'clusterprofiles', '-n', ns]);
      assert.deepEqual(columns(get.stdout.split('\n')[0] ?? ''), ['NAME', 'AGE']);
      assert.equal(columns(get.stdout.split('\n')[1] ?? '')[0], 'east');
      const merged = await kubectl(version, kubeconfig, [
        'patch',
        'clusterprofile',
        'east',
        '-n',
        ns,
        '--type',
        'merge',
        '-p',
        '{"spec":{"displayName":"East 2"}}',
      ]);
      assert.equal(merged.code, 0, merged.stderr);
      assert.equal(
        (server.store.get('clusterprofiles', ns, 'east')?.spec as { displayName?: string } | undefined)
          ?.displayName,
        'East 2',
      );
      const strategic = await kubectl(version, kubeconfig, [
        'patch',
        'clusterprofile',
        'east',
        '-n',
        ns,
        '-p',
        '{"spec":{"displayName":"x"}}',
      ]);
      assert.equal(strategic.code, 1);
      assert.match(
        strategic.stderr,
        /the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/,
      );
    });
  });
}
