/**
 * The proxy's {@link RequestRecorder} until the audit store exists: one structured log
 * line per proxied request. A record holds no credential (no header, no query string),
 * so nothing secret reaches the log.
 */
import type { Logger } from 'pino';
import type { ProxyRecord, RequestRecorder } from '../proxy/ports.ts';

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
