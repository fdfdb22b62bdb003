/**
 * The flags of `kgate oidc-login get-token | setup | logout`, parsed with `node:util` rather
 * than commander: `get-token` runs before every kubectl request batch and parses them in
 * the credential-plugin bundle, where start-up time is the point. Keep this module light.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { userError } from '../errors.ts';
import { userHome } from '../infrastructure/paths.ts';

/** How to log in when no cached or refreshable token is left. */
export type OidcGrantType = 'auto' | 'authcode' | 'authcode-keyboard' | 'device-code' | 'password';

/** Where tokens are cached. */
export type OidcCacheStorage = 'keyring' | 'disk' | 'none';

const grantTypes: readonly OidcGrantType[] = [
  'auto',
  'authcode',
  'authcode-keyboard',
  'device-code',
  'password',
];
const storages: readonly OidcCacheStorage[] = ['keyring', 'disk', 'none'];

/** The loopback addresses tried in order before a free port (kubelogin's defaults). */
export const DEFAULT_LISTEN_ADDRESSES: readonly string[] = ['127.0.0.1:8000', '127.0.0.1:18000'];

/** How long a browser, device or keyboard login may take. */
export const DEFAULT_AUTHENTICATION_TIMEOUT_MS = 180_000;

/** The environment variable a client secret may come from, so that it stays out of process args. */
export const CLIENT_SECRET_ENV = 'KGATE_OIDC_CLIENT_SECRET';

/** Everything `oidc-login` was told, with defaults applied. */
export interface OidcLoginSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret: string | undefined;
  /** Scopes besides `openid`, deduplicated, in the order given. */
  extraScopes: string[];
  useAccessToken: boolean;
  /** Absolute path of the PEM bundle to trust for the provider's TLS. */
  caFile: string | undefined;
  grantType: OidcGrantType;
  listenAddresses: string[];
  browserCommand: string | undefined;
  skipOpenBrowser: boolean;
  authenticationTimeoutMs: number;
  storage: OidcCacheStorage;
  cacheDir: string;
  username: string | undefined;
  /** Extra parameters of the authorization request, e.g. `prompt=consent`. */
  authRequestExtraParams: [string, string][];
  /** `setup` only: the kubeconfig to write the user entry to. */
  kubeconfig: string | undefined;
  /** `setup` only: the name of the kubeconfig user entry. */
  user: string | undefined;
  /** The flags given on the command line (long names), for `setup` to pass on. */
  given: ReadonlySet<string>;
}

