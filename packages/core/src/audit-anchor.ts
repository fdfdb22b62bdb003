/**
 * An audit anchor: the head of central's hash-chained audit log (its newest row's seq and
 * hash), written `SEQ:HASH`. Kept outside central's database, it lets a later
 * `kgate admin audit verify --anchor SEQ:HASH` catch a log rewritten from some row on
 * with every hash recomputed, which the chain alone cannot show.
 */
import { KgateError } from './errors.ts';

export interface AuditAnchor {
  seq: number;
  /** SHA-256 hex of row `seq` (64 zeros for seq 0, the empty log). */
  hash: string;
}

/** `SEQ:HASH`, as `kgate admin audit verify` prints it and `--anchor` takes it. */
export function formatAuditAnchor(anchor: AuditAnchor): string {
  return `${anchor.seq}:${anchor.hash}`;
}

/**
 * Reads `SEQ:HASH` (a whole number, a colon, 64 hex digits).
 * @throws KgateError `INVALID_ARGUMENT` naming the value.
 */
export function parseAuditAnchor(text: string): AuditAnchor {
  const match = /^(\d{1,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (match === null) {
    throw new KgateError('INVALID_ARGUMENT', `audit anchor "${text}" is not SEQ:HASH`, {
      hint: 'give the anchor `kgate admin audit verify` printed, such as 1234:9f86d081…(64 hex digits)',
    });
  }
  return { seq: Number(match[1]), hash: (match[2] as string).toLowerCase() };
}
