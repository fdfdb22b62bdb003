/**
 * The proxy's {@link RequestRecorder} over the audit log: write-ahead `begin` before a
 * request is forwarded (the proxy refuses the request when it fails), the end after it;
 * a request refused before forwarding is written whole. A record holds no credential
 * (no header, no query string, no body), so nothing secret reaches the log. Without an
 * audit log (tests), one structured log line per request.
 */
import type { Logger } from 'pino';
import type { AuditEnd, AuditLog, AuditStart } from '../audit/types.ts';
import type { ProxyRecord, ProxyRecordStart, RequestRecorder } from '../proxy/ports.ts';

function auditStart(entry: ProxyRecordStart): AuditStart {
  const decision = entry.decision;
  return {
    requestId: entry.requestId,
    time: entry.startedAt,
    kind: entry.command !== undefined || entry.subresource === 'attach' ? 'exec' : 'proxy',
    userId: entry.userId ?? null,
    username: entry.username ?? null,
    sourceIp: entry.sourceIp,
    clusterId: entry.clusterId ?? null,
    clusterName: entry.clusterName,
    method: entry.method,
    path: entry.path,
    verb: entry.verb,
    apiGroup: entry.apiGroup,
    resource: entry.resource,
    subresource: entry.subresource,
    namespace: entry.namespace,
    name: entry.name,
    command: entry.command ?? null,
    // Refused before central's RBAC was asked (no token, bad path, unknown cluster): denied.
    decision: decision?.allowed === true ? 'allowed' : 'denied',
    rule: decision?.rule ?? null,
    reason: decision !== undefined && !decision.allowed ? decision.reason : null,
  };
}

function auditEnd(entry: ProxyRecord): AuditEnd {
  return {
    requestId: entry.requestId,
    time: new Date(),
    status: entry.status,
    durationMs: Math.round(entry.durationMs),
    bytesIn: entry.bytesIn,
    bytesOut: entry.bytesOut,
    error: entry.error ?? null,
  };
}

/** Write-ahead audit of proxied requests. */
export function auditRecorder(audit: AuditLog): RequestRecorder {
  return {
    async begin(entry) {
      await audit.begin(auditStart(entry));
    },
    async record(entry) {
      if (entry.begun) await audit.end(auditEnd(entry));
      else await audit.record(auditStart(entry), auditEnd(entry));
    },
  };
}

/** One log line per proxied request, for a gateway without an audit log. */
export function logRecorder(logger: Logger): RequestRecorder {
  return {
    record(entry: ProxyRecord) {
      const { startedAt, durationMs, ...rest } = entry;
      const line = {
        ...rest,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(durationMs * 10) / 10,
      };
      if (entry.error !== undefined && entry.status >= 500) logger.warn({ request: line }, 'proxied request');
      else logger.info({ request: line }, 'proxied request');
    },
  };
}
