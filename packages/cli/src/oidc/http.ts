/**
 * The `fetch` openid-client makes its requests with: `node:https` with the provider's CA
 * (Node's global fetch cannot be given a CA without the undici package), no connection
 * reuse beyond the run, a size limit on answers, and transport failures turned into
 * `OIDC_IDP_UNREACHABLE` naming the URL and, for TLS, the CA to check.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CustomFetch } from 'openid-client';
import { userError } from '../errors.ts';

const MAX_BODY = 1024 * 1024;
const nullBodyStatuses = new Set([101, 204, 205, 304]);

function isTlsError(code: string | undefined): boolean {
  return code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}

/** Where the trusted CA came from, for messages. */
export interface TrustedCa {
  pem: string;
  source: string;
}

function transportError(url: URL, error: unknown, ca: TrustedCa | undefined): Error {
  const err = error as NodeJS.ErrnoException;
  const where = `${url.origin}${url.pathname}`;
  if (isTlsError(err.code)) {
    return userError(
      'OIDC_IDP_UNREACHABLE',
      `the OpenID provider's certificate at ${url.origin} is not trusted: ${err.message}`,
      ca === undefined
        ? "pass the CA that signed the provider's certificate with --certificate-authority FILE"
        : `check that ${ca.source} holds the CA that signed the provider's certificate`,
      { cause: error },
    );
  }
  const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
  return userError(
    'OIDC_IDP_UNREACHABLE',
    `the OpenID provider at ${where} ${timedOut ? 'did not answer in time' : `could not be reached (${err.message})`}`,
    'check --issuer-url and your network',
    { cause: error },
  );
}

async function readBody(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new Error(`the answer is larger than ${MAX_BODY} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

async function bodyBytes(body: unknown): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(await new Response(body as ReadableStream).arrayBuffer());
}

/** A {@link CustomFetch} over `node:https` that trusts `ca` (or the system roots). */
export function httpsFetch(ca: TrustedCa | undefined): CustomFetch {
  return async (input, init) => {
    const url = new URL(input);
    if (url.protocol !== 'https:') throw new Error(`refusing a request to ${url.origin}: not https`);
    const body = await bodyBytes(init.body);
    const headers: Record<string, string> = { ...init.headers, 'user-agent': 'kgate-oidc-login' };
    if (body !== undefined) headers['content-length'] = String(body.length);
    let response: IncomingMessage;
    let bytes: Buffer;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpsRequest(url, {
          method: init.method,
          headers,
          ...(init.signal === undefined ? {} : { signal: init.signal }),
          ...(ca === undefined ? {} : { ca: ca.pem }),
          // A run makes a handful of requests; no socket should keep the process alive.
          agent: false,
        });
        req.on('response', resolve);
        req.on('error', reject);
        req.end(body);
      });
      bytes = await readBody(response);
    } catch (error) {
      throw transportError(url, error, ca);
    }
    const status = response.statusCode ?? 0;
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(name, item);
    }
    return new Response(nullBodyStatuses.has(status) ? null : bytes, { status, headers: responseHeaders });
  };
}
