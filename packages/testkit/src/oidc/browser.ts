/**
 * A headless browser for the provider's own pages: it keeps cookies, follows redirects,
 * fills the login and device forms and submits auto-posting forms, until the flow leaves
 * the issuer (the redirect to the client's redirect_uri) or ends on a page without a
 * form. It knows these pages only, not HTML at large.
 */
import { KgateError } from '@kgate/core/errors';
import type { TrustingFetch } from './fetch.ts';
import { formIds } from './pages.ts';

/** Who signs in on the login screen. */
export interface Credentials {
  /** The user's `sub` or `email`. */
  username: string;
  password: string;
}

/** Options of `completeLogin`. */
export interface LoginOptions extends Credentials {
  /** Press "Cancel" on the login page: the client gets `error=access_denied`. */
  deny?: boolean;
  /** Changes the redirect to the client before the browser follows it (forge `state`, drop `code`, …). */
  editCallback?: (url: URL) => void;
}

/** What the browser ended on after a login. */
export interface LoginResult {
  /** The redirect_uri the provider sent the browser to, with `code`, `state`, `iss` (or `error`). */
  callbackUrl: string;
  /**
   * What the client's redirect target (the plugin's loopback server) answered; 0 (and an
   * empty body) for a redirect URI that is not http(s), e.g. `urn:ietf:wg:oauth:2.0:oob`,
   * where the user would copy the code from `callbackUrl`.
   */
  status: number;
  body: string;
}

/** Options of `completeDeviceLogin`. */
export interface DeviceLoginOptions extends Credentials {
  /** The user code, unless the URL is the `verification_uri_complete`. */
  userCode?: string;
  /** Press "Abort" on the confirmation page: the polling client gets `access_denied`. */
  deny?: boolean;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

interface Form {
  id: string | undefined;
  action: string;
  method: string;
  fields: URLSearchParams;
}

/** A request the browser is about to make. */
export interface Navigation {
  method: 'GET' | 'POST';
  url: URL;
  form?: URLSearchParams;
}

/** How the browser answers the forms it meets. */
export interface FormPolicy {
  credentials: Credentials;
  /** Cancel on the login screen (or abort on the device confirmation) instead of signing in. */
  deny?: boolean;
  /** The device flow's user code, typed into the "enter the code" form. */
  userCode?: string;
}

/** Where a drive through the issuer's pages ended. */
export type DriveEnd =
  | { kind: 'left'; navigation: Navigation }
  | { kind: 'page'; status: number; body: string; url: URL };

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };
const decode = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => entities[e] ?? '');

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([\w.:-]+)\s*=\s*"([^"]*)"/g)) {
    const [, name, value] = m;
    if (name !== undefined && value !== undefined) out.set(name.toLowerCase(), decode(value));
  }
  return out;
}

function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1] ?? '');
    const fields = new URLSearchParams();
    for (const input of (m[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1] ?? '');
      const name = a.get('name');
      if (name !== undefined) fields.append(name, a.get('value') ?? '');
    }
    forms.push({
      id: attrs.get('id'),
      action: attrs.get('action') ?? '',
      method: (attrs.get('method') ?? 'get').toUpperCase(),
      fields,
    });
  }
  return forms;
}

/** The `error` and description a page or JSON error body shows, if any. */
function pageError(body: string): { error: string; description: string } | undefined {
  const m = /data-error="([^"]*)"[^>]*>([^<]*)</.exec(body);
  if (m !== null) return { error: decode(m[1] ?? ''), description: decode(m[2] ?? '') };
  try {
    const json = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof json.error === 'string')
      return { error: json.error, description: String(json.error_description ?? '') };
  } catch {
    // not JSON: no error
  }
  return undefined;
}

/** One browser: a cookie jar and a fetch that trusts the issuer's CA. */
export class HeadlessBrowser {
  readonly #fetch: TrustingFetch;
  readonly #cookies = new Map<string, Cookie>();

  constructor(fetch: TrustingFetch) {
    this.#fetch = fetch;
  }

