/**
 * Central RBAC and the write-ahead audit log in the real central, with real kubectl:
 * a namespace-limited user stays in their namespace whatever path they try, an exec's
 * command is on record, and when the audit log cannot be written nothing is forwarded
 * and no API call takes effect (fail closed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer } from '@kgate/testkit/apiserver';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { runProcess } from '@kgate/testkit/process';
import { sql } from 'kysely';
import {
  eventually,
  startOpenCluster,
  startTestAgent,
  type TestAgent,
  tempDir,
  writeKubeconfig,
} from './gateway-support.ts';
import { removeDataDir, startTestCentral, type TestCentral } from './helpers/central.ts';

const temp = tempDir();
let apiserver: ApiServer;
let t: TestCentral;
let agent: TestAgent;
let admin: string;
let teamA: string;

const ROLES = {
  roles: [
    {
      name: 'team-a',
      rules: [
        {
          clusters: ['dev'],
          namespaces: ['team-a'],
          resources: ['pods', 'configmaps'],
          verbs: ['get', 'list', 'watch', 'exec'],
        },
      ],
    },
  ],
};

function kubectl(token: string, args: string[]) {
  return runProcess(kubectlPath('1.33'), args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: temp.dir,
      KUBECONFIG: writeKubeconfig(temp.dir, t.central, 'dev', token),
    },
    timeoutMs: 60_000,
  });
}

before(async () => {
  apiserver = await startOpenCluster();
  for (const namespace of ['team-a', 'team-b']) {
    apiserver.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    apiserver.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${namespace}`, namespace },
      spec: { containers: [{ name: 'web', image: 'busybox' }] },
    });
  }
  t = await startTestCentral({ env: { KGATE_SERVER_HEARTBEAT_INTERVAL: '500ms' }, roles: [] });
  admin = (await t.login('admin', t.adminPassword)).access;
  const created = await t.req<{ join_token: string }>('POST', '/clusters', {
    token: admin,
    body: { name: 'dev' },
  });
  assert.equal(created.status, 201, created.text);
  agent = startTestAgent(t.central, apiserver, 'dev', created.json.join_token);
  const applied = await t.req('POST', '/roles/apply', { token: admin, body: ROLES });
  assert.equal(applied.status, 200, applied.text);
  const user = await t.req('POST', '/users', {
    token: admin,
    body: { username: 'alice', password: 'alice-password-123', roles: ['team-a'] },
  });
  assert.equal(user.status, 201, user.text);
  teamA = (await t.login('alice', 'alice-password-123')).access;
});

after(async () => {
  await agent?.stop();
  await t?.stop();
  await apiserver?.close();
  if (t !== undefined) removeDataDir(t.dataDir);
  temp.cleanup();
});

describe('a user limited to namespace team-a', { timeout: 120_000 }, () => {
  test('reads pods in team-a', async () => {
    const run = await eventually('pods through the agent', async () => {
      const result = await kubectl(teamA, ['get', 'pods', '-n', 'team-a', '-o', 'name']);
      return result.code === 0 ? result : undefined;
    });
    assert.equal(run.stdout, 'pod/web-team-a\n');
  });

  const refused: Array<[string, string[], RegExp]> = [
    [
      'pods across all namespaces',
      ['get', 'pods', '-A'],
      /pods is forbidden: kgate: user "alice" cannot list resource "pods" in API group "" at the cluster scope on cluster "dev"/,
    ],
    [
      'pods in team-b',
      ['get', 'pods', '-n', 'team-b'],
      /cannot list resource "pods" in API group "" in the namespace "team-b"/,
    ],
    [
      'team-b through the namespaces path',
      ['get', 'namespace', 'team-b'],
      /namespaces "team-b" is forbidden/,
    ],
    [
      'a cluster-scoped resource',
      ['get', 'namespaces'],
      /namespaces is forbidden: kgate: user "alice" cannot list resource "namespaces" in API group "" at the cluster scope/,
    ],
    [
      'deleting every pod in team-a (deletecollection)',
      ['delete', 'pods', '--all', '-n', 'team-a'],
      /forbidden/,
    ],
    [
      'a watch across all namespaces',
      ['get', 'configmaps', '-A', '--watch'],
      /cannot watch resource "configmaps" in API group "" at the cluster scope|cannot list resource "configmaps"/,
    ],
  ];
  for (const [what, args, message] of refused)
    test(`is refused ${what}, with a Forbidden kubectl prints`, async () => {
      const run = await kubectl(teamA, args);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /Error from server \(Forbidden\)/);
      assert.match(run.stderr, message);
    });

  test('what reached the cluster as alice was discovery or team-a', () => {
    const seen = apiserver.requests.filter((r) => r.user === 'alice');
    assert.ok(
      seen.some((r) => r.resource === 'pods'),
      'her pod list went through',
    );
    const outside = seen.filter((r) => r.resource !== '' && r.namespace !== 'team-a');
    assert.deepEqual(outside, [], 'no resource request outside team-a reached the cluster');
  });

  test("an exec's command is on record", async () => {
    const run = await kubectl(teamA, ['exec', '-n', 'team-a', 'web-team-a', '--', 'echo', 'hi from exec']);
    assert.equal(run.code, 0, run.stderr);
    const event = await eventually('the exec event', async () =>
      (await t.central.services.audit.query({ username: 'alice', limit: 1000 })).find(
        (e) => e.subresource === 'exec' && e.status !== null,
      ),
    );
    assert.equal(event.kind, 'exec');
    assert.deepEqual(event.command, ['echo', 'hi from exec']);
    assert.equal(event.decision, 'allowed');
    assert.equal(event.rule, 'team-a.rules[0]');
    assert.equal(event.status, 101);
  });
});

describe('the exec endpoint on record', { timeout: 120_000 }, () => {
  test('POST /clusters/dev/exec is one exec event with its kubectl words, secret values redacted', async () => {
    const run = await t.req<{ exit_code: number; output: string }>('POST', '/clusters/dev/exec', {
      token: admin,
      body: {
        command: [
          'create',
          'secret',
          'generic',
          'db',
          '-n',
          'team-a',
          '--from-literal=password=hunter2-secret',
          '-o',
          'name',
        ],
      },
    });
    assert.equal(run.status, 200, run.text);
    assert.equal(run.json.exit_code, 0, run.json.output);
    const events = await t.central.services.audit.query({ username: 'admin', limit: 1000 });
    const exec = events.find((e) => e.kind === 'exec' && e.path === '/clusters/dev/exec');
    assert.ok(exec, 'the exec call is on record');
    assert.deepEqual(exec.command, [
      'create',
      'secret',
      'generic',
      'db',
      '-n',
      'team-a',
      '--from-literal=password=<redacted>',
      '-o',
      'name',
    ]);
    assert.equal(exec.cluster, 'dev');
    // kubectl's own request went through the proxy as admin, and is on record too.
    assert.ok(events.some((e) => e.kind === 'proxy' && e.verb === 'create' && e.resource === 'secrets'));
    assert.doesNotMatch(JSON.stringify(events), /hunter2-secret/);
  });
});

describe('when the audit log cannot be written', { timeout: 120_000 }, () => {
  test('the proxy refuses with 503 and forwards nothing; API calls fail and change nothing', async () => {
    // The agent's own requests (as its ServiceAccount) may come and go; admin's may not.
    const asAdmin = () => apiserver.requests.filter((r) => r.user === 'admin').length;
    const before = asAdmin();
    const db = t.central.store.db;
    // Without its head row the log cannot append (see audit/writer.ts): a store that refuses writes.
    const head = await sql<{
      seq: number;
      hash: string;
    }>`select seq, hash from audit_head where id = 1`.execute(db);
    await sql`delete from audit_head where id = 1`.execute(db);
    try {
      const run = await kubectl(admin, ['get', 'pods', '-n', 'team-a']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /cannot write its audit log, so the request was not forwarded/);
      assert.equal(asAdmin(), before, 'nothing reached the cluster as admin');

      const create = await t.req('POST', '/users', {
        token: admin,
        body: { username: 'mallory', password: 'mallory-password-1', roles: [] },
      });
      assert.equal(create.status, 503, create.text);
      assert.match(create.text, /cannot write its audit log/);
      assert.equal(await t.central.store.users.findByUsername('mallory'), undefined, 'no user was created');
    } finally {
      const row = head.rows[0];
      assert.ok(row);
      await sql`insert into audit_head (id, seq, hash) values (1, ${row.seq}, ${row.hash})`.execute(db);
    }
    const again = await kubectl(admin, ['get', 'pods', '-n', 'team-a', '-o', 'name']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(asAdmin() > before, "admin's requests reach the cluster again (the count above counts them)");
    const verify = await t.central.services.audit.verify();
    assert.equal(verify.ok, true, JSON.stringify(verify));
  });
});
