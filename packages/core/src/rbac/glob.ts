/**
 * The globs of role rules: `*` stands for any run of characters (also none), `?` for one,
 * everything else for itself, and a glob matches the whole name, never a part of it.
 * Patterns are checked against the characters the names they match may hold, so a typo
 * such as `Dev_*` is an error instead of a rule that silently matches nothing.
 */

/** The characters each kind of glob may hold, besides `*` and `?`. */
export const GLOB_ALPHABETS = {
  /** Cluster names and namespaces are DNS-1123 labels. */
  label: { chars: /^[a-z0-9-]$/, says: 'lowercase letters, digits and "-"' },
  /** API groups are DNS subdomains. */
  subdomain: { chars: /^[a-z0-9.-]$/, says: 'lowercase letters, digits, "." and "-"' },
} as const;

/** Which characters a glob may hold. */
export type GlobAlphabet = keyof typeof GLOB_ALPHABETS;

/**
 * What is wrong with `pattern` as a glob over `alphabet`, or `undefined` when it is fine.
 *
 * @example
 * ```ts
 * globError('Dev_*', 'label'); // 'holds "D", "_", which no name here can hold'
 * globError('dev-*', 'label'); // undefined
 * ```
 */
export function globError(pattern: string, alphabet: GlobAlphabet): string | undefined {
  if (pattern === '') return 'is empty';
  // `**` means the same as `*`; refusing it keeps `*` the one glob that also matches an empty
  // value (a request without a namespace), so that a rule cannot reach it by accident.
  if (pattern.includes('**')) return 'holds "**"';
  const { chars } = GLOB_ALPHABETS[alphabet];
  const bad = [...new Set([...pattern].filter((c) => c !== '*' && c !== '?' && !chars.test(c)))];
  if (bad.length > 0)
    return `holds ${bad.map((c) => JSON.stringify(c)).join(', ')}, which no name here can hold`;
  return undefined;
}

/** A compiled list of globs. */
export interface GlobSet {
  /** Whether the list holds `*` itself, which matches everything, including the empty value. */
  readonly all: boolean;
  /** Whether some glob of the list matches all of `value`. */
  matches(value: string): boolean;
}

function globSource(pattern: string): string {
  let source = '';
  for (const c of pattern) {
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  }
  return source;
}

/**
 * Compiles globs into one matcher: plain names into a set, the rest into one anchored
 * regular expression, so that matching costs one lookup and at most one regex test.
 *
 * @example
 * ```ts
 * compileGlobs(['dev-*', 'staging']).matches('dev-1'); // true
 * ```
 */
export function compileGlobs(patterns: readonly string[]): GlobSet {
  const all = patterns.includes('*');
  const literals = new Set<string>();
  const globs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.includes('*') || pattern.includes('?')) globs.push(globSource(pattern));
    else literals.add(pattern);
  }
  // `s`: `*` and `?` stand for any character, line breaks included, as documented.
  const regex = globs.length === 0 ? undefined : new RegExp(`^(?:${globs.join('|')})$`, 's');
  return {
    all,
    matches: (value) => all || literals.has(value) || (regex?.test(value) ?? false),
  };
}
