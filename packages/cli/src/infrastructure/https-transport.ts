/**
 * JSON over HTTPS to central, with central's own CA and a timeout on every request. Built on
 * `node:https` rather than `fetch`, because `fetch` cannot be given a CA without the undici
 * package, and `node:https` is loaded only when a request is made (the credential plugin's
 * cached path never makes one).
 */
import type { IncomingMessage } from 'node:http';
import { userError } from '../errors.ts';

/** How to reach central. */
export interface CentralConnection {
  /** Normalised URL without a trailing slash, e.g. `https://central.example:8443`. */
  server: string;
  /** PEM of the CA to trust instead of the system's; `undefined` trusts the system roots. */
  caPem?: string;
  /** Where the CA came from, for messages (a path). */
  caSource?: string;
  /** Default 10 s. */
  timeoutMs?: number;
}

/** One request to central's REST API. */
export interface CentralRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Starts with `/`. */
  path: string;
  body?: unknown;
  accessToken?: string;
}

/** Central's answer: status and parsed JSON body (`undefined` when empty). */
export interface CentralResponse {
  status: number;
  body: unknown;
}

/** Sends one request; injected so tests and other transports can stand in. */
export type CentralTransport = (
  connection: CentralConnection,
  request: CentralRequest,
) => Promise<CentralResponse>;

const MAX_BODY = 8 * 1024 * 1024;

function isTlsError(code: string | undefined): boolean {
  return code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}

function transportError(connection: CentralConnection, error: unknown): Error {
  const err = error as NodeJS.ErrnoException;
  const code = err.code ?? (err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : undefined);
  if (isTlsError(err.code)) {
    const hint = connection.caSource
      ? `check that ${connection.caSource} is the CA that signed central's certificate`
      : "pass central's CA certificate with --certificate-authority FILE (kgate login remembers it)";
    return userError(
      'CENTRAL_TLS',
      `central's certificate at ${connection.server} is not trusted: ${err.message}`,
      hint,
      {
        cause: error,
      },
    );
  }
  const what =
    code === 'timeout'
      ? `did not answer within ${Math.round((connection.timeoutMs ?? 10_000) / 1000)} s`
      : `could not be reached (${err.message})`;
  return userError(
    'CENTRAL_UNREACHABLE',
    `central at ${connection.server} ${what}`,
    'check the server URL and that central is running',
    {
      cause: error,
    },
  );
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new Error(`the response is larger than ${MAX_BODY} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The production {@link CentralTransport}. */
export const httpsTransport: CentralTransport = async (connection, request) => {
  const { request: httpsRequest } = await import('node:https');
  const url = new URL(connection.server + request.path);
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kgate-cli' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (request.accessToken !== undefined) headers.authorization = `Bearer ${request.accessToken}`;
  const signal = AbortSignal.timeout(connection.timeoutMs ?? 10_000);
  let text: string;
  let status: number;
  try {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(url, {
        method: request.method,
        headers,
        signal,
        ...(connection.caPem === undefined ? {} : { ca: connection.caPem }),
        // Every CLI invocation makes a handful of requests; no socket should outlive it.
        agent: false,
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end(payload);
    });
    status = response.statusCode ?? 0;
    text = await readBody(response);
  } catch (error) {
    throw transportError(connection, error);
  }
  if (text.trim() === '') return { status, body: undefined };
  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch {
    // A proxy's HTML error page: keep the status, let the caller report it.
    return { status, body: { nonJson: text.slice(0, 200) } };
  }
};
