/**
 * The agent refuses any identity assertion central did not make with this session's
 * key, for this cluster and this request, within its lifetime: otherwise a forged or
 * replayed assertion would let a request run as someone else.
 */
import assert from 'node:assert/strict';
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { createAssertionSigner } from '../../central/src/tunnel/assertion.ts';
import { AssertionError, AssertionVerifier } from '../src/tunnel/assertion.ts';

const identity = { userId: 'u-1', username: 'alice', roles: ['admin', 'dev'] };
const cluster = { clusterId: 'c-1', clusterName: 'prod' };
const issuer = 'https://central.test';

function setup(options: { now?: () => Date; ttlSeconds?: number } = {}) {
  const signer = createAssertionSigner({ issuer, ...options });
  const key = signer.newSessionKey();
  const verifier = new AssertionVerifier({ key, issuer, audience: 'kgate-agent:prod' });
  return { signer, key, verifier };
}

/** An HS256 JWT with any header and claims, MACed with `key`, as a forger would build it. */
function handMade(
  key: KeyObject,
  claims: Record<string, unknown>,
  header: object = { alg: 'HS256', typ: 'kgate-assertion+jwt' },
) {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

function validClaims(rid: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: 'kgate-agent:prod',
    sub: 'u-1',
    user: 'alice',
    groups: ['kgate:authenticated'],
    rid,
    iat: now,
    exp: now + 30,
  };
}