const options = {
  'issuer-url': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'extra-scope': { type: 'string', multiple: true },
  'use-access-token': { type: 'boolean' },
  'certificate-authority': { type: 'string' },
  'grant-type': { type: 'string' },
  'listen-address': { type: 'string', multiple: true },
  'browser-command': { type: 'string' },
  'skip-open-browser': { type: 'boolean' },
  'authentication-timeout': { type: 'string' },
  'token-cache-storage': { type: 'string' },
  'token-cache-dir': { type: 'string' },
  username: { type: 'string' },
  'auth-request-extra-params': { type: 'string', multiple: true },
  kubeconfig: { type: 'string' },
  user: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags every subcommand accepts; `setup` adds `--kubeconfig` and `--user`. */
export type OidcSubcommand = 'get-token' | 'setup' | 'logout';

function bad(message: string, hint: string) {
  return userError('INVALID_ARGUMENT', message, hint);
}

/** Parses a Go-style duration (`180s`, `3m`, `1m30s`) or a number of seconds. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = trimmed;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    const unit = match?.[2];
    if (match === null || unit === undefined) {
      throw bad(`${flag} ${JSON.stringify(text)} is not a duration`, `write it like 180s, 3m or 1m30s`);
    }
    total += Number(match[1]) * (units[unit] ?? 0);
    rest = rest.slice(match[0].length);
  }
  if (total <= 0) throw bad(`${flag} ${JSON.stringify(text)} is not a positive duration`, 'give e.g. 180s');
  return Math.round(total);
}

function checkIssuer(value: string | undefined): string {
  if (value === undefined || value === '') {
    throw bad(
      '--issuer-url is required',
      'pass the URL of your OpenID provider, e.g. --issuer-url https://idp.example.com',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(
      `--issuer-url ${JSON.stringify(value)} is not a URL`,
      'pass e.g. --issuer-url https://idp.example.com',
    );
  }
  if (url.protocol !== 'https:') {
    throw bad(
      `--issuer-url ${value} is not https`,
      'an OpenID provider must be reached over https; use its https:// issuer URL',
    );
  }
  // Kept exactly as given: the provider's discovery document must name the same issuer.
  return value;
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw bad(`${flag} ${JSON.stringify(value)} is not valid`, `use one of: ${allowed.join(', ')}`);
}

function extraParams(values: readonly string[]): [string, string][] {
  return values.map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) {
      throw bad(
        `--auth-request-extra-params ${JSON.stringify(item)} is not key=value`,
        'pass e.g. --auth-request-extra-params prompt=consent',
      );
    }
    return [item.slice(0, at), item.slice(at + 1)];
  });
}

/**
 * Parses the flags of an `oidc-login` subcommand; `'help'` when `--help` is among them.
 *
 * @param cwd - relative `--certificate-authority` and `--token-cache-dir` resolve against it
 * @throws {CliError} `INVALID_ARGUMENT` naming the bad flag (unknown flags included)
 */
export function parseOidcLoginArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  subcommand: OidcSubcommand,
  cwd = process.cwd(),
): OidcLoginSettings | 'help' {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof options; strict: true; allowPositionals: false }>
  >;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw bad(
      (error as Error).message,
      `run \`kgate oidc-login ${subcommand} --help\` for the flags it takes`,
    );
  }
  const { values } = parsed;
  const given = new Set(Object.keys(values));
  if (subcommand !== 'setup') {
    for (const flag of ['kubeconfig', 'user'] as const) {
      if (given.has(flag)) throw bad(`--${flag} is a flag of \`setup\` only`, `remove --${flag}`);
    }
  }
  if (values.help) return 'help';
  const issuerUrl = checkIssuer(values['issuer-url']);
  const clientId = values['client-id'];
  if (clientId === undefined || clientId === '') {
    throw bad('--client-id is required', 'pass the client id registered for kubectl at your OpenID provider');
  }
  const extraScopes = [
    ...new Set(
      (values['extra-scope'] ?? [])
        .flatMap((scope) => scope.split(','))
        .map((scope) => scope.trim())
        .filter((scope) => scope !== '' && scope !== 'openid'),
    ),
  ];
  const secret = values['client-secret'] ?? env[CLIENT_SECRET_ENV];
  const timeout = values['authentication-timeout'];
  const caFile = values['certificate-authority'];
  const cacheDir = values['token-cache-dir'];
  return {
    issuerUrl,
    clientId,
    clientSecret: secret === undefined || secret === '' ? undefined : secret,
    extraScopes,
    useAccessToken: values['use-access-token'] === true,
    caFile: caFile === undefined ? undefined : path.resolve(cwd, caFile),
    grantType: oneOf(values['grant-type'], grantTypes, '--grant-type', 'auto'),
    listenAddresses: values['listen-address'] ?? [...DEFAULT_LISTEN_ADDRESSES],
    browserCommand: values['browser-command'],
    skipOpenBrowser: values['skip-open-browser'] === true,
    authenticationTimeoutMs:
      timeout === undefined
        ? DEFAULT_AUTHENTICATION_TIMEOUT_MS
        : parseDuration(timeout, '--authentication-timeout'),
    storage: oneOf(values['token-cache-storage'], storages, '--token-cache-storage', 'keyring'),
    cacheDir:
      cacheDir === undefined
        ? path.join(userHome(env), '.kube', 'cache', 'kgate')
        : path.resolve(cwd, cacheDir),
    username: values.username,
    authRequestExtraParams: extraParams(values['auth-request-extra-params'] ?? []),
    kubeconfig: values.kubeconfig === undefined ? undefined : path.resolve(cwd, values.kubeconfig),
    user: values.user,
    given,
  };
}

/** The scopes asked for: `openid` first, then the extra ones. */
export function scopesOf(settings: Pick<OidcLoginSettings, 'extraScopes'>): string[] {
  return ['openid', ...settings.extraScopes];
}

/** Whether the user wants a password login (`--grant-type password`, or `auto` with `--username`). */
export function resolvedGrantType(
  settings: Pick<OidcLoginSettings, 'grantType' | 'username'>,
): Exclude<OidcGrantType, 'auto'> {
  if (settings.grantType !== 'auto') return settings.grantType;
  return settings.username === undefined ? 'authcode' : 'password';
}
