/**
 * The part of k8s.io/apimachinery `fields.ParseSelector` that request info needs: whether a
 * field selector parses, and the value it requires for one field (`metadata.name=x` lets a
 * list or watch be authorized against a single object name).
 */
import { compareGoStrings } from './go-strconv.ts';

/** One `field<op>value` term, with the value unescaped. */
export interface FieldSelectorTerm {
  field: string;
  /** `=` and `==` mean the same; `!=` excludes. */
  op: '=' | '==' | '!=';
  value: string;
}

/** Splits on `,` that are not escaped by a backslash; the backslashes stay in the terms. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator in the term splits it: no escaping is possible on the left side. */
function splitTerm(term: string): FieldSelectorTerm | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of ['!=', '==', '='] as const) {
      if (rest.startsWith(op)) return { field: term.slice(0, i), op, value: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** `\\`, `\,` and `\=` are the only escapes; an unescaped `,` or `=` in a value is an error. */
function unescapeValue(value: string): string | undefined {
  let out = '';
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') return undefined;
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') return undefined;
    else out += c;
  }
  return inSlash ? undefined : out;
}

/**
 * Parses a field selector as kube-apiserver does, or returns `undefined` where it fails.
 * Terms come back in the order kube-apiserver keeps them: sorted by their raw text, with
 * empty terms and `=`-only terms (no field, no value) dropped.
 */
export function parseFieldSelector(selector: string): FieldSelectorTerm[] | undefined {
  const terms: FieldSelectorTerm[] = [];
  for (const part of splitTerms(selector).sort(compareGoStrings)) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (!term) return undefined;
    const value = unescapeValue(term.value);
    if (value === undefined) return undefined;
    if (term.field === '' && value === '') continue;
    terms.push({ ...term, value });
  }
  return terms;
}

/**
 * The value the selector requires `field` to equal (`RequiresExactMatch`): the first `=` or
 * `==` term on that field, in kube-apiserver's sorted order.
 */
export function requiredFieldValue(terms: readonly FieldSelectorTerm[], field: string): string | undefined {
  return terms.find((t) => t.field === field && t.op !== '!=')?.value;
}
