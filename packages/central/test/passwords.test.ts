import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPasswordVerifier, hashPassword, verifyPassword } from '../src/auth/passwords.ts';

const cost = { ln: 10, r: 8, p: 1 };

test('a password hash is a salted scrypt PHC string that verifies only the right password', async () => {
  const a = await hashPassword('correct horse battery', cost);
  const b = await hashPassword('correct horse battery', cost);
  assert.match(a, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('', a), false);
});

test('the cost travels with the hash, and malformed hashes never verify', async () => {
  const stronger = await hashPassword('pw-123456789', { ln: 11, r: 8, p: 2 });
  assert.equal(await verifyPassword('pw-123456789', stronger), true);
  for (const bad of [
    '',
    'plain',
    '$scrypt$ln=10,r=8,p=1$$',
    '$argon2id$v=19$m=1,t=1,p=1$a$b',
    '$scrypt$ln=40,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA',
  ]) {
    assert.equal(await verifyPassword('x', bad), false, bad);
  }
});

test('the default cost is one of OWASP’s scrypt minimums (N=2^15, r=8, p=3)', async () => {
  const hash = await hashPassword('some-password-1');
  assert.match(hash, /^\$scrypt\$ln=15,r=8,p=3\$/);
  assert.equal(await verifyPassword('some-password-1', hash), true);
});

test('verifying against no stored hash does the same work and answers false', async () => {
  const verifier = await createPasswordVerifier(cost);
  assert.equal(await verifier.verify('anything', null), false);
  assert.equal(await verifier.verify('anything', undefined), false);
  assert.equal(await verifier.verify('pw', await verifier.hash('pw')), true);
});
