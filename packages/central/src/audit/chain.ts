/**
 * The audit log's hash chain: each row's hash covers the previous row's hash and every
 * other column of the row, so editing, removing or reordering a row shows.
 */
import { hash as digest } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AuditLogTable } from '../store/schema.ts';

/** The prev_hash of row 1, and the head's hash while the log is empty. */
export const GENESIS_HASH = '0'.repeat(64);

/** A row as written: the table's columns, with its 64-bit integers as numbers. */
export type AuditRow = Omit<AuditLogTable, 'seq' | 'duration_ms' | 'bytes_in' | 'bytes_out'> & {
  seq: number;
  duration_ms: number | null;
  bytes_in: number | null;
  bytes_out: number | null;
};

/**
 * Every column the hash covers, in the order it covers them. Fixed forever: changing it
 * makes every stored row fail verification. A new column goes at the end, and rows
 * written before it hash it as null.
 */
export const HASHED_COLUMNS = [
  'prev_hash',
  'seq',
  'phase',
  'request_id',
  'time',
  'kind',
  'user_id',
  'username',
  'source_ip',
  'cluster_id',
  'cluster_name',
  'method',
  'path',
  'verb',
  'api_group',
  'resource',
  'subresource',
  'namespace',
  'name',
  'command',
  'decision',
  'decision_rule',
  'decision_reason',
  'status',
  'duration_ms',
  'bytes_in',
  'bytes_out',
  'error',
] as const satisfies ReadonlyArray<keyof AuditRow>;

const NUMERIC = new Set<string>(['seq', 'status', 'duration_ms', 'bytes_in', 'bytes_out']);

type TailColumn = Exclude<(typeof HASHED_COLUMNS)[number], 'prev_hash' | 'seq'>;

/** The hashed columns after `prev_hash` and `seq`: what a row holds before it is chained. */
const TAIL_COLUMNS = HASHED_COLUMNS.slice(2) as readonly TailColumn[];

/**
 * The JSON array of a row's {@link TAIL_COLUMNS}, as the hash covers them: strings quoted
 * and escaped, numbers not (pg returns bigint columns as strings; they are numbers here),
 * null as null.
 */
export function rowTail(row: Readonly<Record<TailColumn, unknown>>): string {
  return JSON.stringify(
    TAIL_COLUMNS.map((column) => {
      const value = row[column];
      return NUMERIC.has(column) && value !== null ? Number(value) : value;
    }),
  );
}

/**
 * SHA-256 hex of `[prev_hash, seq, ...tail]` as one JSON array, so no two different rows
 * encode alike; `tail` is {@link rowTail}'s array. Writing the array by hand around the
 * tail is what lets a writer hash a row it received as text without parsing it first.
 */
export function hashAfter(prevHash: string, seq: number, tail: string): string {
  return digest('sha256', `[${JSON.stringify(prevHash)},${seq},${tail.slice(1)}`, 'hex');
}

/** A row's hash from its columns; takes a row as written or as read back. */
export function rowHash(row: Omit<AuditRow, 'hash'> | Omit<Selectable<AuditLogTable>, 'hash'>): string {
  return hashAfter(row.prev_hash, Number(row.seq), rowTail(row));
}

/** Why a writer refuses a batch when the head row is gone (deleted by hand, or tampered with). */
export const HEAD_MISSING = 'the audit head row is missing: the log was tampered with (run verify)';

/** A row not yet placed in the chain. */
export type UnchainedRow = Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>;

/** Places `rows` after `head`, in order: their seqs, prev_hashes and hashes. */
export function chain(rows: readonly UnchainedRow[], head: { seq: number; hash: string }): AuditRow[] {
  let { seq, hash } = head;
  return rows.map((row) => {
    seq += 1;
    const chained: AuditRow = { ...row, seq, prev_hash: hash, hash: hashAfter(hash, seq, rowTail(row)) };
    hash = chained.hash;
    return chained;
  });
}
