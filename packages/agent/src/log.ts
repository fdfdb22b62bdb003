/**
 * The agent's log: one JSON object per line on stderr (`time`, `level`, `msg`, fields).
 * Callers never pass secrets; {@link createLogger} also masks any field whose name says
 * it holds one, as a second line of defence.
 */
import type { Writable } from 'node:stream';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const secretField = /token|password|secret|authorization|assertion/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A JSON-lines logger writing records at or above `level` to `out`. */
export function createLogger(
  out: Writable,
  level: LogLevel = 'info',
  now: () => Date = () => new Date(),
): Logger {
  const write = (recordLevel: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (order[recordLevel] < order[level]) return;
    const record: Record<string, unknown> = { time: now().toISOString(), level: recordLevel, msg };
    for (const [key, value] of Object.entries(fields))
      record[key] = secretField.test(key) ? '[redacted]' : value;
    out.write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
