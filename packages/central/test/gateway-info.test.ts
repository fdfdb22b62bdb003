/**
 * `GET /info`: the URLs central tells clients and `kgate admin clusters add` about, and
 * the settings they come from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveCentralConfig } from '@kgate/central';
import { isKgateError } from '@kgate/core/errors';
import { removeDataDir, startTestCentral } from './helpers/central.ts';

interface InfoJson {
  server_url: string;
  agent_url: string;
  heartbeat_interval_ms: number;
}

test('behind a public URL, the agent URL is the agent port on that host unless agent_public_url says otherwise', async (t) => {
  const onPublicHost = await startTestCentral({
    fileText: 'server:\n  public_url: https://kgate.example.com\n',
  });
  t.after(async () => {
    await onPublicHost.stop();
    removeDataDir(onPublicHost.dataDir);
  });
  const derived = await onPublicHost.req<InfoJson>('GET', '/info');
  assert.deepEqual(derived.json, {
    server_url: 'https://kgate.example.com',
    agent_url: `https://kgate.example.com:${onPublicHost.central.agentPort}`,
    heartbeat_interval_ms: 10_000,
  });

  const explicit = await startTestCentral({
    env: {
      KGATE_SERVER_PUBLIC_URL: 'https://kgate.example.com',
      KGATE_SERVER_AGENT_PUBLIC_URL: 'https://agents.kgate.example.com:443',
      KGATE_SERVER_HEARTBEAT_INTERVAL: '2s',
    },
  });
  t.after(async () => {
    await explicit.stop();
    removeDataDir(explicit.dataDir);
  });
  const info = await explicit.req<InfoJson>('GET', '/info');
  assert.equal(info.json.agent_url, 'https://agents.kgate.example.com', 'the default port is dropped');
  assert.equal(info.json.heartbeat_interval_ms, 2000);
});

test('a heartbeat interval too short or too long, or an agent URL that is not https, is refused with the key named', () => {
  const refused = (env: Record<string, string>) => {
    try {
      resolveCentralConfig({ env, flags: {}, home: '/home/x' });
    } catch (error) {
      assert.ok(isKgateError(error, 'CONFIG_INVALID'));
      return error.message;
    }
    assert.fail('expected CONFIG_INVALID');
  };
  assert.match(
    refused({ KGATE_SERVER_HEARTBEAT_INTERVAL: '100ms' }),
    /KGATE_SERVER_HEARTBEAT_INTERVAL: server\.heartbeat_interval "100ms": must be at least 500ms/,
  );
  assert.match(refused({ KGATE_SERVER_HEARTBEAT_INTERVAL: '1h' }), /must be at most 5m/);
  assert.match(
    refused({ KGATE_SERVER_AGENT_PUBLIC_URL: 'http://agents.example.com' }),
    /server\.agent_public_url "http:\/\/agents\.example\.com": expected an https:\/\/ URL/,
  );
});
