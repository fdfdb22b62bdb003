/**
 * `POST /clusters/{name}/exec` limits, set through KGATE_EXEC_* variables: a kubectl that
 * runs past exec.timeout or prints past exec.max_output is stopped, and the answer says
 * so with the documented exit code and what it printed until then.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ExecGateway, startExecGateway } from './exec-support.ts';

let gateway: ExecGateway;

before(async () => {
  gateway = await startExecGateway({ KGATE_EXEC_TIMEOUT: '5s', KGATE_EXEC_MAX_OUTPUT: '2Ki' });
  gateway.apiserver.store.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'big', namespace: 'default' },
    data: { text: 'kgate '.repeat(2000) },
  });
});

after(() => gateway.stop());

test('kubectl get pods -w is stopped at exec.timeout with exit code 124 and the list it printed', {
  timeout: 60_000,
}, async () => {
  const watched = await gateway.exec(gateway.admin, ['get', 'pods', '-w', '-n', 'team-a']);
  assert.equal(watched.status, 200, watched.text);
  assert.equal(watched.json.exit_code, 124);
  assert.equal(watched.json.timed_out, true);
  assert.equal(watched.json.truncated, false);
  assert.equal(watched.json.error, 'kubectl did not finish within 5s and was stopped (exec.timeout)');
  assert.match(watched.json.stdout, /\nweb +/);
});

test('output past exec.max_output is cut there, and kubectl stopped with exit code 141', {
  timeout: 60_000,
}, async () => {
  const big = await gateway.exec(gateway.admin, ['get', 'configmap', 'big', '-o', 'yaml']);
  assert.equal(big.status, 200, big.text);
  assert.equal(big.json.truncated, true);
  assert.equal(big.json.exit_code, 141);
  assert.equal(Buffer.byteLength(big.json.output), 2048);
  assert.match(big.json.output, /^apiVersion: v1\ndata:\n {2}text: 'kgate kgate/);
  assert.match(big.json.error ?? '', /more than 2048 bytes/);
  // Small answers are whole.
  const small = await gateway.exec(gateway.admin, ['get', 'configmap', 'settings', '-o', 'name']);
  assert.equal(small.json.stdout, 'configmap/settings\n');
  assert.equal(small.json.truncated, false);
});
