/**
 * A `fetch` that trusts one CA: Node's global fetch cannot be given a CA per call, and
 * the fixture's issuer has a certificate from a fresh test CA. Redirects are never
 * followed (the caller sees every 302, as oidc-provider's flows need).
 */
import http from 'node:http';
import https from 'node:https';

/** A fetch function with the signature openid-client's `customFetch` expects. */
export type TrustingFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

const nullBodyStatuses = new Set([101, 204, 205, 304]);

/** A fetch for http and https URLs that trusts `caPem` for https. */
export function fetchTrusting(caPem: string): TrustingFetch {
  return async (url, init = {}) => {
    const request = new Request(url, init);
    const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const target = new URL(request.url);
    const headers: http.OutgoingHttpHeaders = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    if (body !== undefined) headers['content-length'] = body.length;
    // No keep-alive: a closed fixture must not leave pooled sockets behind.
    const options: https.RequestOptions = { method: request.method, headers, ca: caPem, agent: false };
    if (init.signal) options.signal = init.signal;
    return new Promise<Response>((resolve, reject) => {
      const req = (target.protocol === 'https:' ? https : http).request(target, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
          }
          const responseBody = nullBodyStatuses.has(status) ? null : Buffer.concat(chunks);
          resolve(new Response(responseBody, { status, headers: responseHeaders }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}
