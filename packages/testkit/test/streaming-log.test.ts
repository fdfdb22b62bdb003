/**
 * `pods/log` of the streaming handlers, over HTTPS: the options kubectl sends, the
 * follow mode, and the API server's errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { httpsGet, pod, type StreamingServer, startStreamingServer } from './streaming-support.ts';

const logPath = (name: string, query = '') => `/api/v1/namespaces/default/pods/${name}/log${query}`;

describe('pod logs', () => {
  let server: StreamingServer;
  let clock = Date.parse('2025-03-01T10:00:00.250Z');

  before(async () => {
    server = await startStreamingServer({ now: () => clock });
    server.addPod(pod('web'));
    server.addPod(pod('multi', { containers: ['a', 'b'] }));
    clock += 60_000;
    server.runtime.appendLog('default', 'web', 'app', 'one minute later');
  });
  after(() => server.close());

  test('the log shows the container’s startup lines as text/plain', async () => {
    const result = await httpsGet(server, logPath('web'));
    assert.equal(result.status, 200);
    assert.equal(result.contentType, 'text/plain');
    assert.equal(result.body, 'container app started\napp: echoing stdin to stdout\none minute later\n');
  });

  test('timestamps are RFC 3339 with nine fractional digits, as the kubelet writes them', async () => {
    const result = await httpsGet(server, logPath('web', '?timestamps=true&tailLines=1'));
    assert.equal(result.body, '2025-03-01T10:01:00.250000000Z one minute later\n');
  });

  test('tailLines keeps the last lines, tailLines=0 none', async () => {
    assert.equal(
      (await httpsGet(server, logPath('web', '?tailLines=2'))).body,
      'app: echoing stdin to stdout\none minute later\n',
    );
    assert.equal((await httpsGet(server, logPath('web', '?tailLines=0'))).body, '');
  });

  test('limitBytes cuts the output after that many bytes, even inside a line', async () => {
    assert.equal((await httpsGet(server, logPath('web', '?limitBytes=12'))).body, 'container ap');
  });

  test('sinceSeconds and sinceTime keep only recent lines', async () => {
    assert.equal((await httpsGet(server, logPath('web', '?sinceSeconds=30'))).body, 'one minute later\n');
    const since = encodeURIComponent('2025-03-01T10:00:30Z');
    assert.equal((await httpsGet(server, logPath('web', `?sinceTime=${since}`))).body, 'one minute later\n');
  });

  test('a pod with several containers needs a container name, as the API server says', async () => {
    const result = await httpsGet(server, logPath('multi'));
    assert.equal(result.status, 400);
    const status = JSON.parse(result.body) as { message: string; reason: string; kind: string };
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'BadRequest');
    assert.equal(status.message, 'a container name must be specified for pod multi, choose one of: [a b]');
    assert.equal(
      (await httpsGet(server, logPath('multi', '?container=b'))).body.split('\n')[0],
      'container b started',
    );
  });

  test('an unknown container is a BadRequest naming it', async () => {
    const result = await httpsGet(server, logPath('web', '?container=sidecar'));
    assert.equal(result.status, 400);
    assert.equal(
      (JSON.parse(result.body) as { message: string }).message,
      'container sidecar is not valid for pod web',
    );
  });

  test('previous=true fails like the kubelet: there is no previous container', async () => {
    const result = await httpsGet(server, logPath('web', '?previous=true'));
    assert.equal(result.status, 400);
    assert.equal(
      (JSON.parse(result.body) as { message: string }).message,
      'previous terminated container "app" in pod "web" not found',
    );
  });

  test('a negative tailLines is rejected as an invalid PodLogOptions', async () => {
    const result = await httpsGet(server, logPath('web', '?tailLines=-3'));
    assert.equal(result.status, 422);
    const status = JSON.parse(result.body) as { message: string; reason: string; details: unknown };
    assert.equal(status.reason, 'Invalid');
    assert.equal(
      status.message,
      'PodLogOptions "web" is invalid: tailLines: Invalid value: -3: must be greater than or equal to 0',
    );
  });

  test('follow streams lines as they are written and ends when the pod is deleted', async () => {
    server.addPod(pod('follow-me'));
    const seen: string[] = [];
    const done = httpsGet(server, logPath('follow-me', '?follow=true&tailLines=1'), (chunk) => {
      seen.push(chunk);
      if (chunk.includes('echoing'))
        server.runtime.appendLog('default', 'follow-me', 'app', 'appended while following');
      if (chunk.includes('appended while following')) server.deletePod('default', 'follow-me');
    });
    const result = await done;
    assert.equal(result.status, 200);
    assert.equal(result.body, 'app: echoing stdin to stdout\nappended while following\n');
    assert.ok(seen.length >= 2, 'each line was flushed on its own');
  });
});
