/**
 * `POST /clusters/{name}/exec` end to end: real kubectl 1.33, run by central as the
 * caller, through central's own `/k8s/<cluster>` proxy, a real agent and the fixture
 * cluster. What the caller may do is what the proxy lets their token do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer } from '@kgate/testkit/apiserver';
import { type ExecGateway, startExecGateway } from './exec-support.ts';
import type { ErrorJson, TestCentral } from './helpers/central.ts';

let gateway: ExecGateway;
let apiserver: ApiServer;
let t: TestCentral;
let admin: string;
let viewer: string;

/** How many kubectl runs central has logged. */
function runs(): number {
  return t
    .logs()
    .split('\n')
    .filter((line) => line.includes('"ran kubectl for a user"')).length;
}

before(async () => {
  gateway = await startExecGateway();
  ({ apiserver, t, admin } = gateway);
  const password = 'vera-password-123';
  const user = await t.req('POST', '/users', {
    token: admin,
    body: { username: 'vera', password, roles: ['viewer'] },
  });
  assert.equal(user.status, 201, user.text);
  viewer = (await t.login('vera', password)).access;
});

after(() => gateway.stop());

describe('kubectl run by central as the caller', { timeout: 120_000 }, () => {
  test('get pods and get configmaps -o name print the cluster’s objects and exit 0', async () => {
    const pods = await gateway.exec(admin, ['get', 'pods', '-n', 'team-a']);
    assert.equal(pods.status, 200, pods.text);
    assert.equal(pods.json.exit_code, 0, pods.json.output);
    assert.match(pods.json.stdout, /^NAME +READY +STATUS/);
    assert.match(pods.json.stdout, /\nweb +/);
    assert.equal(pods.json.truncated, false);
    assert.equal(pods.json.timed_out, false);
    assert.equal(pods.json.error, undefined);
    assert.equal(pods.headers['cache-control'], 'no-store');

    const names = await gateway.exec(admin, ['get', 'configmaps', '-o', 'name']);
    assert.equal(names.json.exit_code, 0, names.json.output);
    assert.match(names.json.stdout, /^configmap\/settings$/m);
    assert.equal(names.json.output, names.json.stdout + names.json.stderr);
  });

  test('apply -f - creates the object sent as stdin', async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: from-stdin, namespace: default}',
      'data: {source: exec}',
    ].join('\n');
    const applied = await gateway.exec(admin, ['apply', '-f', '-'], manifest);
    assert.equal(applied.json.exit_code, 0, applied.json.output);
    assert.equal(applied.json.stdout, 'configmap/from-stdin created\n');
    assert.deepEqual(apiserver.store.get('configmaps', 'default', 'from-stdin')?.data, { source: 'exec' });
  });

  test('exec -i hands stdin to the container', async () => {
    const ran = await gateway.exec(admin, ['exec', '-i', 'web', '-n', 'team-a', '--', 'sh'], 'echo hi\n');
    assert.equal(ran.json.exit_code, 0, ran.json.output);
    assert.match(ran.json.stdout, /hi/);
  });

  test('a failing command answers 200 with kubectl’s NotFound text and exit code 1', async () => {
    const missing = await gateway.exec(admin, ['get', 'configmap', 'no-such-thing']);
    assert.equal(missing.status, 200, missing.text);
    assert.equal(missing.json.exit_code, 1);
    assert.equal(missing.json.stdout, '');
    assert.equal(missing.json.stderr, 'Error from server (NotFound): configmaps "no-such-thing" not found\n');
  });

  test('the cluster sees the caller, impersonated, and the proxy’s RBAC decides', async () => {
    const before = apiserver.requests.length;
    const listed = await gateway.exec(viewer, ['get', 'configmaps', '-n', 'default']);
    assert.equal(listed.json.exit_code, 0, listed.json.output);
    assert.match(listed.json.stdout, /\nsettings +1 /);
    const seen = apiserver.requests
      .slice(before)
      .find((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/default/configmaps');
    assert.equal(seen?.user, 'vera', 'the cluster ran it as the caller');
    assert.equal(seen?.impersonatedBy, 'kgate-admin', 'through the agent’s impersonation');
    assert.ok(seen?.groups.includes('kgate:role:viewer'), String(seen?.groups));

    // vera's role reads configmaps only: central's RBAC refuses pods, as for her own kubectl.
    const pods = await gateway.exec(viewer, ['get', 'pods', '-n', 'team-a']);
    assert.equal(pods.status, 200, pods.text);
    assert.equal(pods.json.exit_code, 1);
    assert.match(pods.json.stderr, /Forbidden/);
  });

  test('refused flags and subcommands answer 400 naming them, and kubectl never runs', async () => {
    const before = runs();
    const seen = apiserver.requests.length;
    const refused: Array<[string[], string]> = [
      [['get', 'pods', '--kubeconfig', '/etc/kubernetes/admin.conf'], '"--kubeconfig"'],
      [['get', 'pods', '-s', 'https://elsewhere'], '"-s"'],
      [['get', 'pods', '--token=someone-elses'], '"--token"'],
      [['get', 'pods', '--as=system:admin'], '"--as"'],
      [['get', 'pods', '--as-group', 'system:masters'], '"--as-group"'],
      [['get', 'pods', '--insecure-skip-tls-verify'], '"--insecure-skip-tls-verify"'],
      [['apply', '-f', '/etc/passwd'], '"-f"'],
      [['apply', '-k', '.'], '"-k"'],
      [['get', 'pods', '-o', 'jsonpath-file=/etc/passwd'], '"-o"'],
      [['get', 'pods', '-v=9'], '"-v"'],
      [['create', 'configmap', 'x', '--from-file=/etc/passwd'], '"--from-file"'],
      [['exec', '-it', 'web', '--', 'sh'], '"-t"'],
      [['config', 'view', '--raw'], '"config"'],
      [['port-forward', 'pod/web', '8080:80'], '"port-forward"'],
      [['foo', 'bar'], '"kubectl foo" is a plugin or unknown subcommand'],
    ];
    for (const [command, named] of refused) {
      const res = await gateway.exec<ErrorJson>(admin, command);
      assert.equal(res.status, 400, `${command.join(' ')}: ${res.text}`);
      assert.equal(res.json.error.code, 'INVALID_ARGUMENT');
      assert.ok(res.json.error.message.includes(named), `${command.join(' ')}: ${res.json.error.message}`);
      assert.ok(res.json.error.hint, 'with a hint');
    }
    assert.equal(runs(), before, 'no kubectl ran');
    assert.equal(apiserver.requests.length, seen, 'nothing reached the cluster');
  });

  test('an unknown cluster is 404, a bad body 400, and no token 401', async () => {
    const unknown = await gateway.exec<ErrorJson>(admin, ['get', 'pods'], undefined, 'nope');
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.json.error.message, 'cluster "nope" not found');
    const notList = await gateway.exec<ErrorJson>(admin, 'get pods');
    assert.equal(notList.status, 400);
    assert.match(notList.json.error.message, /^body\.command: expected a list of kubectl arguments/);
    const empty = await gateway.exec<ErrorJson>(admin, []);
    assert.equal(empty.status, 400);
    assert.match(empty.json.error.message, /command is empty/);
    const bigStdin = await gateway.exec<ErrorJson>(admin, ['apply', '-f', '-'], 'x'.repeat(1024 * 1024 + 1));
    assert.equal(bigStdin.status, 400, bigStdin.text);
    assert.match(bigStdin.json.error.message, /body\.stdin is larger than 1048576 bytes/);
    const anonymous = await t.req<ErrorJson>('POST', '/clusters/dev/exec', {
      body: { command: ['version'] },
    });
    assert.equal(anonymous.status, 401);
  });

  test('no token appears in an answer or in central’s log', async () => {
    const answers = [
      await gateway.exec(admin, ['get', 'configmaps', '-o', 'yaml']),
      await gateway.exec(viewer, ['auth', 'whoami', '-o', 'json']),
      await gateway.exec(viewer, ['get', 'pods']),
    ];
    assert.equal(JSON.parse(answers[1]?.json.stdout ?? '{}').status.userInfo.username, 'vera');
    for (const token of [admin, viewer]) {
      const signature = token.split('.')[2] ?? token;
      for (const answer of answers) assert.ok(!answer.text.includes(signature), 'not in the answer');
      assert.ok(!t.logs().includes(signature), 'not in central’s log');
    }
    const line = t
      .logs()
      .split('\n')
      .find((l) => l.includes('"ran kubectl for a user"') && l.includes('whoami'));
    assert.ok(line, 'each run is logged');
    const logged = JSON.parse(line).exec;
    assert.equal(logged.username, 'vera');
    assert.equal(logged.cluster, 'dev');
    assert.equal(logged.command, 'kubectl auth whoami', 'the subcommand, never the arguments');
    assert.equal(logged.exitCode, 0);
  });
});
