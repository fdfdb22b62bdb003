/**
 * A `fetch` for the identity provider's discovery document and keys that trusts a given
 * CA. Global `fetch` cannot be given a CA without the undici package, which central does
 * not depend on; openid-client and jose both accept a custom fetch.
 */
import https from 'node:https';

/** What openid-client and jose pass to a custom fetch (the parts used here). */
export interface FetchOptions {
  method?: string;
  headers?: Headers | Record<string, string>;
  body?: unknown;
  signal?: AbortSignal | null;
}

export type IdpFetch = (url: string, options: FetchOptions) => Promise<Response>;

/** Discovery documents and key sets are small; anything bigger is not one. */
const MAX_BODY = 1024 * 1024;
const TIMEOUT_MS = 10_000;

function headerRecord(headers: FetchOptions['headers']): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  return { ...headers };
}

/**
 * GET requests over HTTPS, trusting `caPem` (or the system roots when undefined).
 * Redirects are returned, not followed, as both libraries ask (`redirect: 'manual'`).
 */
export function idpFetch(caPem: string | undefined): IdpFetch {
  return (url, options) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'https:') {
        reject(new Error(`refusing to fetch ${target.origin} over plain HTTP`));
        return;
      }
      if (options.body !== undefined && options.body !== null) {
        reject(new Error('the identity provider client only sends GET requests'));
        return;
      }
      const request = https.request(
        target,
        {
          method: options.method ?? 'GET',
          headers: headerRecord(options.headers),
          ...(caPem === undefined ? {} : { ca: caPem }),
          signal: options.signal ?? AbortSignal.timeout(TIMEOUT_MS),
          timeout: TIMEOUT_MS,
          agent: false,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY) {
              response.destroy(new Error(`${target.origin} sent more than ${MAX_BODY} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (typeof value === 'string') headers.set(name, value);
              else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
            }
            const status = response.statusCode ?? 502;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers }));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${target.origin} did not answer in time`)));
      request.on('error', reject);
      request.end();
    });
}
