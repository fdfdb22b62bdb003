/**
 * Reads a request's query string the way Go's `url.ParseQuery` does (what kube-apiserver
 * uses), refusing the inputs that Go and other parsers read differently.
 */
import { percentDecode } from './percent.ts';
import { rejectRequest } from './reject.ts';

/** Query parameters in request order; every key present has at least one value. */
export type QueryValues = ReadonlyMap<string, readonly string[]>;

/** RFC 3986 query characters: path characters plus `/` and `?`. */
const NOT_QUERY_CHAR = /[^A-Za-z0-9\-._~!$&'()*+,;=:@%/?]/u;

/**
 * Parses `query` (raw, with or without a leading `?`, or already parsed) into values.
 *
 * Raw strings are checked strictly: a parameter containing `;` is refused (Go drops it,
 * older parsers split on it), as are bad escapes and characters clients must encode
 * (Go drops a parameter with a bad escape, JavaScript keeps it literally). A
 * `URLSearchParams` is taken as it is, since its raw form is gone.
 *
 * @param path - only for error messages
 */
export function parseQuery(path: string, query: string | URLSearchParams | undefined): QueryValues {
  const values = new Map<string, string[]>();
  const add = (key: string, value: string) => {
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  };
  if (query === undefined) return values;
  if (query instanceof URLSearchParams) {
    for (const [key, value] of query) add(key, value);
    return values;
  }
  const raw = query.startsWith('?') ? query.slice(1) : query;
  const bad = NOT_QUERY_CHAR.exec(raw);
  if (bad)
    rejectRequest(
      path,
      `has a query containing ${JSON.stringify(bad[0])}, which must be percent-encoded`,
      'percent-encode query parameters as kubectl does',
    );
  for (const pair of raw.split('&')) {
    if (pair.includes(';'))
      rejectRequest(
        path,
        `has a query parameter with ";" (${JSON.stringify(pair)})`,
        'separate query parameters with "&" and percent-encode ";" as %3B',
      );
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = percentDecode(eq < 0 ? pair : pair.slice(0, eq), true);
    const value = percentDecode(eq < 0 ? '' : pair.slice(eq + 1), true);
    if (key === 'bad-escape' || value === 'bad-escape' || key === 'not-utf8' || value === 'not-utf8')
      rejectRequest(
        path,
        `has a query parameter with an invalid percent-encoding (${JSON.stringify(pair)})`,
        'percent-encode a literal "%" as %25 and encode text as UTF-8',
      );
    add(key, value);
  }
  return values;
}

/** How Go's `Convert_Slice_string_To_bool` reads a `watch` value: only "0" and "false" (any case) are false. */
export function goQueryBool(value: string): boolean {
  // strings.EqualFold also matches U+017F (long s) to "s", so "falſe" is false as well.
  return !(value === '0' || /^[fF][aA][lL][sSſ][eE]$/.test(value));
}

/**
 * Refuses parameters that kube-apiserver reads by their first value only when they are
 * repeated with different meanings: another parser (or a later kube-apiserver) reading the
 * last value would authorize a different request. `watch` values are compared by meaning
 * (`true` and `1` agree); selectors by text.
 */
export function rejectConflictingRepeats(path: string, values: QueryValues): void {
  const watch = values.get('watch') ?? [];
  if (new Set(watch.map(goQueryBool)).size > 1)
    rejectRequest(
      path,
      `has query parameter "watch" repeated with conflicting values (${watch.map((v) => JSON.stringify(v)).join(', ')})`,
      'send "watch" once',
    );
  for (const key of ['fieldSelector', 'labelSelector']) {
    const given = values.get(key) ?? [];
    if (new Set(given).size > 1)
      rejectRequest(
        path,
        `has query parameter ${JSON.stringify(key)} repeated with different values (${given.map((v) => JSON.stringify(v)).join(', ')})`,
        `send one ${key} and join its terms with ","`,
      );
  }
}
