/**
 * The loopback server the browser is redirected to after an authorization-code login
 * (RFC 8252 §7.3). It listens on a loopback address only, takes the first free port of the
 * preferred addresses (a port held by another program is skipped, never taken over) and
 * else any free port, and serves exactly one callback: the first request to the callback
 * path settles the login, whatever it holds; later ones get 400 and change nothing. The page
 * it answers with says whether the login worked, and never shows a token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { userError } from '../errors.ts';

/** A loopback `host:port` to listen on. */
export interface ListenAddress {
  host: string;
  port: number;
}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  return host === '::1';
}

/**
 * Parses `--listen-address` (`127.0.0.1:8000`, `[::1]:8000`; port 0 = any free port).
 *
 * @throws {CliError} `INVALID_ARGUMENT` for a malformed or non-loopback address: the
 *   callback carries the authorization code, which must not be reachable from the network
 */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (match === null || host === undefined || !Number.isInteger(port) || port > 65535) {
    throw userError(
      'INVALID_ARGUMENT',
      `--listen-address ${JSON.stringify(text)} is not HOST:PORT`,
      'pass e.g. --listen-address 127.0.0.1:8000',
    );
  }
  if (!isLoopback(host)) {
    throw userError(
      'INVALID_ARGUMENT',
      `--listen-address ${text} is not a loopback address`,
      'the login callback listens on the loopback interface only: use 127.0.0.1:PORT (or [::1]:PORT)',
    );
  }
  return { host, port };
}

/** What the browser was redirected with. */
export type CallbackHandler<T> = (callbackUrl: URL) => Promise<T>;

/** The running server. */
export interface LoopbackServer {
  /** The `redirect_uri` to send: `http://127.0.0.1:PORT/PATH`. */
  readonly redirectUri: string;
  /**
   * Waits for the one callback and settles with what `handle` makes of it; the browser gets
   * the success page, or the error page when `handle` throws. Rejects when `signal` aborts
   * first (the server is closed then, too).
   */
  waitForCallback<T>(handle: CallbackHandler<T>, signal: AbortSignal): Promise<T>;
  /** Stops listening and drops every connection; safe to call twice. */
  close(): Promise<void>;
}

function listen(server: Server, address: ListenAddress): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      // Taken by another program (or by another kgate waiting for its own callback).
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: address.host, port: address.port });
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, text: string): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
</body></html>
`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    connection: 'close',
  });
  res.end(html);
}

/**
 * Starts the server on the first preferred address whose port is free, else on a free port
 * of the first address's host.
 *
 * @param callbackPath - the path of the redirect URI (default `/callback`)
 */
export async function startLoopbackServer(
  addresses: readonly ListenAddress[],
  callbackPath = '/callback',
): Promise<LoopbackServer> {
  let onRequest: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
    send(res, 404, page('Not found', 'kgate is not waiting for a login here.'));
  const server = createServer((req, res) => onRequest(req, res));
  // One request per connection: a browser's keep-alive socket must not hold the server open.
  server.keepAliveTimeout = 1;
  const first = addresses[0] ?? { host: '127.0.0.1', port: 0 };
  let bound: ListenAddress | undefined;
  for (const address of addresses) {
    if (await listen(server, address)) {
      bound = address;
      break;
    }
  }
  if (bound === undefined) {
    bound = { host: first.host, port: 0 };
    if (!(await listen(server, bound))) throw new Error(`no free port on ${first.host}`);
  }
  const actual = server.address();
  const port = typeof actual === 'object' && actual !== null ? actual.port : bound.port;
  const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  const redirectUri = `http://${host}:${port}${callbackPath}`;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };

  return {
    redirectUri,
    close,
    waitForCallback<T>(handle: CallbackHandler<T>, signal: AbortSignal): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let taken = false;
        const onAbort = () => {
          void close();
          reject(signal.reason);
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        onRequest = (req, res) => {
          const url = new URL(req.url ?? '/', redirectUri);
          if (req.method !== 'GET' || url.pathname !== callbackPath) {
            send(res, 404, page('Not found', 'kgate is waiting for the login callback, not for this.'));
            return;
          }
          if (taken) {
            send(res, 400, page('Login already handled', 'This login was already completed or refused.'));
            return;
          }
          taken = true;
          signal.removeEventListener('abort', onAbort);
          handle(url).then(
            (value) => {
              send(res, 200, page('Logged in', 'kgate has your login. You can close this tab.'));
              res.on('finish', () => void close());
              resolve(value);
            },
            (error: unknown) => {
              const message = error instanceof Error ? error.message : String(error);
              send(res, 400, page('Login failed', `${message}. Close this tab and see the terminal.`));
              res.on('finish', () => void close());
              reject(error);
            },
          );
        };
      });
    },
  };
}
