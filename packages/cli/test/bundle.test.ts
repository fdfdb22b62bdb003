import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileTokenStore } from '../src/infrastructure/token-store/file.ts';
import { tokenBundlePath } from '../src/install-paths.ts';
import { kgateBin, sandbox } from './support/cli.ts';

const preload = path.resolve(import.meta.dirname, 'support/report-loaded-modules.cjs');

test('the kgate token bundle is built from neither commander, the keyring addon nor yaml', () => {
  const meta = JSON.parse(
    readFileSync(path.join(path.dirname(tokenBundlePath), 'kgate-token.meta.json'), 'utf8'),
  );
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.some((i) => i.endsWith('src/commands/token.ts')));
  for (const heavy of [
    'node_modules/commander/',
    'node_modules/@napi-rs/',
    'node_modules/yaml/',
    'src/main.ts',
  ]) {
    assert.ok(!inputs.some((i) => i.includes(heavy)), `${heavy} is not in the bundle`);
  }
});

test('kgate token with a cached token loads no CLI framework, keyring addon, yaml or node:crypto', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const server = 'https://central.example';
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const jwt = [{ alg: 'none' }, { sub: '1', exp }]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .concat('sig')
    .join('.');
  await fileTokenStore(path.join(box.kgateHome, 'tokens')).save({
    version: 1,
    server,
    user: { id: '1', username: 'u', roles: [] },
    accessToken: jwt,
    accessTokenExpiresAt: new Date(exp * 1000).toISOString(),
    refreshToken: 'r',
  });
  // Keyring allowed: with a token file present it must still not be loaded.
  const env = { ...box.env, KGATE_KEYRING: '' };
  const result = spawnSync(process.execPath, ['-r', preload, kgateBin, 'token', '--server', server], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).status.token, jwt);
  const loaded = JSON.parse(String(result.output[3]));
  const files: string[] = loaded.files;
  assert.ok(files.includes(tokenBundlePath), 'the bundle ran');
  for (const heavy of ['commander', '@napi-rs', 'yaml']) {
    assert.ok(!files.some((f) => f.includes(`node_modules/${heavy}`)), `${heavy} was not loaded`);
  }
  assert.ok(!loaded.builtins.includes('NativeModule crypto'), 'node:crypto was not loaded');
  assert.ok(!loaded.builtins.includes('NativeModule https'), 'node:https was not loaded');
});
