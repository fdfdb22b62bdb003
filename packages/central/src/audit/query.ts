/**
 * Reading the audit log: one event per request, its begin row `b` joined with its end
 * row `e`. The query walks the rows `r` in seq order (the primary key) and keeps each
 * event at its newest row, so an event's seq is that row's; with a limit it stops early,
 * and a follower polling with `afterSeq` reads only the rows past its cursor.
 */
import { KgateError } from '@kgate/core/errors';
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { AuditLogTable, Database } from '../store/schema.ts';
import type { AuditDecision, AuditEvent, AuditKind, AuditQuery } from './types.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

type Joined = Database & { r: AuditLogTable; b: AuditLogTable; e: AuditLogTable };

/** The caller's filters, on the begin row `b`. */
function matches(eb: ExpressionBuilder<Joined, 'r' | 'b' | 'e'>, filter: AuditQuery): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.username !== undefined) conditions.push(eb('b.username', '=', filter.username));
  if (filter.clusterName !== undefined) conditions.push(eb('b.cluster_name', '=', filter.clusterName));
  if (filter.verb !== undefined) conditions.push(eb('b.verb', '=', filter.verb));
  if (filter.since !== undefined) conditions.push(eb('b.time', '>=', filter.since.toISOString()));
  return eb.and(conditions);
}

function checkFilter(filter: AuditQuery): number {
  const limit = filter.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new KgateError('INVALID_ARGUMENT', `audit query limit ${limit} is out of range`, {
      hint: `give a whole number from 1 to ${MAX_LIMIT}`,
    });
  }
  if (filter.afterSeq !== undefined && (!Number.isSafeInteger(filter.afterSeq) || filter.afterSeq < 0)) {
    throw new KgateError('INVALID_ARGUMENT', `audit query afterSeq ${filter.afterSeq} is not a seq`, {
      hint: 'give the seq of the last event seen (a whole number >= 0)',
    });
  }
  if (filter.since !== undefined && Number.isNaN(filter.since.getTime())) {
    throw new KgateError('INVALID_ARGUMENT', 'audit query since is not a valid time', {
      hint: 'give a time such as 2030-01-01T00:00:00Z',
    });
  }
  return limit;
}

function parseCommand(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.map(String) : [text];
  } catch {
    // Not written by kgate; show it rather than hide the event.
    return [text];
  }
}

const numberOrNull = (value: number | string | null): number | null =>
  value === null ? null : Number(value);

/** Events matching `filter`, newest last. */
export async function queryAudit(db: Kysely<Database>, filter: AuditQuery = {}): Promise<AuditEvent[]> {
  const limit = checkFilter(filter);
  const after = filter.afterSeq ?? 0;
  const columns = [
    'b.time',
    'b.request_id',
    'b.kind',
    'b.username',
    'b.user_id',
    'b.source_ip',
    'b.cluster_name',
    'b.method',
    'b.path',
    'b.verb',
    'b.api_group',
    'b.resource',
    'b.subresource',
    'b.namespace',
    'b.name',
    'b.command',
    'b.decision',
    'b.decision_rule',
    'b.decision_reason',
    'e.status',
    'e.duration_ms',
    'e.bytes_in',
    'e.bytes_out',
    'e.error',
  ] as const;
  const newestFirst = filter.afterSeq === undefined;
  const rows = await db
    .selectFrom('audit_log as r')
    .innerJoin('audit_log as b', (join) =>
      join.onRef('b.request_id', '=', 'r.request_id').on('b.phase', '=', 'begin'),
    )
    .leftJoin('audit_log as e', (join) =>
      join.onRef('e.request_id', '=', 'r.request_id').on('e.phase', '=', 'end'),
    )
    .select(columns)
    .select('r.seq as event_seq')
    .where('r.seq', '>', after)
    .where((eb) => eb('r.seq', '=', eb.fn.coalesce('e.seq', 'b.seq')))
    .where((eb) => matches(eb, filter))
    .orderBy('r.seq', newestFirst ? 'desc' : 'asc')
    .limit(limit)
    .execute();
  if (newestFirst) rows.reverse();
  return rows.map((row) => ({
    time: row.time,
    request_id: row.request_id,
    kind: row.kind as AuditKind,
    user: row.username,
    user_id: row.user_id,
    source_ip: row.source_ip,
    cluster: row.cluster_name,
    method: row.method,
    path: row.path,
    verb: row.verb,
    api_group: row.api_group,
    resource: row.resource,
    subresource: row.subresource,
    namespace: row.namespace,
    name: row.name,
    command: parseCommand(row.command),
    decision: row.decision as AuditDecision,
    rule: row.decision_rule,
    reason: row.decision_reason,
    status: row.status === null ? null : Number(row.status),
    duration_ms: numberOrNull(row.duration_ms),
    bytes_in: numberOrNull(row.bytes_in),
    bytes_out: numberOrNull(row.bytes_out),
    error: row.error,
    seq: Number(row.event_seq),
  }));
}
