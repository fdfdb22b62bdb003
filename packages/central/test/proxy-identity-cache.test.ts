/**
 * The proxy checks a bearer token's signature once and remembers it, but asks who the
 * user is on every request: a deleted user or a changed role takes effect on the very
 * next request, cached signature or not.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { type Gateway, startGateway } from '../../agent/test/support/gateway.ts';
import {
  cachingAuthenticator,
  type SplitAuthenticator,
  tokenVerificationCache,
} from '../src/proxy/identity-cache.ts';
import type { VerifiedToken } from '../src/proxy/ports.ts';
import type { Identity } from '../src/tunnel/ports.ts';

let gateway: Gateway;

before(async () => {
  gateway = await startGateway();
});

after(async () => {
  await gateway.close();
});

function get(token: string): Promise<{ status: number; body: { reason?: string } }> {
  return new Promise((resolve, reject) => {
    https
      .get(`${gateway.centralUrl}/k8s/${gateway.cluster.clusterName}/api/v1/namespaces/default/configmaps`, {
        ca: gateway.centralCaPem,
        headers: { authorization: `Bearer ${token}` },
      })
      .on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

describe('through the proxy, with token signatures cached (the default)', { timeout: 60_000 }, () => {
  test('a second request with the same token does not check its signature again', async () => {
    const token = await gateway.users.token('carol', ['admin']);
    const before = gateway.users.verifications;
    assert.equal((await get(token)).status, 200);
    assert.equal((await get(token)).status, 200);
    assert.equal((await get(token)).status, 200);
    assert.equal(gateway.users.verifications - before, 1);
  });

  test('a deleted user is refused on the very next request', async () => {
    const token = await gateway.users.token('dave', ['admin']);
    assert.equal((await get(token)).status, 200);
    gateway.users.remove('dave');
    const answer = await get(token);
    assert.equal(answer.status, 401);
    assert.equal(answer.body.reason, 'Unauthorized');
  });

  test('a role taken away is gone on the very next request, and a role given is there', async () => {
    const token = await gateway.users.token('erin', ['admin']);
    assert.equal((await get(token)).status, 200);
    gateway.users.setRoles('erin', []);
    const before = gateway.apiserver.requests.length;
    const refused = await get(token);
    assert.equal(refused.status, 403, 'the cluster no longer lets erin list configmaps');
    const seen = gateway.apiserver.requests.slice(before).find((r) => r.user === 'erin');
    assert.ok(seen, 'the request reached the cluster as erin');
    assert.deepEqual(
      seen.groups.filter((g) => g.startsWith('kgate:')),
      ['kgate:authenticated'],
    );
    gateway.users.setRoles('erin', ['viewer']);
    assert.equal((await get(token)).status, 200);
  });
});

/** A split authenticator over a user table, counting signature checks. */
function fakeUsers(expiresAt: () => Date) {
  const table = new Map<string, Identity>([['u1', { userId: 'u1', username: 'alice', roles: ['admin'] }]]);
  const calls = { verify: 0, load: 0 };
  const users: SplitAuthenticator = {
    async verifyToken(token) {
      calls.verify++;
      return token.startsWith('good') ? { userId: 'u1', username: 'alice', expiresAt: expiresAt() } : null;
    },
    loadIdentity(token: VerifiedToken) {
      calls.load++;
      const user = table.get(token.userId);
      return user?.username === token.username ? user : null;
    },
    async authenticate(token) {
      const verified = await this.verifyToken(token);
      return verified === null ? null : this.loadIdentity(verified);
    },
  };
  return { users, table, calls };
}

describe('the token verification cache', () => {
  test('checks a signature once per TTL and loads the user every time', async () => {
    let now = 1_000_000;
    const { users, calls } = fakeUsers(() => new Date(now + 3_600_000));
    const cached = tokenVerificationCache(users, 60_000, () => now);
    for (let i = 0; i < 5; i++) assert.equal((await cached.authenticate('good-1'))?.username, 'alice');
    assert.deepEqual(calls, { verify: 1, load: 5 });
    now += 60_000;
    await cached.authenticate('good-1');
    assert.equal(calls.verify, 2, 'checked again once the TTL passed');
  });

  test('never serves a token past its expiry, whatever the TTL', async () => {
    let now = 1_000_000;
    const { users, calls } = fakeUsers(() => new Date(1_000_000 + 5_000));
    const cached = tokenVerificationCache(users, 60_000, () => now);
    await cached.authenticate('good-1');
    now += 5_000;
    assert.equal(await cached.authenticate('good-1'), null);
    assert.equal(calls.verify, 2);
  });

  test('remembers no refusal, and keys by token: another token is checked on its own', async () => {
    const { users, calls } = fakeUsers(() => new Date(Date.now() + 60_000));
    const cached = tokenVerificationCache(users, 60_000);
    assert.equal(await cached.authenticate('bad'), null);
    assert.equal(await cached.authenticate('bad'), null);
    await cached.authenticate('good-1');
    await cached.authenticate('good-2');
    assert.equal(calls.verify, 4);
  });

  test('a user removed from the table is refused at once', async () => {
    const { users, table } = fakeUsers(() => new Date(Date.now() + 60_000));
    const cached = tokenVerificationCache(users, 60_000);
    assert.ok(await cached.authenticate('good-1'));
    table.delete('u1');
    assert.equal(await cached.authenticate('good-1'), null);
  });

  test('the opt-in identity cache keeps a whole identity for its TTL (the trade-off it documents)', async () => {
    let now = 0;
    const { users, table, calls } = fakeUsers(() => new Date(3_600_000));
    const cached = cachingAuthenticator(users, 1000, () => now);
    await cached.authenticate('good-1');
    table.delete('u1');
    assert.equal((await cached.authenticate('good-1'))?.username, 'alice');
    now += 1000;
    assert.equal(await cached.authenticate('good-1'), null);
    assert.equal(calls.verify, 2);
  });
});
