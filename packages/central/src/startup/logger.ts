import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from '../config/index.ts';

/**
 * Paths pino blanks before a line is written. Central never logs secrets on purpose;
 * this is the second line of defence for request headers and bodies logged by mistake.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-kgate-join-token"]',
  'headers.authorization',
  'password',
  '*.password',
  'refresh_token',
  '*.refresh_token',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'join_token',
  '*.join_token',
];

/** Central's logger: JSON lines to `destination` (stderr by default). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    { level, base: { service: 'kgate-central' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
