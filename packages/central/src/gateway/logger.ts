/** The tunnel and proxy's small {@link TunnelLogger}, written to central's pino logger. */
import type { Logger } from 'pino';
import type { TunnelLogger } from '../tunnel/ports.ts';

export function tunnelLogger(logger: Logger): TunnelLogger {
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
  };
}
