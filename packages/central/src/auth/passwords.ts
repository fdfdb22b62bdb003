import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt from node:crypto.
 *
 * Hashes are PHC strings, `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (base64, no padding), so
 * the parameters travel with each hash and can be raised later without breaking old
 * ones. The default is one of OWASP's equivalent scrypt minimums, N=2^15, r=8, p=3:
 * the same work as N=2^17, p=1 but 32 MiB per hash instead of 128 MiB, which matters
 * when many logins arrive at once.
 */
export interface ScryptCost {
  /** log2(N). */
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { ln: 15, r: 8, p: 3 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, cost: ScryptCost, keyLength: number): Promise<Buffer> {
  const N = 2 ** cost.ln;
  // Node refuses when 128·N·r exceeds maxmem; allow twice that.
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

const b64 = (buf: Buffer) => buf.toString('base64').replace(/=+$/, '');

/** Hashes a password with a fresh random salt. */
export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, cost, KEY_LENGTH);
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(hash)}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Whether `password` matches a hash made by {@link hashPassword}; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = PHC.exec(stored);
  if (!match) return false;
  const cost = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const salt = Buffer.from(match[4] ?? '', 'base64');
  const expected = Buffer.from(match[5] ?? '', 'base64');
  if (cost.ln > 22 || expected.length < 16) return false;
  const actual = await derive(password, salt, cost, expected.length);
  return timingSafeEqual(actual, expected);
}

/**
 * Verifies passwords so that a missing user costs as much as a wrong password: with no
 * stored hash, it checks against a dummy hash of the same cost and answers false.
 */
export interface PasswordVerifier {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string | null | undefined): Promise<boolean>;
}

export async function createPasswordVerifier(
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<PasswordVerifier> {
  const dummy = await hashPassword(randomBytes(16).toString('hex'), cost);
  return {
    hash: (password) => hashPassword(password, cost),
    async verify(password, stored) {
      if (!stored) {
        await verifyPassword(password, dummy);
        return false;
      }
      return verifyPassword(password, stored);
    },
  };
}
