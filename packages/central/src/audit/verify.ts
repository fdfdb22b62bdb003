/**
 * Checking the audit chain. Reads in pages, outside any long transaction, so writers are
 * never held up: it checks the chain up to the head as read first, and rows committed
 * meanwhile are left for the next run.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { GENESIS_HASH, rowHash } from './chain.ts';
import type { AuditHead, AuditVerifyResult } from './types.ts';

const PAGE = 500;

/** The head row, or undefined when it was deleted. */
export async function readHead(db: Kysely<Database>): Promise<AuditHead | undefined> {
  const head = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirst();
  return head ? { seq: Number(head.seq), hash: head.hash } : undefined;
}

const fail = (seq: number, problem: string): AuditVerifyResult => ({ ok: false, seq, problem });

function missing(from: number, to: number): string {
  return from === to ? `row ${from} is missing` : `rows ${from} to ${to} are missing`;
}

/** See {@link AuditLog.verify}. */
export async function verifyAudit(db: Kysely<Database>, anchor?: AuditHead): Promise<AuditVerifyResult> {
  const head = await readHead(db);
  if (!head) return fail(0, 'the audit head row is missing (deleted)');
  if (anchor && anchor.seq > head.seq) {
    return fail(
      head.seq + 1,
      `the anchor names row ${anchor.seq} but the head is at row ${head.seq}: the newest rows were deleted and the head moved back`,
    );
  }
  let expected = 1;
  let previousHash = GENESIS_HASH;
  while (expected <= head.seq) {
    const page = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', expected)
      .where('seq', '<=', head.seq)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (page.length === 0) break;
    for (const row of page) {
      const seq = Number(row.seq);
      if (seq !== expected)
        return fail(expected, `${missing(expected, seq - 1)} (deleted): the next row is ${seq}`);
      if (rowHash(row) !== row.hash)
        return fail(seq, `row ${seq} was edited: its columns do not match its hash`);
      if (row.prev_hash !== previousHash) {
        return fail(
          seq,
          seq === 1
            ? 'row 1 does not start the chain: its prev_hash is not the genesis hash'
            : `row ${seq} does not follow row ${seq - 1}: its prev_hash is not row ${seq - 1}'s hash (row ${seq - 1} was replaced, or rows were removed and renumbered)`,
        );
      }
      if (anchor && seq === anchor.seq && row.hash !== anchor.hash) {
        return fail(seq, `row ${seq} is not the row the anchor names: the chain was rewritten up to it`);
      }
      previousHash = row.hash;
      expected = seq + 1;
    }
  }
  const last = expected - 1;
  if (last < head.seq) {
    return fail(
      expected,
      `${missing(expected, head.seq)}: the head says the newest row is ${head.seq} but the last row is ${last} (the newest rows were deleted)`,
    );
  }
  if (head.hash !== previousHash) {
    return fail(head.seq, `the head was edited: its hash is not row ${head.seq}'s hash`);
  }
  // A writer moves the head in the transaction that adds rows, so read the newest row
  // first: the head read after it can only be as new or newer.
  const newest = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  const headNow = await readHead(db);
  const newestSeq = Number(newest?.seq ?? 0);
  if (!headNow) return fail(0, 'the audit head row is missing (deleted)');
  if (newestSeq > headNow.seq) {
    return fail(
      headNow.seq + 1,
      `row ${headNow.seq + 1} is past the head (row ${headNow.seq}): the head was moved back, or rows were added outside kgate`,
    );
  }
  return { ok: true, rows: head.seq, head };
}
