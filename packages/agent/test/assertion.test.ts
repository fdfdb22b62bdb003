/**
 * The agent refuses any identity assertion central did not sign for this cluster and
 * this request, within its lifetime: otherwise a forged or replayed assertion would
 * let a request run as someone else.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { createAssertionSigner } from '../../central/src/tunnel/assertion.ts';
import { AssertionError, AssertionVerifier } from '../src/tunnel/assertion.ts';

const identity = { userId: 'u-1', username: 'alice', roles: ['admin', 'dev'] };
const cluster = { clusterId: 'c-1', clusterName: 'prod' };

async function setup(options: { now?: () => Date; reuseSeconds?: number; ttlSeconds?: number } = {}) {
  const signer = await createAssertionSigner({ issuer: 'https://central.test', ...options });
  const verifier = new AssertionVerifier({
    jwks: signer.jwks(),
    issuer: 'https://central.test',
    audience: 'kgate-agent:prod',
  });
  return { signer, verifier };
}

describe('identity assertions', () => {
  test('a fresh assertion yields the user and one kgate:role group per role', async () => {
    const { signer, verifier } = await setup();
    const token = await signer.sign(identity, cluster, 'req-1');
    assert.deepEqual(await verifier.verify(token, 'req-1'), {
      userId: 'u-1',
      username: 'alice',
      groups: ['kgate:authenticated', 'kgate:role:admin', 'kgate:role:dev'],
    });
  });

  test('the JWKS sent to agents holds only the public key', async () => {
    const { signer } = await setup();
    const [key] = signer.jwks().keys;
    assert.ok(key);
    assert.equal(key.d, undefined);
    assert.equal(key.alg, 'ES256');
  });

  test('an expired assertion is refused', async () => {
    const { signer, verifier } = await setup({ now: () => new Date(Date.now() - 120_000) });
    const token = await signer.sign(identity, cluster, 'req-1');
    await assert.rejects(verifier.verify(token, 'req-1'), /has expired/);
  });

  test('an assertion that would make the agent impersonate a group outside kgate:* is refused', async () => {
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const signer = await createAssertionSigner({ issuer: 'https://central.test', privateKey });
    const verifier = new AssertionVerifier({
      jwks: signer.jwks(),
      issuer: 'https://central.test',
      audience: 'kgate-agent:prod',
    });
    const kid = signer.jwks().keys[0]?.kid ?? '';
    const token = await new SignJWT({
      user: 'alice',
      groups: ['kgate:authenticated', 'system:masters'],
      rid: 'req-1',
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'kgate-assertion+jwt' })
      .setIssuer('https://central.test')
      .setAudience('kgate-agent:prod')
      .setSubject('u-1')
      .setJti('req-1')
      .setIssuedAt()
      .setExpirationTime('30s')
      .sign(privateKey);
    await assert.rejects(verifier.verify(token, 'req-1'), /groups outside kgate:\*/);
  });

  test('an assertion for another cluster is refused', async () => {
    const { signer, verifier } = await setup();
    const token = await signer.sign(identity, { clusterId: 'c-2', clusterName: 'staging' }, 'req-1');
    await assert.rejects(verifier.verify(token, 'req-1'), /meant for another cluster/);
  });

  test('an assertion signed by another key is refused', async () => {
    const { verifier } = await setup();
    const other = await createAssertionSigner({
      issuer: 'https://central.test',
      privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    });
    const token = await other.sign(identity, cluster, 'req-1');
    await assert.rejects(verifier.verify(token, 'req-1'), /not signed by central/);
  });

  test('a tampered assertion is refused', async () => {
    const { signer, verifier } = await setup();
    const [header, payload, signature] = (await signer.sign(identity, cluster, 'req-1')).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    claims.user = 'admin';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await assert.rejects(verifier.verify(forged, 'req-1'), AssertionError);
  });

  test('an assertion signed for one request cannot serve another, nor the same one twice', async () => {
    const { signer, verifier } = await setup();
    const token = await signer.sign(identity, cluster, 'req-1');
    await assert.rejects(verifier.verify(token, 'req-2'), /another request/);
    await verifier.verify(token, 'req-1');
    await assert.rejects(verifier.verify(token, 'req-1'), /already used/);
  });

  test('a missing assertion is refused', async () => {
    const { verifier } = await setup();
    await assert.rejects(verifier.verify('', 'req-1'), /no identity assertion/);
  });

  test('central refuses to sign assertions that live longer than 60 s', async () => {
    await assert.rejects(createAssertionSigner({ ttlSeconds: 61 }), /outside 1–60 s/);
  });

  test('with reuse on, one assertion serves several requests of the same user and is verified once', async () => {
    const { signer, verifier } = await setup({ reuseSeconds: 10 });
    const first = await signer.sign(identity, cluster, 'req-1');
    const second = await signer.sign(identity, cluster, 'req-2');
    assert.equal(first, second);
    assert.equal((await verifier.verify(first, 'req-1')).username, 'alice');
    assert.equal((await verifier.verify(second, 'req-2')).username, 'alice');
    const bob = await signer.sign({ ...identity, userId: 'u-2', username: 'bob' }, cluster, 'req-3');
    assert.notEqual(bob, first);
    assert.equal((await verifier.verify(bob, 'req-3')).username, 'bob');
  });
});
