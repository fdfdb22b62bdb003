import { isIP } from 'node:net';

/** A listen address. `port` 0 asks the OS for a free port. */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` or `[ipv6]:port`; undefined when malformed. */
export function parseHostPort(text: string): HostPort | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const host = match[1] ?? match[2] ?? '';
  if (match[1] !== undefined && isIP(host) !== 6) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host, port };
}

/** `host:port`, bracketing IPv6 literals as URLs need. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
