/**
 * Strict percent-decoding shared by the path and query parsers.
 *
 * Go's `net/url` (what kube-apiserver uses) decodes `%XX` to raw bytes and fails on a
 * malformed escape; JavaScript's decoders differ in what they do with bad input (throw,
 * keep it literally, or substitute U+FFFD). kgate must see exactly the string the API
 * server sees, so anything that could be read two ways is refused instead of decoded.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why {@link percentDecode} refused its input. */
export type PercentProblem = 'bad-escape' | 'not-utf8';

/**
 * Decodes `%XX` escapes (and, with `plusIsSpace`, `+` as a space, as in a query).
 *
 * @returns the decoded text, or the reason it cannot be decoded unambiguously: an escape
 * that is not `%` followed by two hex digits, or bytes that are not UTF-8.
 */
export function percentDecode(text: string, plusIsSpace = false): string | PercentProblem {
  const spaced = plusIsSpace ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return spaced;
  if (/%(?![0-9A-Fa-f]{2})/.test(spaced)) return 'bad-escape';
  // Escapes are decoded as UTF-8 byte sequences that may span several `%XX`, so collect
  // bytes first; the caller has already refused non-ASCII raw characters.
  const bytes: number[] = [];
  for (let i = 0; i < spaced.length; i++) {
    if (spaced[i] === '%') {
      bytes.push(Number.parseInt(spaced.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(spaced.charCodeAt(i));
    }
  }
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch {
    return 'not-utf8';
  }
}
