/**
 * What goes into the audit log and what comes out. The caller passes only these fields:
 * never a token, password, header, query string or body, so none can be stored.
 */
import type { AuditAnchor } from '@kgate/core/audit-anchor';

/** What was requested: central's own REST API, a proxied Kubernetes call, or exec/attach. */
export type AuditKind = 'api' | 'proxy' | 'exec';

/** Central's answer before forwarding. */
export type AuditDecision = 'allowed' | 'denied';

/**
 * A request as it starts, written (and committed) before it is forwarded. Optional
 * fields are stored as null; an empty string stays an empty string.
 */
export interface AuditStart {
  /** Unique per request (a random UUID); its `end` names the same id. */
  requestId: string;
  time: Date;
  kind: AuditKind;
  /** Absent when the caller was not authenticated. */
  userId?: string | null;
  username?: string | null;
  sourceIp?: string | null;
  clusterId?: string | null;
  clusterName?: string | null;
  method?: string | null;
  /** The URL path without its query string (a query may carry a credential). */
  path?: string | null;
  verb?: string | null;
  apiGroup?: string | null;
  resource?: string | null;
  subresource?: string | null;
  namespace?: string | null;
  name?: string | null;
  /** The command of an exec or attach, as the client sent it. */
  command?: readonly string[] | null;
  decision: AuditDecision;
  /** The rule that decided, such as `developer.rules[0]`. */
  rule?: string | null;
  /** Why, in words; for a denial, what the user was told. */
  reason?: string | null;
}

/** How a request ended, written after it. */
export interface AuditEnd {
  requestId: string;
  time: Date;
  /** The HTTP status the client got (101 for an accepted upgrade, 0 if none was sent). */
  status: number;
  /** Rounded to whole milliseconds. */
  durationMs: number;
  bytesIn?: number;
  bytesOut?: number;
  error?: string | null;
}

/**
 * One request as `query` returns it: its begin row merged with its end row. JSON-ready,
 * snake_case as the REST API shows it. `status` (and the other end fields) are null
 * while the request has no end row: still running, or central stopped before it ended.
 */
export interface AuditEvent {
  /** When the request started (ISO 8601, UTC). */
  time: string;
  request_id: string;
  kind: AuditKind;
  user: string | null;
  user_id: string | null;
  source_ip: string | null;
  cluster: string | null;
  method: string | null;
  path: string | null;
  verb: string | null;
  api_group: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  command: string[] | null;
  decision: AuditDecision;
  rule: string | null;
  reason: string | null;
  status: number | null;
  duration_ms: number | null;
  bytes_in: number | null;
  bytes_out: number | null;
  error: string | null;
  /**
   * The seq of the event's newest row: its end row, or its begin row while it has none.
   * A follower passes the largest seq it has seen as `afterSeq`, and so sees a request
   * again when it ends.
   */
  seq: number;
}

/** Filters of {@link AuditLog.query}; all given filters must match (on the begin row). */
export interface AuditQuery {
  username?: string;
  clusterName?: string;
  /** Requests that started at or after this time. */
  since?: Date;
  verb?: string;
  /**
   * Only events whose `seq` is greater, oldest first up to `limit` (for following).
   * Without it, the newest `limit` events.
   */
  afterSeq?: number;
  /** 1 to 10,000; 100 when not given. */
  limit?: number;
}

/**
 * The newest row of the chain (seq 0 and 64 zeros while the log is empty): what
 * `kgate admin audit verify` prints as an anchor.
 */
export type AuditHead = AuditAnchor;

/** What {@link AuditLog.verify} found. */
export type AuditVerifyResult =
  | {
      ok: true;
      rows: number;
      /** The head that was verified: keep it outside the database as an anchor for later runs. */
      head: AuditHead;
    }
  | {
      ok: false;
      /** The first seq where the chain is wrong (the first missing one, for deleted rows). */
      seq: number;
      /** What is wrong, in words, for an operator. */
      problem: string;
    };

/** Counters since the log was created, for tests and benchmarks. */
export interface AuditStats {
  /** Transactions committed. */
  flushes: number;
  /** Rows committed. */
  rows: number;
}

/**
 * Central's audit log. Write-ahead: `begin` resolves only once its row is committed,
 * and rejects (a KgateError `UNAVAILABLE`) when it cannot be, so the caller refuses
 * the request. Concurrent writes share transactions (group commit).
 */
export interface AuditLog {
  /** Records a request before it is forwarded; resolves with its seq once committed. */
  begin(start: AuditStart): Promise<number>;
  /** Records how a request ended; resolves with its seq once committed. Call once per request. */
  end(end: AuditEnd): Promise<number>;
  /** Records a request refused before forwarding: its begin and end rows, in one transaction. */
  record(start: AuditStart, end: AuditEnd): Promise<void>;
  /** Events merged per request, newest last. */
  query(filter?: AuditQuery): Promise<AuditEvent[]>;
  /**
   * Checks the whole chain, up to the head as it is when called: every row's hash, no
   * missing seq, each prev_hash the previous hash, and the head matching the last row.
   * A chain rewritten from some row on with recomputed hashes is only caught with an
   * `anchor`: a {@link AuditHead} read earlier and kept elsewhere.
   */
  verify(options?: { anchor?: AuditHead }): Promise<AuditVerifyResult>;
  /** The newest committed seq and hash, to keep outside the database as an anchor. */
  head(): Promise<AuditHead>;
  stats(): AuditStats;
  /** Writes what is queued, then refuses new entries. Does not close the Store. */
  close(): Promise<void>;
}
