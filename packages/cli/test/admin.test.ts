import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loginAs, runKgate, type Sandbox, sandbox } from './support/cli.ts';
import { type FakeCentral, startFakeCentral } from './support/fake-central.ts';

let central: FakeCentral;
before(async () => {
  central = await startFakeCentral();
  central.accessTtlSeconds = 900;
});
after(() => central.close());

async function admin(t: { after(fn: () => void): void }): Promise<Sandbox> {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central);
  return box;
}

test('admin clusters add registers the cluster and prints the agent manifest holding the join token', async (t) => {
  const box = await admin(t);
  const result = await runKgate(['admin', 'clusters', 'add', 'edge-1', '--ttl', '2h'], { env: box.env });
  assert.equal(result.code, 0, result.stderr);
  const objects = parseAllDocuments(result.stdout).map((d) => d.toJS());
  assert.deepEqual(
    objects.map((o) => o.kind),
    ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Secret', 'Deployment'],
  );
  const secret = objects.find((o) => o.kind === 'Secret');
  assert.equal(secret.stringData.CLUSTER_NAME, 'edge-1');
  assert.match(secret.stringData.AGENT_TOKEN, /^kgj_/);
  assert.equal(
    secret.stringData.CENTRAL_URL,
    'https://127.0.0.1:8444',
    "the default agent port on central's host",
  );
  assert.equal(secret.stringData['central-ca.crt'].trim(), central.caPem.trim());
  assert.match(
    result.stderr,
    /Registered cluster "edge-1"; its agent will dial https:\/\/127\.0\.0\.1:8444\./,
  );
  assert.match(result.stderr, /shown only once/);
  assert.ok(central.clusters.some((c) => c.name === 'edge-1'));

  const json = await runKgate(
    [
      'admin',
      'clusters',
      'add',
      'edge-2',
      '-o',
      'json',
      '--agent-url',
      'https://agents.example:9443',
      '--namespace',
      'kg',
    ],
    { env: box.env },
  );
  assert.equal(json.code, 0, json.stderr);
  const list = JSON.parse(json.stdout);
  assert.equal(list.kind, 'List');
  const jsonSecret = list.items.find((o: { kind: string }) => o.kind === 'Secret');
  assert.equal(jsonSecret.metadata.namespace, 'kg');
  assert.equal(jsonSecret.stringData.CENTRAL_URL, 'https://agents.example:9443');
  assert.equal(jsonSecret.stringData.CLUSTER_NAME, 'edge-2');
});

test("admin clusters add of an existing name reports central's conflict", async (t) => {
  const box = await admin(t);
  await runKgate(['admin', 'clusters', 'add', 'dup'], { env: box.env });
  const again = await runKgate(['admin', 'clusters', 'add', 'dup'], { env: box.env });
  assert.equal(again.code, 1);
  assert.equal(again.stdout, '');
  assert.match(
    again.stderr,
    /^error: central refused to register cluster "dup": cluster "dup" already exists \(HTTP 409, ALREADY_EXISTS\)\nhint: it already exists/,
  );
});

test('admin clusters remove deletes the cluster; an unknown name is named in the error', async (t) => {
  const box = await admin(t);
  await runKgate(['admin', 'clusters', 'add', 'gone'], { env: box.env });
  const removed = await runKgate(['admin', 'clusters', 'remove', 'gone'], { env: box.env });
  assert.equal(removed.code, 0, removed.stderr);
  assert.ok(!central.clusters.some((c) => c.name === 'gone'));
  const missing = await runKgate(['admin', 'clusters', 'remove', 'gone'], { env: box.env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: no cluster named "gone" at /);
});

test('admin users create reads the password from stdin, and the new user can log in', async (t) => {
  const box = await admin(t);
  const created = await runKgate(
    [
      'admin',
      'users',
      'create',
      'alice',
      '--role',
      'viewer',
      '--role',
      'dev',
      '--password-stdin',
      '-o',
      'json',
    ],
    { env: box.env, stdin: 'alice-password-123\n' },
  );
  assert.equal(created.code, 0, created.stderr);
  const user = JSON.parse(created.stdout);
  assert.equal(user.kind, 'User');
  assert.equal(user.username, 'alice');
  assert.deepEqual(user.roles, ['viewer', 'dev']);

  const other = sandbox();
  t.after(other.cleanup);
  await loginAs(other, central, 'alice', 'alice-password-123');
  const forbidden = await runKgate(['admin', 'users', 'list'], { env: other.env });
  assert.equal(forbidden.code, 1);
  assert.match(
    forbidden.stderr,
    /\(HTTP 403, PERMISSION_DENIED\)\nhint: your roles at central do not allow this; ask a kgate admin\n$/,
  );
});

test('admin users list, set-roles and delete work by username', async (t) => {
  const box = await admin(t);
  await runKgate(['admin', 'users', 'create', 'bob', '--password-stdin'], {
    env: box.env,
    stdin: 'bob-password-1234\n',
  });
  const set = await runKgate(['admin', 'users', 'set-roles', 'bob', 'admin', 'dev'], { env: box.env });
  assert.equal(set.code, 0, set.stderr);
  const list = JSON.parse(
    (await runKgate(['admin', 'users', 'list', '-o', 'json'], { env: box.env })).stdout,
  );
  assert.equal(list.kind, 'UserList');
  const bob = list.items.find((u: { username: string }) => u.username === 'bob');
  assert.deepEqual(bob.roles, ['admin', 'dev']);
  assert.deepEqual(Object.keys(bob), ['id', 'username', 'roles', 'createdAt']);

  const table = await runKgate(['admin', 'users', 'list'], { env: box.env });
  assert.match(table.stdout, /^USERNAME +ROLES +ID +AGE\n/);
  assert.match(table.stdout, /\nbob +admin,dev +[0-9a-f-]+ +\d+s\n/);

  const none = await runKgate(['admin', 'users', 'set-roles', 'bob'], { env: box.env });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /hint: name the roles, or pass --none to remove them all/);

  const deleted = await runKgate(['admin', 'users', 'delete', 'bob'], { env: box.env });
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.ok(!central.users.some((u) => u.username === 'bob'));
  const again = await runKgate(['admin', 'users', 'delete', 'bob'], { env: box.env });
  assert.equal(again.code, 1);
  assert.equal(
    again.stderr,
    `error: no user named "bob" at ${central.url}\nhint: list them with \`kgate admin users list\`\n`,
  );
});

test('admin users create without a terminal or --password-stdin refuses rather than taking a password from argv', async (t) => {
  const box = await admin(t);
  const result = await runKgate(['admin', 'users', 'create', 'carol'], { env: box.env });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: a password for "carol" is needed and stdin is not a terminal\nhint: pipe it in with --password-stdin\n$/,
  );
  assert.ok(!central.users.some((u) => u.username === 'carol'));
});
