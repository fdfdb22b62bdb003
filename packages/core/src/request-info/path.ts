/**
 * Splits a request path into decoded segments, refusing every path that a server, a proxy
 * or kube-apiserver could read in more than one way.
 *
 * kube-apiserver itself is lenient (it trims slashes and takes Go's decoded `URL.Path`),
 * but kgate sits in front of it: if kgate and the server behind it disagree on what a path
 * names, kgate authorizes one thing and the server does another. So kgate does not guess.
 */
import { type PercentProblem, percentDecode } from './percent.ts';
import { rejectRequest } from './reject.ts';

/**
 * RFC 3986 path characters (unreserved, sub-delims, `:`, `@`), `%` for escapes and `/`.
 * Everything else must be percent-encoded by the client, and client-go always does.
 */
const NOT_PATH_CHAR = /[^A-Za-z0-9\-._~!$&'()*+,;=:@%/]/u;

/** The first C0 control character or DEL in `text`, if any (a regex would need control escapes). */
function findControlChar(text: string): string | undefined {
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return c;
  }
  return undefined;
}

function describeChar(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function rejectPercent(path: string, problem: PercentProblem): never {
  if (problem === 'bad-escape')
    rejectRequest(
      path,
      'has a "%" that is not followed by two hex digits',
      'percent-encode a literal "%" as %25',
    );
  rejectRequest(
    path,
    'has percent-encoded bytes that are not UTF-8',
    'percent-encode the path from its UTF-8 bytes',
  );
}

/** A request path cut into segments. */
export interface SplitPath {
  /** Decoded segments, without the empty one a trailing slash would add. */
  segments: string[];
  /**
   * Whether the path ends in `/` (and is not `/`). Only the caller knows whether the path is
   * a proxy path, the one place where a trailing slash is meaningful and accepted.
   */
  trailingSlash: boolean;
}

/**
 * Validates `path` (the raw, still-encoded URL path) and returns its segments decoded the
 * way kube-apiserver decodes them. `/` is the only path with no segments.
 *
 * @throws KgateError `REQUEST_PATH_INVALID`, see the list in `./index.ts`
 */
export function splitRequestPath(path: string): SplitPath {
  if (path === '') rejectRequest(path, 'is empty', 'a request path starts with "/", e.g. /api/v1/pods');
  const control = findControlChar(path);
  if (control !== undefined)
    rejectRequest(
      path,
      `contains the control character ${describeChar(control)}`,
      'remove control characters from the path',
    );
  if (!path.startsWith('/'))
    rejectRequest(path, 'does not start with "/"', 'send an origin-form path such as /api/v1/pods');
  if (path.includes('?') || path.includes('#'))
    rejectRequest(
      path,
      'contains "?" or "#"',
      'pass the query string separately (fragments are never sent to an API server)',
    );
  if (path.includes('\\'))
    // Some servers and proxies read "\" as "/", which would change what the path names.
    rejectRequest(path, 'contains a backslash', 'remove the backslash; API paths never contain one');
  const bad = NOT_PATH_CHAR.exec(path);
  if (bad)
    rejectRequest(
      path,
      `contains ${describeChar(bad[0])} (${JSON.stringify(bad[0])}), which must be percent-encoded`,
      'percent-encode the path as kubectl does',
    );
  if (/%2f/i.test(path))
    // Go decodes %2F to "/" before kube-apiserver splits the path, so "a%2Fb" would be two
    // segments there and one segment in a proxy that splits before decoding.
    rejectRequest(
      path,
      'contains an encoded slash (%2F)',
      'object names cannot contain "/"; send the segments unencoded',
    );
  if (/%5c/i.test(path))
    rejectRequest(
      path,
      'contains an encoded backslash (%5C)',
      'remove the backslash; API paths never contain one',
    );

  if (path === '/') return { segments: [], trailingSlash: false };
  const raw = path.slice(1).split('/');
  const trailingSlash = raw.length > 1 && raw[raw.length - 1] === '';
  if (trailingSlash) raw.pop();
  const segments: string[] = [];
  for (const segment of raw) {
    if (segment === '') rejectRequest(path, 'has an empty segment ("//")', 'remove the repeated slash');
    const decoded = percentDecode(segment);
    if (decoded === 'bad-escape' || decoded === 'not-utf8') rejectPercent(path, decoded);
    const decodedControl = findControlChar(decoded);
    if (decodedControl !== undefined)
      rejectRequest(
        path,
        `contains an encoded control character ${describeChar(decodedControl)}`,
        'remove control characters from the path',
      );
    if (decoded === '.' || decoded === '..')
      // Clients and proxies resolve dot-segments (RFC 3986 §5.2.4) and Go's router may
      // redirect them, while kube-apiserver's request info takes them literally.
      rejectRequest(
        path,
        `has a ${JSON.stringify(decoded)} segment${decoded === segment ? '' : ` (encoded as ${JSON.stringify(segment)})`}`,
        'send the path with "." and ".." segments resolved',
      );
    segments.push(decoded);
  }
  return { segments, trailingSlash };
}
