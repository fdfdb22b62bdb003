/**
 * kgate-agent's settings: flags beat the environment, which beats the --config file;
 * a missing or bad setting is a one-line error that names it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { resolveAgentConfig } from '../src/config.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kgate-agent-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[], env: Record<string, string> = {}) {
  const command = resolveAgentConfig(argv, env);
  assert.equal(command.kind, 'run');
  if (command.kind !== 'run') throw new Error('unreachable');
  return command.config;
}

describe('agent settings', () => {
  test('flags beat the environment, which beats the config file', () => {
    const file = path.join(dir, 'agent.yaml');
    writeFileSync(
      file,
      'centralUrl: https://file.example:8443\nclusterName: from-file\ntoken: file-token\nidleStreams: 4\ncentralCa: /file/ca.crt\n',
    );
    const fromFile = run(['--config', file]);
    assert.equal(fromFile.centralUrl, 'https://file.example:8443');
    assert.equal(fromFile.clusterName, 'from-file');
    assert.equal(fromFile.token, 'file-token');
    assert.equal(fromFile.idleStreams, 4);
    assert.equal(fromFile.centralCa, '/file/ca.crt');

    const env = { CENTRAL_URL: 'https://env.example', CLUSTER_NAME: 'from-env', AGENT_TOKEN: 'env-token' };
    const fromEnv = run(['--config', file], env);
    assert.equal(fromEnv.centralUrl, 'https://env.example');
    assert.equal(fromEnv.clusterName, 'from-env');
    assert.equal(fromEnv.token, 'env-token');

    const fromFlags = run(['--config', file, '--cluster-name', 'from-flag', '--token', 'flag-token'], env);
    assert.equal(fromFlags.clusterName, 'from-flag');
    assert.equal(fromFlags.token, 'flag-token');
    assert.equal(fromFlags.centralUrl, 'https://env.example');
  });

  test('the token can come from a file, so it never shows in the process list', () => {
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'secret-from-file\n');
    const config = run([
      '--central-url',
      'https://c.example',
      '--cluster-name',
      'c1',
      '--token-file',
      tokenFile,
    ]);
    assert.equal(config.token, 'secret-from-file');
  });

  test('missing settings are named, with where to set them', () => {
    assert.throws(
      () => resolveAgentConfig(['--central-url', 'https://c.example'], {}),
      (error: unknown) =>
        isKgateError(error, 'CONFIG_INVALID') &&
        /--cluster-name \(CLUSTER_NAME\)/.test(error.message) &&
        /--token \(AGENT_TOKEN\)/.test(error.message),
    );
  });

  test('with a state dir the join token may be left out, since a saved certificate may do', () => {
    const config = run(['--central-url', 'https://c.example', '--cluster-name', 'c1'], {
      AGENT_STATE_DIR: '/var/lib/kgate-agent',
    });
    assert.equal(config.stateDir, '/var/lib/kgate-agent');
    assert.equal(config.token, undefined);
    const file = path.join(dir, 'state.yaml');
    writeFileSync(file, 'centralUrl: https://c.example\nclusterName: c1\nstateDir: /from/file\n');
    assert.equal(run(['--config', file]).stateDir, '/from/file');
    assert.equal(run(['--config', file, '--state-dir', '/from/flag']).stateDir, '/from/flag');
    assert.throws(
      () => run(['--central-url', 'https://c.example', '--cluster-name', 'c1'], { AGENT_TOKEN: '' }),
      /missing --token \(AGENT_TOKEN\)/,
    );
  });

  test('central must be reached over https', () => {
    assert.throws(
      () => run(['--central-url', 'http://c.example', '--cluster-name', 'c1', '--token', 't']),
      /"http:\/\/c.example" is not https/,
    );
  });

  test('a cluster name that is not a DNS name is refused', () => {
    assert.throws(
      () => run(['--central-url', 'https://c.example', '--cluster-name', 'Prod_1', '--token', 't']),
      /"Prod_1"/,
    );
  });

  test('an unknown key in the config file is refused, naming it', () => {
    const file = path.join(dir, 'typo.yaml');
    writeFileSync(file, 'centralURL: https://c.example\n');
    assert.throws(() => run(['--config', file]), /unknown key "centralURL"/);
  });

  test('--help and --version are answered without other settings', () => {
    assert.deepEqual(resolveAgentConfig(['--help'], {}), { kind: 'help' });
    assert.deepEqual(resolveAgentConfig(['--version'], {}), { kind: 'version' });
  });
});
