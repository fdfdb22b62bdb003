/**
 * "Did you mean" for misspelt field names and verbs: the known word nearest to what was
 * written, when it is near enough to be the likely intent.
 */

function normalize(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known word `word` most likely stands for: equal but for case, `_` and `-`
 * (`apiGroups` → `api_groups`), or at most two edits away; `undefined` when none is.
 *
 * @example
 * ```ts
 * suggest('gett', ['get', 'list']); // 'get'
 * ```
 */
export function suggest(word: string, known: readonly string[]): string | undefined {
  const typed = normalize(word);
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(typed, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Two edits turn any two-letter word into any other; for short words ask for one.
  if (best !== undefined && bestDistance === 2 && Math.min(typed.length, best.length) <= 3) return undefined;
  return best;
}
