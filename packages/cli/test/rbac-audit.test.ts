/**
 * Central RBAC and the audit log as a new operator meets them, on SQLite and on the
 * PostgreSQL server of this machine: apply the example roles (docs/rbac.md) with
 * `kgate admin roles apply -f`; dev@example.com (developer) reads pods in dev-* clusters
 * but gets a clear Forbidden for delete, for prod and for secrets; ops@example.com
 * (admin) may do all of it; `kgate admin audit -o json` shows each request with the
 * decision and the rule; `kgate admin audit verify` finds the chain intact; and taking
 * a user's roles away, or the user, closes their open watch at once.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Central, resolveCentralConfig, startCentral } from '@kgate/central';
import type { ApiServer } from '@kgate/testkit/apiserver';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { type BackgroundProcess, runProcess, startProcess } from '@kgate/testkit/process';
import { stringify } from 'yaml';
import {
  startOpenCluster,
  startTestAgent,
  type TestAgent,
  writeKubeconfig,
} from '../../central/test/gateway-support.ts';
import { forgeAuditRow } from '../../central/test/helpers/audit-forge.ts';
import { drivers, freshDatabase } from '../../central/test/helpers/databases.ts';
import { kgateBin, loginAs, runKgate, type Sandbox, sandbox } from './support/cli.ts';

const kubectlBin = kubectlPath('1.33');
const PASSWORD = 'a-long-enough-password';

/** The example of docs/rbac.md. */
const ROLES_YAML = `roles:
  - name: developer
    description: Day-to-day work in the dev clusters
    rules:
      - clusters: ["dev-*"]
        namespaces: ["*"]
        resources: ["pods", "deployments", "services", "configmaps"]
        verbs: ["get", "list", "watch", "logs", "exec"]
    deny:
      - clusters: ["*"]
        resources: ["secrets"]
        verbs: ["*"]
  - name: admin
    description: Everything on every cluster, and central administration
    rules:
      - clusters: ["*"]
        resources: ["*"]
        verbs: ["*"]
users:
  - username: dev@example.com
    roles: [developer]
  - username: ops@example.com
    roles: [admin]
`;

interface AuditJson {
  user: string | null;
  cluster: string | null;
  verb: string | null;
  resource: string | null;
  name: string | null;
  decision: string;
  rule: string | null;
  reason: string | null;
  status: number | null;
  kind: string;
}

