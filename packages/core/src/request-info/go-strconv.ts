/**
 * The two bits of Go's standard library whose exact behaviour decides how kube-apiserver
 * reads a list request: `strconv.ParseInt(s, 10, 64)` and Go's byte-wise string order.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Whether Go's `strconv.ParseInt(s, 10, 64)` accepts `s`: an optional sign, decimal digits
 * only (no spaces, no underscores with an explicit base), within the int64 range.
 */
export function isGoInt64(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const n = BigInt(s);
  return n >= INT64_MIN && n <= INT64_MAX;
}

/**
 * Compares like Go's `<` on strings (UTF-8 bytes, i.e. code points), which differs from
 * JavaScript's default UTF-16 order for characters above U+FFFF.
 */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
