/** Central's `/audit` endpoints (admin). */
import { type AuditAnchor, formatAuditAnchor } from '@kgate/core/audit-anchor';
import type { CentralConnection, CentralTransport } from '../https-transport.ts';
import { BodyReader, expectOk } from './response.ts';

/** One audit event as central returns it (snake_case, as `-o json|yaml` prints it). */
export type AuditEvent = Record<string, unknown> & { seq: number };

/** Filters of `GET /audit`. */
export interface AuditQuery {
  user?: string;
  cluster?: string;
  /** A duration back from now (`1h`) or a time (RFC 3339); central parses it. */
  since?: string;
  verb?: string;
  /** Only events after this sequence number (following). */
  after?: number;
  limit?: number;
}

/** `GET /audit?…`: events oldest first. */
export async function listAuditRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  query: AuditQuery,
): Promise<AuditEvent[]> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const search = params.size > 0 ? `?${params}` : '';
  const response = await transport(connection, { method: 'GET', path: `/audit${search}`, accessToken });
  expectOk(response, 'read the audit log');
  const reader = new BodyReader('GET /audit');
  const body = reader.record(response.body, 'body');
  return reader.array(body.events, 'events').map((value, i) => {
    const event = reader.record(value, `events[${i}]`);
    if (typeof event.seq !== 'number') throw reader.fail(`events[${i}].seq`);
    return event as AuditEvent;
  });
}

/** What `GET /audit/verify` found; when intact, the head it verified (the next run's anchor). */
export type AuditVerification =
  | { ok: true; rows: number; head: AuditAnchor }
  | { ok: false; seq: number; problem: string };

/** `GET /audit/verify`, against `anchor` when given. */
export async function verifyAuditRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  anchor?: AuditAnchor,
): Promise<AuditVerification> {
  const search = anchor === undefined ? '' : `?${new URLSearchParams({ anchor: formatAuditAnchor(anchor) })}`;
  const response = await transport(connection, {
    method: 'GET',
    path: `/audit/verify${search}`,
    accessToken,
  });
  expectOk(response, 'verify the audit log');
  const reader = new BodyReader('GET /audit/verify');
  const body = reader.record(response.body, 'body');
  if (body.ok === true && typeof body.rows === 'number') {
    const head = reader.record(body.head, 'head');
    if (typeof head.seq !== 'number') throw reader.fail('head.seq');
    return {
      ok: true,
      rows: body.rows,
      head: { seq: head.seq, hash: reader.string(head.hash, 'head.hash') },
    };
  }
  if (body.ok === false && typeof body.seq === 'number')
    return { ok: false, seq: body.seq, problem: reader.string(body.problem, 'problem') };
  throw reader.fail('verification result');
}
