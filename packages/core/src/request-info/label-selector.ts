/**
 * Whether a label selector parses, exactly as k8s.io/apimachinery `labels.Parse` decides.
 *
 * Request info needs only the yes/no: when a list's query does not decode (a bad label
 * selector among them), kube-apiserver ignores `fieldSelector=metadata.name=...` and so
 * authorizes the list for all names. kgate must draw the same conclusion, so this follows
 * the upstream lexer byte by byte, including its quirks (a NUL byte ends the input where
 * a token would start).
 */
import { isGoInt64 } from './go-strconv.ts';

type Token =
  | 'error'
  | 'end'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

const KEYWORDS: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

interface Item {
  tok: Token;
  lit: string;
}

const isWhitespace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
const isSpecial = (b: number) => '=!(),><'.includes(String.fromCharCode(b));
const utf8 = new TextDecoder('utf-8');

/** Tokenizes like upstream `Lexer`: bytes, with 0 standing for the end of input. */
function scan(selector: string): Item[] {
  const s = new TextEncoder().encode(selector);
  let pos = 0;
  const read = (): number => (pos < s.length ? (s[pos++] ?? 0) : 0);
  const text = (bytes: number[]) => utf8.decode(new Uint8Array(bytes));

  const idOrKeyword = (): Item => {
    const buf: number[] = [];
    for (;;) {
      const ch = read();
      if (ch === 0) break;
      if (isSpecial(ch) || isWhitespace(ch)) {
        pos--;
        break;
      }
      buf.push(ch);
    }
    const lit = text(buf);
    return { tok: KEYWORDS.get(lit) ?? 'identifier', lit };
  };
  const special = (): Item => {
    const buf: number[] = [];
    let last: Item | undefined;
    for (;;) {
      const ch = read();
      if (ch === 0) break;
      if (!isSpecial(ch)) {
        pos--;
        break;
      }
      buf.push(ch);
      const tok = KEYWORDS.get(text(buf));
      if (tok) last = { tok, lit: text(buf) };
      else if (last) {
        pos--;
        break;
      }
    }
    return last ?? { tok: 'error', lit: text(buf) };
  };

  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    let item: Item;
    if (ch === 0) item = { tok: 'end', lit: '' };
    else {
      pos--;
      item = isSpecial(ch) ? special() : idOrKeyword();
    }
    items.push(item);
    if (item.tok === 'end') return items;
  }
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `IsLabelKey`: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
function isLabelKey(key: string): boolean {
  const parts = key.split('/');
  const name = parts.length === 1 ? parts[0] : parts.length === 2 ? parts[1] : undefined;
  if (name === undefined || name.length > 63 || !LABEL_NAME.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) return false;
  }
  return true;
}

/** `IsLabelValue`: empty, or a label name of at most 63 characters. */
function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

/** Whether kube-apiserver's `labels.Parse` accepts `selector` (the empty selector included). */
export function isValidLabelSelector(selector: string): boolean {
  const items = scan(selector);
  let position = 0;
  // In value position, `in` and `notin` are plain words (`x in (in)`).
  const asValue = (tok: Token): Token => (tok === 'in' || tok === 'notin' ? 'identifier' : tok);
  const peek = (): Item => items[position] ?? { tok: 'end', lit: '' };
  const lookahead = (): Token => asValue(peek().tok);
  const consume = (valueContext = true): Item => {
    const item = peek();
    position++;
    return valueContext ? { tok: asValue(item.tok), lit: item.lit } : item;
  };

  /** Values in `( ... )`, or undefined when malformed; upstream never yields an empty set. */
  const parenthesizedValues = (): string[] | undefined => {
    if (consume().tok !== '(') return undefined;
    const first = lookahead();
    if (first === ')') {
      consume();
      return [''];
    }
    if (first !== 'identifier' && first !== ',') return undefined;
    const values: string[] = [];
    for (;;) {
      const item = consume();
      if (item.tok === 'identifier') {
        values.push(item.lit);
        const next = lookahead();
        if (next === ')') break;
        if (next !== ',') return undefined;
      } else if (item.tok === ',') {
        const next = lookahead();
        if (values.length === 0 || next === ')' || next === ',') values.push('');
        if (next === ')') break;
      } else return undefined;
    }
    return consume().tok === ')' ? values : undefined;
  };

  const requirement = (): boolean => {
    let item = consume();
    let negated = false;
    if (item.tok === '!') {
      negated = true;
      item = consume();
    }
    if (item.tok !== 'identifier' || !isLabelKey(item.lit)) return false;
    const next = lookahead();
    // `key`, `!key` and `!key<anything>` end the requirement here; the caller then expects
    // `,` or the end, which makes `!key=value` an error as upstream.
    if (negated || next === 'end' || next === ',') return true;
    const op = consume(false).tok;
    let values: string[] | undefined;
    if (op === 'in' || op === 'notin') values = parenthesizedValues();
    else if (op === '=' || op === '==' || op === '!=' || op === '>' || op === '<') {
      const ahead = lookahead();
      if (ahead === 'end' || ahead === ',') values = [''];
      else {
        const value = consume();
        values = value.tok === 'identifier' ? [value.lit] : undefined;
      }
      if (values && (op === '>' || op === '<') && !values.every(isGoInt64)) return false;
    } else return false;
    return values?.every(isLabelValue) === true;
  };

  for (;;) {
    const tok = lookahead();
    if (tok === 'end') return true;
    if (tok !== 'identifier' && tok !== '!') return false;
    if (!requirement()) return false;
    const after = consume().tok;
    if (after === 'end') return true;
    if (after !== ',') return false;
    const next = lookahead();
    if (next !== 'identifier' && next !== '!') return false;
  }
}
