import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random opaque token: `prefix` + 32 random bytes, base64url. The prefix lets secret scanners spot leaks. */
export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256, hex: how opaque tokens are stored. A fast hash suffices for 256-bit random secrets. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function hexDigestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
