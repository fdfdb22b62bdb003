/**
 * What kube-apiserver reads from the query of a GET without an object name: list or watch,
 * and whether `fieldSelector=metadata.name=x` narrows it to one name. This mirrors
 * `NewRequestInfo`'s use of `ParameterCodec.DecodeParameters` into `ListOptions`,
 * including what happens when that decoding fails.
 */
import { parseFieldSelector, requiredFieldValue } from './field-selector.ts';
import { isGoInt64 } from './go-strconv.ts';
import { isValidLabelSelector } from './label-selector.ts';
import { goQueryBool, type QueryValues } from './query.ts';

/** How kube-apiserver reads a collection GET. */
export interface ListReading {
  watch: boolean;
  /** The single object name the field selector requires, when kube-apiserver honours it. */
  name: string | undefined;
}

/** `IsPathSegmentName`: names that could not be a path segment are not taken from a selector. */
function isPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

/**
 * Reads `watch` and the `metadata.name` field selector like kube-apiserver.
 *
 * Upstream decodes every list option at once; if any fails (a label or field selector that
 * does not parse, a `limit` or `timeoutSeconds` that is not an int64), it logs the error,
 * keeps only `watch` (this time compared lower-cased to "false"/"0") and sets no name.
 */
export function readListOptions(query: QueryValues): ListReading {
  const first = (key: string) => query.get(key)?.[0];
  const watchValue = first('watch');
  const fieldSelector = parseFieldSelector(first('fieldSelector') ?? '');
  const decodes =
    fieldSelector !== undefined &&
    isValidLabelSelector(first('labelSelector') ?? '') &&
    ['limit', 'timeoutSeconds'].every((key) => {
      const value = first(key);
      return value === undefined || isGoInt64(value);
    });
  if (!decodes) {
    const lower = watchValue?.toLowerCase();
    return { watch: lower !== undefined && lower !== 'false' && lower !== '0', name: undefined };
  }
  const name = requiredFieldValue(fieldSelector, 'metadata.name');
  return {
    watch: watchValue !== undefined && goQueryBool(watchValue),
    name: name !== undefined && isPathSegmentName(name) ? name : undefined,
  };
}
