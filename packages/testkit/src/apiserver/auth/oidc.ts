/**
 * OIDC ID-token authentication with kube-apiserver's `--oidc-*` semantics: the issuer's
 * discovery document gives `jwks_uri`; tokens must be signed (RS256 or ES256) by a key
 * from it, carry the configured issuer and the client id as audience, and be within
 * exp/nbf. The username claim gets the kube prefix rule; `email` is refused when
 * `email_verified` is present and not true.
 */
import http from 'node:http';
import https from 'node:https';
import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTPayload, jwtVerify } from 'jose';
import type { UserInfo } from './user.ts';

export interface OidcOptions {
  issuerUrl: string;
  clientId: string;
  /** Claim holding the username (default `sub`). */
  usernameClaim?: string;
  /**
   * Prefix for usernames. Default: `issuerUrl#` unless the claim is `email`; `-` disables it
   * (kube-apiserver `--oidc-username-prefix`).
   */
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  /** CA bundle to trust for an https issuer. */
  caPem?: string;
}

function get(
  url: string,
  caPem: string | undefined,
  signal?: AbortSignal,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const parsed = new URL(url);
    const options: https.RequestOptions = { method: 'GET', timeout: 5000 };
    if (signal !== undefined) options.signal = signal;
    if (caPem !== undefined) options.ca = caPem;
    const req = (parsed.protocol === 'https:' ? https : http).request(parsed, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out fetching ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Verifies ID tokens for one issuer; the discovery document is fetched on first use. */
export class OidcAuthenticator {
  readonly #options: OidcOptions;
  #jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(options: OidcOptions) {
    this.#options = options;
  }

  async #keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.#jwks !== undefined) return this.#jwks;
    const discoveryUrl = `${this.#options.issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const res = await get(discoveryUrl, this.#options.caPem);
    if (res.status !== 200)
      throw new Error(`oidc: discovery document ${discoveryUrl} answered ${res.status}`);
    const doc = JSON.parse(res.body) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== this.#options.issuerUrl)
      throw new Error(`oidc: issuer did not match the issuer returned by provider: ${String(doc.issuer)}`);
    if (typeof doc.jwks_uri !== 'string') throw new Error('oidc: discovery document has no jwks_uri');
    const caPem = this.#options.caPem;
    const fetchImpl: FetchImplementation = async (url, init) => {
      const r = await get(url, caPem, init.signal);
      return new Response(r.body, { status: r.status, headers: { 'content-type': 'application/json' } });
    };
    this.#jwks = createRemoteJWKSet(new URL(doc.jwks_uri), { [customFetch]: fetchImpl });
    return this.#jwks;
  }

  /** The user of a valid ID token, or undefined when the token is not one this issuer signed. */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, await this.#keySet(), {
        issuer: this.#options.issuerUrl,
        audience: this.#options.clientId,
        algorithms: ['RS256', 'ES256'],
        requiredClaims: ['exp'],
      });
      payload = verified.payload;
    } catch {
      return undefined;
    }
    const claim = this.#options.usernameClaim ?? 'sub';
    const value = payload[claim];
    if (typeof value !== 'string' || value === '') return undefined;
    if (claim === 'email' && 'email_verified' in payload && payload.email_verified !== true) return undefined;
    let prefix = this.#options.usernamePrefix;
    if (prefix === undefined) prefix = claim === 'email' ? '' : `${this.#options.issuerUrl}#`;
    if (prefix === '-') prefix = '';
    const groups: string[] = [];
    const groupsClaim = this.#options.groupsClaim;
    if (groupsClaim !== undefined) {
      const raw = payload[groupsClaim];
      const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
      for (const g of list) if (typeof g === 'string') groups.push(`${this.#options.groupsPrefix ?? ''}${g}`);
    }
    return { name: `${prefix}${value}`, groups };
  }
}