for (const driver of drivers) {
  describe(`RBAC and audit end to end on ${driver}`, { timeout: 240_000 }, () => {
    let apiserver: ApiServer;
    let central: Central;
    let dropDatabase: () => Promise<void>;
    const agents: TestAgent[] = [];
    const boxes: Record<'admin' | 'dev' | 'ops', Sandbox> = {
      admin: sandbox(),
      dev: sandbox(),
      ops: sandbox(),
    };

    const kgate = async (who: keyof typeof boxes, args: string[], stdin?: string) => {
      const run = await runKgate(args, { env: boxes[who].env, ...(stdin === undefined ? {} : { stdin }) });
      return run;
    };
    const kubectl = (who: keyof typeof boxes, args: string[], kubeconfig?: string) =>
      runProcess(kubectlBin, args, {
        env: {
          ...boxes[who].env,
          ...(kubeconfig === undefined ? {} : { KUBECONFIG: kubeconfig }),
        },
        timeoutMs: 60_000,
      });
    const accessToken = async (who: keyof typeof boxes) => {
      const run = await kgate(who, ['token', '--server', central.url]);
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { status: { token: string } }).status.token;
    };

    before(async () => {
      apiserver = await startOpenCluster();
      for (const name of ['hello', 'other']) {
        apiserver.store.create({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'default' },
          spec: {},
        });
      }
      apiserver.store.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'default' },
        data: {},
      });
      const db = await freshDatabase(driver);
      dropDatabase = db.drop;
      const dataDir = path.join(boxes.admin.dir, 'central');
      central = await startCentral({
        config: resolveCentralConfig({
          env: {},
          flags: { dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', logLevel: 'warn' },
          file: { path: 'central.yaml', text: stringify({ database: db.config }) },
          home: boxes.admin.dir,
        }),
        bootstrapAdminPassword: PASSWORD,
        notices: { write: () => true },
        logDestination: { write: () => true },
        scryptCost: { ln: 10, r: 8, p: 1 },
      });
      const server = { url: central.url, caPem: central.caCertPem };
      await loginAs(boxes.admin, server, 'admin', PASSWORD);
      for (const name of ['dev-1', 'prod']) {
        const added = await kgate('admin', ['admin', 'clusters', 'add', name]);
        assert.equal(added.code, 0, added.stderr);
        const token = /kga_[A-Za-z0-9_-]+/.exec(added.stdout)?.[0];
        assert.ok(token, 'the manifest holds the join token');
        agents.push(startTestAgent(central, apiserver, name, token));
      }
      for (const username of ['dev@example.com', 'ops@example.com']) {
        const created = await kgate(
          'admin',
          ['admin', 'users', 'create', username, '--password-stdin'],
          `${PASSWORD}\n`,
        );
        assert.equal(created.code, 0, created.stderr);
      }
      for (const name of ['dev-1', 'prod'])
        for (;;) {
          const list = await kgate('admin', ['clusters', 'list', '-o', 'json']);
          const items = JSON.parse(list.stdout).items as Array<{ name: string; status: string }>;
          if (items.find((c) => c.name === name)?.status === 'connected') break;
          await new Promise((r) => setTimeout(r, 50));
        }
    });

    after(async () => {
      for (const agent of agents) await agent.stop();
      await central?.close();
      await apiserver?.close();
      await dropDatabase?.();
      for (const box of Object.values(boxes)) box.cleanup();
    });

    test('applying the example roles creates them; applying again changes nothing', async () => {
      const file = boxes.admin.file('roles.yaml', ROLES_YAML);
      const first = await kgate('admin', ['admin', 'roles', 'apply', '-f', file]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(
        first.stdout,
        'role/developer created\nrole/admin updated\nuser/dev@example.com updated\nuser/ops@example.com updated\n',
      );
      const again = await kgate('admin', ['admin', 'roles', 'apply', '-f', file]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(
        again.stdout,
        'role/developer unchanged\nrole/admin unchanged\nuser/dev@example.com unchanged\nuser/ops@example.com unchanged\n',
      );
      const listed = await kgate('admin', ['admin', 'roles', 'list', '-o', 'yaml']);
      assert.equal(listed.code, 0, listed.stderr);
      // What list prints, apply takes back unchanged.
      const roundTrip = await kgate('admin', [
        'admin',
        'roles',
        'apply',
        '-f',
        boxes.admin.file('listed.yaml', listed.stdout),
      ]);
      assert.equal(roundTrip.code, 0, roundTrip.stderr);
      assert.doesNotMatch(roundTrip.stdout, /created|updated/);
    });

    test('a roles file with a mistake is refused with the role and field named, and nothing changes', async () => {
      const bad = ROLES_YAML.replace('"logs", "exec"]', '"logs", "exce"]');
      const file = boxes.admin.file('bad-roles.yaml', bad);
      const run = await kgate('admin', ['admin', 'roles', 'apply', '-f', file]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /bad-roles\.yaml.*role "developer".*rules\[0\]\.verbs\[4\].*"exce"/);
      const unknownUser = await kgate('admin', [
        'admin',
        'roles',
        'apply',
        '-f',
        boxes.admin.file(
          'ghost.yaml',
          `${ROLES_YAML}  - username: ghost@example.com\n    roles: [developer]\n`,
        ),
      ]);
      assert.equal(unknownUser.code, 1);
      assert.match(unknownUser.stderr, /user "ghost@example\.com" does not exist/);
    });

    test('dev@example.com sees only dev-1 and reads its pods, but is refused delete, prod and secrets', async () => {
      await loginAs(boxes.dev, { url: central.url, caPem: central.caCertPem }, 'dev@example.com', PASSWORD);
      const list = await kgate('dev', ['clusters', 'list', '-o', 'json']);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        (JSON.parse(list.stdout).items as Array<{ name: string }>).map((c) => c.name),
        ['dev-1'],
      );
      const use = await kgate('dev', ['clusters', 'use', 'dev-1']);
      assert.equal(use.code, 0, use.stderr);

      const pods = await kubectl('dev', ['get', 'pods', '-o', 'name']);
      assert.equal(pods.code, 0, pods.stderr);
      assert.equal(pods.stdout, 'pod/hello\npod/other\n');

      const del = await kubectl('dev', ['delete', 'pod', 'hello']);
      assert.equal(del.code, 1);
      assert.match(
        del.stderr,
        /Error from server \(Forbidden\): pods "hello" is forbidden: kgate: user "dev@example.com" cannot delete resource "pods" in API group "" in the namespace "default" on cluster "dev-1"/,
      );

      const secrets = await kubectl('dev', ['get', 'secrets']);
      assert.equal(secrets.code, 1);
      assert.match(
        secrets.stderr,
        /Forbidden.*cannot list resource "secrets".*denied by developer\.deny\[0\]/,
      );

      const prod = writeKubeconfig(boxes.dev.dir, central, 'prod', await accessToken('dev'));
      const prodPods = await kubectl('dev', ['get', 'pods'], prod);
      assert.equal(prodPods.code, 1);
      assert.match(
        prodPods.stderr,
        /Error from server \(Forbidden\): forbidden: kgate: user "dev@example.com" cannot get path "\/api" on cluster "prod"/,
      );

      const allNamespaces = await kubectl('dev', ['get', 'pods', '-A', '-o', 'name']);
      assert.equal(allNamespaces.code, 0, allNamespaces.stderr);
    });

    test('ops@example.com (admin) may read secrets in prod and delete pods', async () => {
      await loginAs(boxes.ops, { url: central.url, caPem: central.caCertPem }, 'ops@example.com', PASSWORD);
      const prod = writeKubeconfig(boxes.ops.dir, central, 'prod', await accessToken('ops'));
      const secrets = await kubectl('ops', ['get', 'secrets', '-o', 'name'], prod);
      assert.equal(secrets.code, 0, secrets.stderr);
      assert.equal(secrets.stdout, 'secret/db\n');
      const del = await kubectl('ops', ['delete', 'pod', 'other'], prod);
      assert.equal(del.code, 0, del.stderr);
    });

    test('kgate admin audit -o json shows each request with its decision and rule, and verify finds the chain intact', async () => {
      const run = await kgate('admin', ['admin', 'audit', '-o', 'json', '--since', '1h', '--limit', '10000']);
      assert.equal(run.code, 0, run.stderr);
      const events = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as AuditJson);
      const find = (user: string, verb: string, resource: string, cluster: string) =>
        events.find(
          (e) => e.user === user && e.verb === verb && e.resource === resource && e.cluster === cluster,
        );

      const devGet = find('dev@example.com', 'list', 'pods', 'dev-1');
      assert.equal(devGet?.decision, 'allowed');
      assert.equal(devGet?.rule, 'developer.rules[0]');
      assert.equal(devGet?.status, 200);
      const devDelete = find('dev@example.com', 'delete', 'pods', 'dev-1');
      assert.equal(devDelete?.decision, 'denied');
      assert.equal(devDelete?.status, 403);
      assert.match(devDelete?.reason ?? '', /no rule of roles developer allows it/);
      assert.equal(find('dev@example.com', 'list', 'secrets', 'dev-1')?.rule, 'developer.deny[0]');
      const devProd = events.filter((e) => e.user === 'dev@example.com' && e.cluster === 'prod');
      assert.ok(devProd.length > 0 && devProd.every((e) => e.decision === 'denied' && e.status === 403));
      const opsDelete = find('ops@example.com', 'delete', 'pods', 'prod');
      assert.equal(opsDelete?.decision, 'allowed');
      assert.equal(opsDelete?.rule, 'admin.rules[0]');
      assert.equal(find('ops@example.com', 'list', 'secrets', 'prod')?.decision, 'allowed');
      // API calls are on record too: the roles were applied by admin.
      assert.ok(events.some((e) => e.kind === 'api' && e.user === 'admin' && e.verb === 'post'));
      assert.doesNotMatch(run.stdout, /eyJ|kga_|kgr_/, 'no token in the audit log');

      const filtered = await kgate('admin', [
        'admin',
        'audit',
        '--user',
        'dev@example.com',
        '--verb',
        'delete',
        '-o',
        'json',
      ]);
      assert.equal(filtered.code, 0, filtered.stderr);
      const only = filtered.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditJson);
      assert.ok(only.length >= 1 && only.every((e) => e.user === 'dev@example.com' && e.verb === 'delete'));

      const verify = await kgate('admin', ['admin', 'audit', 'verify']);
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(
        verify.stdout,
        /^audit log intact: \d+ rows, hash chain verified\nanchor: \d+:[0-9a-f]{64}\n/,
      );
    });

    test('kgate admin audit -f prints new events as they are recorded', async () => {
      const follow = startProcess(
        process.execPath,
        [kgateBin, 'admin', 'audit', '-f', '-o', 'json', '--limit', '1'],
        {
          env: boxes.admin.env,
          killAfterMs: 60_000,
        },
      );
      try {
        await follow.waitFor(/\n/);
        const prod = writeKubeconfig(boxes.ops.dir, central, 'prod', await accessToken('ops'));
        const run = await kubectl(
          'ops',
          ['get', 'configmaps', 'followed-by-audit', '--ignore-not-found'],
          prod,
        );
        assert.equal(run.code, 0, run.stderr);
        const output = await follow.waitFor(/"name":"followed-by-audit"[^\n]*"status":404/);
        assert.match(output, /"user":"ops@example.com"/);
      } finally {
        await follow.stop();
      }
    });

    test('kgate admin audit verify names a row edited behind central’s back, and exits 1', async () => {
      const db = central.store.db;
      const row = await db
        .selectFrom('audit_log')
        .select(['seq', 'username'])
        .where('username', '=', 'dev@example.com')
        .executeTakeFirstOrThrow();
      await db
        .updateTable('audit_log')
        .set({ username: 'someone-else' })
        .where('seq', '=', row.seq)
        .execute();
      try {
        const verify = await kgate('admin', ['admin', 'audit', 'verify']);
        assert.equal(verify.code, 1);
        assert.match(verify.stderr, new RegExp(`audit log damaged at row ${row.seq}: `));
      } finally {
        await db
          .updateTable('audit_log')
          .set({ username: row.username })
          .where('seq', '=', row.seq)
          .execute();
      }
      const again = await kgate('admin', ['admin', 'audit', 'verify']);
      assert.equal(again.code, 0, again.stderr);
    });

    test('a log rewritten with every hash recomputed passes verify alone, but not verify --anchor with the anchor printed before', async () => {
      const db = central.store.db;
      const first = await kgate('admin', ['admin', 'audit', 'verify']);
      assert.equal(first.code, 0, first.stderr);
      const anchor = /^anchor: (\S+)$/m.exec(first.stdout)?.[1] ?? '';
      const anchored = await kgate('admin', ['admin', 'audit', 'verify', '--anchor', anchor]);
      assert.equal(anchored.code, 0, anchored.stderr);
      assert.match(anchored.stdout, new RegExp(`row ${anchor.split(':')[0]} is the row the anchor names`));

      const row = await db
        .selectFrom('audit_log')
        .select(['seq', 'username'])
        .where('username', '=', 'ops@example.com')
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      assert.ok(Number(row.seq) < Number(anchor.split(':')[0]));
      await forgeAuditRow(db, Number(row.seq), 'someone-else');
      try {
        const plain = await kgate('admin', ['admin', 'audit', 'verify']);
        assert.equal(plain.code, 0, 'the chain alone cannot show a full rewrite');
        const caught = await kgate('admin', ['admin', 'audit', 'verify', '--anchor', anchor]);
        assert.equal(caught.code, 1, caught.stdout);
        assert.match(caught.stderr, /audit log damaged at row \d+: .*anchor/);
      } finally {
        await forgeAuditRow(db, Number(row.seq), row.username);
      }
      assert.equal((await kgate('admin', ['admin', 'audit', 'verify', '--anchor', anchor])).code, 0);

      for (const bad of ['12', 'x:abc', `7:${'z'.repeat(64)}`]) {
        const refused = await kgate('admin', ['admin', 'audit', 'verify', '--anchor', bad]);
        assert.equal(refused.code, 1, refused.stderr);
        assert.ok(refused.stderr.includes(`audit anchor "${bad}" is not SEQ:HASH`), refused.stderr);
      }
    });

    test("taking away a user's roles, then the user, closes their open watch at once", async () => {
      const watchFor = (): BackgroundProcess =>
        startProcess(kubectlBin, ['get', 'pods', '--watch', '-o', 'name'], {
          env: boxes.dev.env,
          killAfterMs: 60_000,
        });
      const users = await kgate('admin', ['admin', 'users', 'list', '-o', 'json']);
      assert.equal(users.code, 0, users.stderr);

      const first = watchFor();
      await first.waitFor('pod/hello');
      const demoted = await kgate('admin', ['admin', 'users', 'set-roles', 'dev@example.com', '--none']);
      assert.equal(demoted.code, 0, demoted.stderr);
      assert.notEqual(await first.exited, null, 'the watch ended by itself');

      const restored = await kgate('admin', ['admin', 'users', 'set-roles', 'dev@example.com', 'developer']);
      assert.equal(restored.code, 0, restored.stderr);
      const second = watchFor();
      await second.waitFor('pod/hello');
      const removed = await kgate('admin', ['admin', 'users', 'delete', 'dev@example.com']);
      assert.equal(removed.code, 0, removed.stderr);
      assert.notEqual(await second.exited, null, 'the watch ended by itself');
      const after = await kubectl('dev', ['get', 'pods']);
      assert.equal(after.code, 1);
    });
  });
}