describe('identity assertions', () => {
  test('a fresh assertion yields the user and one kgate:role group per role', () => {
    const { signer, key, verifier } = setup();
    const token = signer.sign(identity, cluster, 'req-1', key);
    assert.deepEqual(verifier.verify(token, 'req-1'), {
      userId: 'u-1',
      username: 'alice',
      groups: ['kgate:authenticated', 'kgate:role:admin', 'kgate:role:dev'],
    });
  });

  test('an assertion is a standard HS256 JWT with the assertion type, for one cluster, living the configured time', () => {
    const { signer, key } = setup();
    const [header, payload] = signer.sign(identity, cluster, 'req-1', key).split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header ?? '', 'base64url').toString()), {
      alg: 'HS256',
      typ: 'kgate-assertion+jwt',
    });
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, number>;
    assert.equal(claims.aud, 'kgate-agent:prod');
    assert.equal(claims.rid, 'req-1');
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 30);
  });

  test('a hand-made assertion with the right key and claims is accepted (the format is plain JWT)', () => {
    const { key, verifier } = setup();
    assert.equal(verifier.verify(handMade(key, validClaims('req-1')), 'req-1').username, 'alice');
  });

  test('session keys are 256-bit, different for every session, and print as nothing in logs', () => {
    const { signer } = setup();
    const a = signer.newSessionKey();
    const b = signer.newSessionKey();
    assert.equal(a.symmetricKeySize, 32);
    assert.notDeepEqual(a.export(), b.export());
    const hex = a.export().toString('hex');
    const b64 = a.export().toString('base64');
    for (const text of [inspect(a), JSON.stringify({ a }), String(a)]) {
      assert.doesNotMatch(text, new RegExp(hex));
      assert.ok(!text.includes(b64));
    }
  });

  test('an assertion with a forged MAC is refused', () => {
    const { signer, key, verifier } = setup();
    const [header, payload] = signer.sign(identity, cluster, 'req-1', key).split('.');
    const forged = `${header}.${payload}.${randomBytes(32).toString('base64url')}`;
    assert.throws(() => verifier.verify(forged, 'req-1'), /not signed with this session’s key/);
  });

  test('a tampered assertion (another user) is refused', () => {
    const { signer, key, verifier } = setup();
    const [header, payload, signature] = signer.sign(identity, cluster, 'req-1', key).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    claims.user = 'admin';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    assert.throws(() => verifier.verify(forged, 'req-1'), /not signed with this session’s key/);
  });

  test('an assertion made with another key (another session’s, or a guessed one) is refused', () => {
    const { signer, verifier } = setup();
    const otherSession = signer.newSessionKey();
    assert.throws(
      () => verifier.verify(signer.sign(identity, cluster, 'req-1', otherSession), 'req-1'),
      /not signed with this session’s key/,
    );
    const guessed = createSecretKey(Buffer.alloc(32));
    assert.throws(() => verifier.verify(handMade(guessed, validClaims('req-2')), 'req-2'), AssertionError);
  });

  test('a signature spelled differently in base64url is refused, even if it decodes to the right bytes', () => {
    const { signer, key, verifier } = setup();
    const token = signer.sign(identity, cluster, 'req-1', key);
    assert.throws(() => verifier.verify(`${token}=`, 'req-1'), /not signed/);
  });

  test('an assertion with another algorithm or type in its header is refused, even with the right MAC', () => {
    const { key, verifier } = setup();
    for (const header of [
      { alg: 'none', typ: 'kgate-assertion+jwt' },
      { alg: 'HS512', typ: 'kgate-assertion+jwt' },
      { alg: 'HS256', typ: 'at+jwt' },
      { typ: 'kgate-assertion+jwt', alg: 'HS256' },
    ])
      assert.throws(
        () => verifier.verify(handMade(key, validClaims('req-1'), header), 'req-1'),
        /unexpected header/,
      );
    assert.throws(() => verifier.verify('a.b', 'req-1'), /malformed/);
  });

  test('an expired assertion is refused', () => {
    const { signer, key, verifier } = setup({ now: () => new Date(Date.now() - 120_000) });
    assert.throws(
      () => verifier.verify(signer.sign(identity, cluster, 'req-1', key), 'req-1'),
      /has expired/,
    );
  });

  test('an assertion from the future, or living longer than 60 s, is refused', () => {
    const { key, verifier } = setup();
    const now = Math.floor(Date.now() / 1000);
    const future = { ...validClaims('req-1'), iat: now + 300, exp: now + 330 };
    assert.throws(() => verifier.verify(handMade(key, future), 'req-1'), /not valid yet/);
    const long = { ...validClaims('req-2'), exp: now + 3600 };
    assert.throws(() => verifier.verify(handMade(key, long), 'req-2'), /longer than 60 s/);
    const noExpiry = { ...validClaims('req-3'), exp: undefined };
    assert.throws(() => verifier.verify(handMade(key, noExpiry), 'req-3'), /no valid lifetime/);
  });

  test('an assertion for another cluster is refused', () => {
    const { signer, key, verifier } = setup();
    const token = signer.sign(identity, { clusterId: 'c-2', clusterName: 'staging' }, 'req-1', key);
    assert.throws(() => verifier.verify(token, 'req-1'), /meant for another cluster/);
  });

  test('an assertion from another issuer is refused', () => {
    const { key, verifier } = setup();
    const token = handMade(key, { ...validClaims('req-1'), iss: 'https://evil.test' });
    assert.throws(() => verifier.verify(token, 'req-1'), /unexpected issuer/);
  });

  test('an assertion that would make the agent impersonate a group outside kgate:* is refused', () => {
    const { key, verifier } = setup();
    const token = handMade(key, {
      ...validClaims('req-1'),
      groups: ['kgate:authenticated', 'system:masters'],
    });
    assert.throws(() => verifier.verify(token, 'req-1'), /groups outside kgate:\*/);
    const bare = handMade(key, { ...validClaims('req-2'), groups: ['kgate:role:admin'] });
    assert.throws(() => verifier.verify(bare, 'req-2'), /lacks the group kgate:authenticated/);
  });

  test('an assertion signed for one request cannot serve another, nor the same one twice', () => {
    const { signer, key, verifier } = setup();
    const token = signer.sign(identity, cluster, 'req-1', key);
    assert.throws(() => verifier.verify(token, 'req-2'), /another request/);
    verifier.verify(token, 'req-1');
    assert.throws(() => verifier.verify(token, 'req-1'), /already used/);
    // A fresh assertion for an id already used is a replay too.
    assert.throws(
      () => verifier.verify(signer.sign(identity, cluster, 'req-1', key), 'req-1'),
      /already used/,
    );
  });

  test('a used request id is refused for as long as its assertion could still be accepted', () => {
    let clock = Date.now();
    const now = () => new Date(clock);
    const signer = createAssertionSigner({ issuer, ttlSeconds: 60, now });
    const key = signer.newSessionKey();
    const verifier = new AssertionVerifier({ key, issuer, audience: 'kgate-agent:prod', now });
    const used: { token: string; rid: string; iat: number }[] = [];
    // One request a second for 200 s, so that ids are used at every point of the
    // verifier's bookkeeping cycle; every earlier one is replayed each second.
    for (let second = 0; second < 200; second++) {
      const rid = `req-${second}`;
      const token = signer.sign(identity, cluster, rid, key);
      verifier.verify(token, rid);
      used.push({ token, rid, iat: Math.floor(clock / 1000) });
      const nowSeconds = Math.floor(clock / 1000);
      for (const old of used) {
        // Accepted until exp (iat + 60) plus the 10 s clock tolerance: until then, a replay.
        const expected = nowSeconds < old.iat + 70 ? /already used/ : /has expired/;
        assert.throws(() => verifier.verify(old.token, old.rid), expected, `${old.rid} at ${second} s`);
      }
      clock += 1000;
    }
  });

  test('a missing assertion is refused', () => {
    const { verifier } = setup();
    assert.throws(() => verifier.verify('', 'req-1'), /no identity assertion/);
  });

  test('central refuses to make assertions that live longer than 60 s', () => {
    assert.throws(() => createAssertionSigner({ ttlSeconds: 61 }), /outside 1–60 s/);
  });

  test('the agent refuses a registration key that is not a 256-bit secret', () => {
    assert.throws(
      () =>
        new AssertionVerifier({
          key: createSecretKey(Buffer.alloc(16)),
          issuer,
          audience: 'kgate-agent:prod',
        }),
      /not a 256-bit secret key/,
    );
  });
});
