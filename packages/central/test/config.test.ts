import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadCentralConfig, resolveCentralConfig } from '@kgate/central';
import { isKgateError } from '@kgate/core/errors';

const home = '/home/someone';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isKgateError(error, 'CONFIG_INVALID'), String(error));
    return error.message;
  }
  assert.fail('expected a CONFIG_INVALID error');
}

test('with nothing configured, central listens on 8443/8444 with data in ~/.kgate/central', () => {
  const config = resolveCentralConfig({ env: {}, flags: {}, home });
  assert.deepEqual(config.server.listen, { host: '0.0.0.0', port: 8443 });
  assert.deepEqual(config.server.agentListen, { host: '0.0.0.0', port: 8444 });
  assert.equal(config.server.publicUrl, undefined);
  assert.equal(config.dataDir, '/home/someone/.kgate/central');
  assert.deepEqual(config.database, { driver: 'sqlite', path: '/home/someone/.kgate/central/central.db' });
  assert.equal(config.auth.accessTokenTtlMs, 15 * 60_000);
  assert.equal(config.auth.refreshTokenTtlMs, 720 * 3_600_000);
  assert.equal(config.auth.passwordLogin, true);
  assert.equal(config.auth.bootstrapAdmin.username, 'admin');
  assert.equal(config.tls, undefined);
  assert.equal(config.logLevel, 'info');
});

test('a flag beats its KGATE_* variable, which beats the config file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'central.yaml');
  writeFileSync(
    file,
    [
      'server:',
      '  listen: "127.0.0.1:1001"',
      '  agent_listen: "127.0.0.1:2001"',
      '  public_url: https://kgate.example.com/',
      'auth:',
      '  access_token_ttl: 5m',
      '  password_login: false',
      'data_dir: data',
      'log_level: warn',
    ].join('\n'),
  );
  const env = {
    KGATE_SERVER_LISTEN: '127.0.0.1:1002',
    KGATE_SERVER_AGENT_LISTEN: '127.0.0.1:2002',
    KGATE_LOG_LEVEL: 'error',
  };
  const config = await loadCentralConfig({
    flags: { config: file, listen: '127.0.0.1:1003', logLevel: 'debug' },
    env,
    home,
    cwd: '/',
  });
  assert.deepEqual(config.server.listen, { host: '127.0.0.1', port: 1003 }, 'flag wins');
  assert.deepEqual(config.server.agentListen, { host: '127.0.0.1', port: 2002 }, 'env beats file');
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.server.publicUrl, 'https://kgate.example.com', 'from the file, trailing slash dropped');
  assert.equal(config.auth.accessTokenTtlMs, 5 * 60_000);
  assert.equal(config.auth.passwordLogin, false);
  assert.equal(config.dataDir, path.join(dir, 'data'), 'relative to the config file');

  const viaEnvFile = await loadCentralConfig({
    flags: {},
    env: { KGATE_CONFIG: file, KGATE_AUTH_PASSWORD_LOGIN: 'true' },
    home,
  });
  assert.deepEqual(viaEnvFile.server.listen, { host: '127.0.0.1', port: 1001 });
  assert.equal(viaEnvFile.auth.passwordLogin, true);
});

test('a bad value names the file, the key and the value', () => {
  const message = configError(() =>
    resolveCentralConfig({
      file: { path: 'central.yaml', text: 'server:\n  listen: abc\n' },
      env: {},
      flags: {},
      home,
    }),
  );
  assert.match(message, /^central\.yaml: server\.listen "abc": expected host:port/);
});

test('a bad value from the environment or a flag names the variable or the flag', () => {
  assert.match(
    configError(() =>
      resolveCentralConfig({ env: { KGATE_AUTH_ACCESS_TOKEN_TTL: '15 minutes' }, flags: {}, home }),
    ),
    /^KGATE_AUTH_ACCESS_TOKEN_TTL: auth\.access_token_ttl "15 minutes": expected a duration such as 15m/,
  );
  assert.match(
    configError(() => resolveCentralConfig({ env: {}, flags: { agentListen: '[::1]:99999' }, home })),
    /^--agent-listen: server\.agent_listen "\[::1\]:99999": expected host:port/,
  );
  assert.match(
    configError(() => resolveCentralConfig({ env: {}, flags: { logLevel: 'loud' }, home })),
    /^--log-level: log_level "loud": expected one of trace, debug/,
  );
});

test('unknown keys, wrong types and YAML syntax errors are reported with their place', () => {
  const text = 'server:\n  lisen: "0.0.0.0:1"\nauth:\n  password_login: maybe\n';
  const message = configError(() =>
    resolveCentralConfig({ file: { path: 'c.yaml', text }, env: {}, flags: {}, home }),
  );
  assert.match(message, /c\.yaml: server\.lisen: unknown setting/);
  assert.match(message, /c\.yaml: auth\.password_login "maybe": expected true or false/);
  assert.match(
    configError(() =>
      resolveCentralConfig({ file: { path: 'c.yaml', text: 'server: 5\n' }, env: {}, flags: {}, home }),
    ),
    /c\.yaml: server 5: /,
  );
  assert.match(
    configError(() =>
      resolveCentralConfig({
        file: { path: 'c.yaml', text: 'a: 1\nserver: [1\n' },
        env: {},
        flags: {},
        home,
      }),
    ),
    /^c\.yaml: line \d+: not valid YAML/,
  );
});

test('a secret value is never echoed in an error', () => {
  const secret = 'hunter2-very-secret';
  const text = `database:\n  driver: postgres\n  url: "mysql://app:${secret}@db/kgate"\n`;
  const message = configError(() =>
    resolveCentralConfig({ file: { path: 'c.yaml', text }, env: {}, flags: {}, home }),
  );
  assert.match(message, /c\.yaml: database\.url: expected a postgres:\/\/ URL/);
  assert.ok(!message.includes(secret));
  const yamlError = configError(() =>
    resolveCentralConfig({
      file: { path: 'c.yaml', text: `database:\n  url: "postgres://a:${secret}@h\n` },
      env: {},
      flags: {},
      home,
    }),
  );
  assert.ok(!yamlError.includes(secret), yamlError);
});

test('tls.cert_file without tls.key_file, and a missing config file, are refused', async () => {
  assert.match(
    configError(() =>
      resolveCentralConfig({
        file: { path: 'c.yaml', text: 'tls:\n  cert_file: /x.crt\n' },
        env: {},
        flags: {},
        home,
      }),
    ),
    /tls\.key_file is missing/,
  );
  await assert.rejects(
    loadCentralConfig({ flags: { config: '/no/such/central.yaml' }, env: {}, home }),
    (e) =>
      isKgateError(e, 'CONFIG_INVALID') && /\/no\/such\/central\.yaml: no such config file/.test(e.message),
  );
});

test('durations combine units and ~ in data_dir means the injected home', () => {
  const config = resolveCentralConfig({
    env: { KGATE_AUTH_REFRESH_TOKEN_TTL: '1h30m', KGATE_DATA_DIR: '~/kg', KGATE_DATABASE_PATH: 'db/x.db' },
    flags: {},
    home,
  });
  assert.equal(config.auth.refreshTokenTtlMs, 90 * 60_000);
  assert.equal(config.dataDir, '/home/someone/kg');
  assert.deepEqual(config.database, { driver: 'sqlite', path: '/home/someone/kg/db/x.db' });
});
