/**
 * Header rules shared by central (which refuses) and the agent (which strips): what is
 * hop-by-hop, what carries identity, and which upgrades may pass.
 */
/** One header field as the tunnel carries it; repeated fields are repeated pairs. */
export interface HeaderPair {
  name: string;
  value: string;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1 plus the legacy ones proxies must drop). */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The only upgrades the tunnel carries (CVE-2018-1002105: anything else is refused). */
export const allowedUpgrades: ReadonlySet<string> = new Set(['spdy/3.1', 'websocket']);

/** Whether `name` sets or claims an identity: `Authorization`, `Impersonate-*`, front-proxy `X-Remote-*`. */
export function isIdentityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower.startsWith('impersonate-') || lower.startsWith('x-remote-');
}

/** Whether `name` is an impersonation header, in any case. */
export function isImpersonationHeader(name: string): boolean {
  return name.toLowerCase().startsWith('impersonate-');
}

/** The header names a `Connection` header value lists (lower case). */
export function connectionTokens(values: Iterable<string>): Set<string> {
  const tokens = new Set<string>();
  for (const value of values)
    for (const token of value.split(',')) {
      const trimmed = token.trim().toLowerCase();
      if (trimmed !== '') tokens.add(trimmed);
    }
  return tokens;
}

/** `[name, value]` pairs from node's flat `rawHeaders` list, names as sent. */
export function pairsFromRaw(rawHeaders: readonly string[]): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const value = rawHeaders[i + 1];
    if (name !== undefined && value !== undefined) pairs.push({ name, value });
  }
  return pairs;
}

/** The values of every header named `name` (any case), in order. */
export function headerValues(headers: readonly HeaderPair[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

/**
 * End-to-end headers only: drops hop-by-hop headers, every header the `Connection`
 * header names, and — unless `keepIdentity` — every identity header. CVE-2021-31999
 * is why the `Connection` list is read here and never trusted to remove anything the
 * forwarder adds afterwards: identity headers are added after this filter runs.
 */
export function endToEndHeaders<H extends HeaderPair>(
  headers: readonly H[],
  options: { keepIdentity?: boolean; drop?: readonly string[] } = {},
): H[] {
  const named = connectionTokens(headerValues(headers, 'connection'));
  const drop = new Set((options.drop ?? []).map((n) => n.toLowerCase()));
  return headers.filter((h) => {
    const lower = h.name.toLowerCase();
    if (hopByHopHeaders.has(lower) || named.has(lower) || drop.has(lower)) return false;
    return options.keepIdentity === true || !isIdentityHeader(lower);
  });
}