  #cookieHeader(url: URL): string | undefined {
    const matching = [...this.#cookies.values()].filter(
      (c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
    );
    return matching.length === 0 ? undefined : matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  #store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: '/' };
      let expired = false;
      const dir = url.pathname.slice(0, url.pathname.lastIndexOf('/'));
      cookie.path = dir === '' ? '/' : dir;
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=').map((s) => s.trim());
        const key = k.toLowerCase();
        if (key === 'path' && v.startsWith('/')) cookie.path = v;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${cookie.name}|${cookie.path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, cookie);
    }
  }

  /** Makes one request with the jar's cookies and keeps the cookies it sets. */
  async send(navigation: Navigation): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' };
    const cookie = this.#cookieHeader(navigation.url);
    if (cookie !== undefined) headers.cookie = cookie;
    const init: RequestInit = { method: navigation.method, headers };
    if (navigation.form !== undefined) init.body = navigation.form;
    const res = await this.#fetch(navigation.url, init);
    this.#store(navigation.url, res.headers.getSetCookie());
    return res;
  }

  /**
   * Follows redirects and submits forms on `origin` (the issuer) from `start` until the
   * flow leaves the origin or shows a page without a form to submit.
   */
  async drive(origin: string, start: Navigation, policy: FormPolicy): Promise<DriveEnd> {
    let navigation = start;
    const submitted = new Set<string>();
    for (let hop = 0; hop < 50; hop++) {
      if (navigation.url.origin !== origin) return { kind: 'left', navigation };
      const res = await this.send(navigation);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location !== null) {
        navigation = { method: 'GET', url: new URL(location, navigation.url) };
        continue;
      }
      const body = await res.text();
      const error = pageError(body);
      const end: DriveEnd = { kind: 'page', status: res.status, body, url: navigation.url };
      if (submitted.has('deny')) return end;
      if (error !== undefined && error.error !== 'login_failed')
        throw new KgateError(
          'UNAUTHENTICATED',
          `the identity provider answered ${error.error}: ${error.description}`,
          {
            hint: `the page was ${navigation.method} ${navigation.url.pathname} (HTTP ${res.status})`,
          },
        );
      const next = this.#answer(parseForms(body), policy, submitted);
      if (next === undefined) return end;
      navigation = {
        method: next.method === 'POST' ? 'POST' : 'GET',
        url: new URL(next.action, navigation.url),
      };
      if (navigation.method === 'POST') navigation.form = next.fields;
      else for (const [k, v] of next.fields) navigation.url.searchParams.append(k, v);
    }
    throw new KgateError('INTERNAL', 'the sign-in did not finish after 50 pages (a redirect loop?)');
  }

  #answer(forms: Form[], policy: FormPolicy, submitted: Set<string>): Form | undefined {
    const byId = (id: string) => forms.find((f) => f.id === id);
    const login = byId(formIds.login);
    if (login !== undefined) {
      if (policy.deny) {
        submitted.add('deny');
        return byId(formIds.abort);
      }
      if (submitted.has(formIds.login))
        throw new KgateError(
          'UNAUTHENTICATED',
          `the identity provider refused the password of "${policy.credentials.username}"`,
          {
            hint: "use the username (sub or email) and password of one of the provider's users",
          },
        );
      submitted.add(formIds.login);
      login.fields.set('username', policy.credentials.username);
      login.fields.set('password', policy.credentials.password);
      return login;
    }
    const input = byId(formIds.deviceInput);
    if (input !== undefined) {
      if (policy.userCode === undefined || submitted.has(formIds.deviceInput))
        throw new KgateError(
          'INVALID_ARGUMENT',
          `the identity provider did not accept the user code ${policy.userCode ?? '(none)'}`,
          {
            hint: 'pass the user_code of a pending device authorization (or its verification_uri_complete)',
          },
        );
      submitted.add(formIds.deviceInput);
      input.fields.set('user_code', policy.userCode);
      return input;
    }
    const confirm = byId(formIds.deviceConfirm);
    if (confirm !== undefined) {
      if (policy.deny) {
        submitted.add('deny');
        confirm.fields.set('abort', 'yes');
      }
      return confirm;
    }
    // oidc-provider's auto-submitting forms (response_mode=form_post, /device?user_code=…).
    return forms.length === 1 ? forms[0] : undefined;
  }
}

/** Plays the user of an authorization request at `issuer` in a fresh browser (see `OidcProvider.completeLogin`). */
export async function completeLogin(
  fetch: TrustingFetch,
  issuer: string,
  authorizationUrl: string,
  login: LoginOptions,
): Promise<LoginResult> {
  const browser = new HeadlessBrowser(fetch);
  const start: Navigation = { method: 'GET', url: new URL(authorizationUrl) };
  const end = await browser.drive(new URL(issuer).origin, start, {
    credentials: login,
    deny: login.deny ?? false,
  });
  if (end.kind === 'page')
    throw new KgateError(
      'UNAUTHENTICATED',
      `the sign-in ended on ${end.url.pathname} (HTTP ${end.status}) instead of redirecting to the client`,
      { hint: 'check the authorization URL (client_id, redirect_uri, code_challenge)' },
    );
  const target = end.navigation.url;
  login.editCallback?.(target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return { callbackUrl: target.href, status: 0, body: '' };
  let res: Response;
  try {
    res = await browser.send(end.navigation);
  } catch (error) {
    throw new KgateError(
      'UNAVAILABLE',
      `nothing answered the redirect to ${target.origin}${target.pathname}`,
      {
        hint: "the client's loopback server must listen until the browser comes back",
        cause: error,
      },
    );
  }
  return { callbackUrl: target.href, status: res.status, body: await res.text() };
}

/** Plays the user of a device authorization at `issuer` (see `OidcProvider.completeDeviceLogin`). */
export async function completeDeviceLogin(
  fetch: TrustingFetch,
  issuer: string,
  verificationUri: string,
  login: DeviceLoginOptions,
): Promise<{ status: number; body: string }> {
  const url = new URL(verificationUri);
  const userCode = login.userCode ?? url.searchParams.get('user_code') ?? undefined;
  const policy: FormPolicy = { credentials: login, deny: login.deny ?? false };
  if (userCode !== undefined) policy.userCode = userCode;
  const end = await new HeadlessBrowser(fetch).drive(new URL(issuer).origin, { method: 'GET', url }, policy);
  if (end.kind === 'left')
    throw new KgateError('INTERNAL', `the device sign-in left the provider for ${end.navigation.url.origin}`);
  return { status: end.status, body: end.body };
}
