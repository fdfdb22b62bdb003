/**
 * Central's audit log: one event per API call and proxied request, written before the
 * request is forwarded (fail closed), group-committed and hash-chained.
 */
export { GENESIS_HASH } from './chain.ts';
export { createAuditLog } from './log.ts';
export type {
  AuditDecision,
  AuditEnd,
  AuditEvent,
  AuditHead,
  AuditKind,
  AuditLog,
  AuditQuery,
  AuditStart,
  AuditStats,
  AuditVerifyResult,
} from './types.ts';
