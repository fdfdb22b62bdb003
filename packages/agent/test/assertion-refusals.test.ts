/**
 * A request that reaches the agent through the tunnel with an assertion central did not
 * make for it — forged, under a wrong or another session's key, expired, replayed, for
 * another cluster — is answered with a 403 Status kubectl prints, and never reaches the
 * apiserver.
 */
import assert from 'node:assert/strict';
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAssertionSigner } from '../../central/src/tunnel/assertion.ts';
import { startAgent } from '../src/agent.ts';
import { silentLogger } from '../src/log.ts';
import { type Gateway, startGateway } from './support/gateway.ts';

let gateway: Gateway;
const alice = { userId: 'u-alice', username: 'alice', roles: ['admin'] };

before(async () => {
  gateway = await startGateway();
});

after(async () => {
  await gateway.close();
});

interface Answer {
  status: number;
  body: { kind?: string; reason?: string; message?: string };
}

/** Sends a GET into the tunnel with the assertion `make` builds from the stream's session key. */
function send(requestId: string, make: (key: KeyObject) => string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let body = '';
    gateway
      .tunnel()
      .openExchange(gateway.cluster.clusterId, {
        onHead(s) {
          status = s;
        },
        onData(data) {
          body += Buffer.from(data).toString();
        },
        onEnd: () => resolve({ status, body: JSON.parse(body) as Answer['body'] }),
        onError: (reason) => reject(new Error(reason)),
      })
      .then((exchange) => {
        exchange.open(
          {
            requestId,
            method: 'GET',
            path: '/api/v1/namespaces/default/configmaps',
            headers: [{ name: 'Accept', value: 'application/json' }],
            assertion: make(exchange.assertionKey),
            upgrade: false,
          },
          { end: true },
        );
      }, reject);
  });
}

/** Asserts a 403 Status naming `why`, and that the apiserver saw nothing. */
async function assertRefused(requestId: string, make: (key: KeyObject) => string, why: RegExp) {
  const before = gateway.apiserver.requests.length;
  const answer = await send(requestId, make);
  assert.equal(answer.status, 403);
  assert.equal(answer.body.kind, 'Status');
  assert.equal(answer.body.reason, 'Forbidden');
  assert.match(answer.body.message ?? '', /^kgate-agent refused the request: /);
  assert.match(answer.body.message ?? '', why);
  assert.equal(gateway.apiserver.requests.length, before, 'the refused request reached the apiserver');
}

const rid = () => `req-${randomBytes(6).toString('hex')}`;

describe('the agent answers 403 and forwards nothing for', { timeout: 60_000 }, () => {
  test('an assertion with a forged MAC', async () => {
    const id = rid();
    await assertRefused(
      id,
      (key) => {
        const [header, payload] = gateway.signer.sign(alice, gateway.cluster, id, key).split('.');
        return `${header}.${payload}.${createHmac('sha256', 'guess').update('x').digest('base64url')}`;
      },
      /not signed with this session’s key/,
    );
  });

  test('an assertion made with a wrong key', async () => {
    const id = rid();
    const wrong = createSecretKey(randomBytes(32));
    await assertRefused(id, () => gateway.signer.sign(alice, gateway.cluster, id, wrong), /not signed/);
  });

  test('an assertion made with the key of another agent session of the same cluster', async () => {
    const registry = gateway.tunnel().registry;
    const sessions = () => registry.list().filter((s) => s.clusterId === gateway.cluster.clusterId).length;
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 10_000;
      while (sessions() !== count) {
        if (Date.now() > deadline) throw new Error(`the cluster did not get to ${count} agent sessions`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const second = startAgent({
      centralUrl: gateway.tunnelUrl,
      centralCa: gateway.centralCaPem,
      clusterName: gateway.cluster.clusterName,
      token: gateway.joinToken,
      target: gateway.target,
      logger: silentLogger,
    });
    try {
      await waitFor(2);
      const keys = registry.list().map((info) => registry.session(info.sessionId)?.assertionKey);
      const id = rid();
      await assertRefused(
        id,
        (own) => {
          const other = keys.find((k) => k !== undefined && !k.equals(own));
          assert.ok(other, 'another session has a key of its own');
          return gateway.signer.sign(alice, gateway.cluster, id, other);
        },
        /not signed with this session’s key/,
      );
    } finally {
      await second.stop();
      // Later tests must not draw a stream of the session that is going away.
      await waitFor(1);
    }
  });

  test('an expired assertion', async () => {
    const id = rid();
    const past = createAssertionSigner({
      issuer: gateway.signer.issuer,
      now: () => new Date(Date.now() - 120_000),
    });
    await assertRefused(id, (key) => past.sign(alice, gateway.cluster, id, key), /has expired/);
  });

  test('an assertion replayed with the request id it was made for', async () => {
    const id = rid();
    let captured: { token: string; key: KeyObject } | undefined;
    const first = await send(id, (key) => {
      const token = gateway.signer.sign(alice, gateway.cluster, id, key);
      captured = { token, key };
      return token;
    });
    assert.equal(first.status, 200, 'the first use is served');
    const replay = captured;
    assert.ok(replay);
    // Only a stream of the same session can accept it (another session's key differs).
    await assertRefused(
      id,
      (key) => {
        assert.ok(key.equals(replay.key), 'the replay rides the same agent session');
        return replay.token;
      },
      /already used/,
    );
  });

  test('an assertion for another cluster (wrong audience)', async () => {
    const id = rid();
    await assertRefused(
      id,
      (key) => gateway.signer.sign(alice, { clusterId: 'other', clusterName: 'other-cluster' }, id, key),
      /meant for another cluster/,
    );
  });
});
