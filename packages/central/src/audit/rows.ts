/**
 * Audit entries to rows. Checked before they are queued, so one caller's bad entry is
 * refused alone instead of failing the transaction it would share with others.
 */
import { KgateError } from '@kgate/core/errors';
import type { UnchainedRow } from './chain.ts';
import type { AuditEnd, AuditStart } from './types.ts';

const KINDS = new Set(['api', 'proxy', 'exec']);
const DECISIONS = new Set(['allowed', 'denied']);
const SUSPECT = /[\0\uD800-\uDFFF]/;

function invalid(what: string): KgateError {
  return new KgateError('INTERNAL', `invalid audit entry: ${what}`);
}

function checkCommon(entry: { requestId: string; time: Date }): void {
  if (typeof entry.requestId !== 'string' || entry.requestId === '') throw invalid('requestId is empty');
  if (!(entry.time instanceof Date) || Number.isNaN(entry.time.getTime())) {
    throw invalid(`time of request ${entry.requestId} is not a valid Date`);
  }
}

function count(name: string, value: number | undefined, requestId: string): number | null {
  if (value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} ${value} of request ${requestId} is not a whole number >= 0`);
  }
  return value;
}

/**
 * Text as every store holds it and gives it back: PostgreSQL refuses NUL in text (one
 * such value would fail its whole batch, refusing other users' requests), and a lone
 * surrogate reads back as U+FFFD, so the row would no longer match its hash. Both become
 * U+FFFD: the request is still on record, with a visible mark where the odd character was.
 */
function storable(row: UnchainedRow): UnchainedRow {
  const values = row as Record<string, unknown>;
  for (const column in values) {
    const value = values[column];
    // A quick test first: surrogates are rare in these values, and most are pairs.
    if (typeof value === 'string' && SUSPECT.test(value) && (value.includes('\0') || !value.isWellFormed())) {
      values[column] = value.toWellFormed().replaceAll('\0', '\uFFFD');
    }
  }
  return row;
}

/** The begin row of a request. Throws a KgateError INTERNAL for an entry that breaks the types. */
export function beginRow(start: AuditStart): UnchainedRow {
  checkCommon(start);
  if (!KINDS.has(start.kind)) throw invalid(`kind ${JSON.stringify(start.kind)} of ${start.requestId}`);
  if (!DECISIONS.has(start.decision)) {
    throw invalid(`decision ${JSON.stringify(start.decision)} of ${start.requestId}`);
  }
  const command = start.command ?? null;
  if (command !== null && !(Array.isArray(command) && command.every((part) => typeof part === 'string'))) {
    throw invalid(`command of ${start.requestId} is not an array of strings`);
  }
  return storable({
    phase: 'begin',
    request_id: start.requestId,
    time: start.time.toISOString(),
    kind: start.kind,
    user_id: start.userId ?? null,
    username: start.username ?? null,
    source_ip: start.sourceIp ?? null,
    cluster_id: start.clusterId ?? null,
    cluster_name: start.clusterName ?? null,
    method: start.method ?? null,
    path: start.path ?? null,
    verb: start.verb ?? null,
    api_group: start.apiGroup ?? null,
    resource: start.resource ?? null,
    subresource: start.subresource ?? null,
    namespace: start.namespace ?? null,
    name: start.name ?? null,
    command: command === null ? null : JSON.stringify(command),
    decision: start.decision,
    decision_rule: start.rule ?? null,
    decision_reason: start.reason ?? null,
    status: null,
    duration_ms: null,
    bytes_in: null,
    bytes_out: null,
    error: null,
  });
}

/** The end row of a request. Throws a KgateError INTERNAL for an entry that breaks the types. */
export function endRow(end: AuditEnd): UnchainedRow {
  checkCommon(end);
  if (!Number.isInteger(end.status) || end.status < 0 || end.status > 999) {
    throw invalid(`status ${end.status} of request ${end.requestId}`);
  }
  if (!Number.isFinite(end.durationMs) || end.durationMs < 0) {
    throw invalid(`durationMs ${end.durationMs} of request ${end.requestId}`);
  }
  return storable({
    phase: 'end',
    request_id: end.requestId,
    time: end.time.toISOString(),
    kind: null,
    user_id: null,
    username: null,
    source_ip: null,
    cluster_id: null,
    cluster_name: null,
    method: null,
    path: null,
    verb: null,
    api_group: null,
    resource: null,
    subresource: null,
    namespace: null,
    name: null,
    command: null,
    decision: null,
    decision_rule: null,
    decision_reason: null,
    status: end.status,
    duration_ms: Math.round(end.durationMs),
    bytes_in: count('bytesIn', end.bytesIn, end.requestId),
    bytes_out: count('bytesOut', end.bytesOut, end.requestId),
    error: end.error ?? null,
  });
}
