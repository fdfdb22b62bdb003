/**
 * Splits a line of the fake shell into words and operators: quotes ('…', "…"),
 * backslash escapes, `$NAME`, `${NAME}` and `$?` references, `#` comments, and the
 * list operators `;`, `&&`, `||` and newline. Pipes, redirections and background jobs
 * are recognised only so that the shell can refuse them clearly.
 */

/** A piece of a word: literal text or a variable reference, expanded when the command runs. */
export type WordPart = { text: string } | { variable: string };

export interface Word {
  parts: WordPart[];
  /** Whether any part was quoted (an unquoted word that expands to nothing is dropped). */
  quoted: boolean;
}

export type ListOperator = ';' | '&&' | '||';
export type UnsupportedOperator = '|' | '&' | '<' | '>';

export type Token =
  | { kind: 'word'; word: Word }
  | { kind: 'list'; op: ListOperator }
  | { kind: 'unsupported'; op: UnsupportedOperator };

export class ShellSyntaxError extends Error {}

const variableName = /^[A-Za-z_][A-Za-z0-9_]*/;

export function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let word: Word | undefined;
  const current = (): Word => {
    word ??= { parts: [], quoted: false };
    return word;
  };
  const literal = (text: string) => {
    const parts = current().parts;
    const last = parts.at(-1);
    if (last !== undefined && 'text' in last) last.text += text;
    else parts.push({ text });
  };
  const finishWord = () => {
    if (word !== undefined) tokens.push({ kind: 'word', word });
    word = undefined;
  };
  /** Reads a `$` reference at `i` (just after the `$`); returns the index after it. */
  const dollar = (i: number): number => {
    const rest = script.slice(i);
    if (rest.startsWith('?') || rest.startsWith('$') || /^[0-9]/.test(rest)) {
      current().parts.push({ variable: rest.charAt(0) });
      return i + 1;
    }
    if (rest.startsWith('{')) {
      const close = rest.indexOf('}');
      const name = close > 0 ? rest.slice(1, close) : '';
      if (close < 0 || !(variableName.test(name) || name === '?'))
        throw new ShellSyntaxError('bad substitution');
      current().parts.push({ variable: name });
      return i + close + 1;
    }
    const name = variableName.exec(rest)?.[0];
    if (name === undefined) {
      literal('$');
      return i;
    }
    current().parts.push({ variable: name });
    return i + name.length;
  };

  let i = 0;
  while (i < script.length) {
    const char = script.charAt(i);
    const next = script.charAt(i + 1);
    if (char === ' ' || char === '\t') {
      finishWord();
      i++;
    } else if (char === '\n' || char === ';') {
      finishWord();
      tokens.push({ kind: 'list', op: ';' });
      i++;
    } else if ((char === '&' || char === '|') && next === char) {
      finishWord();
      tokens.push({ kind: 'list', op: char === '&' ? '&&' : '||' });
      i += 2;
    } else if (char === '&' || char === '|' || char === '<' || char === '>') {
      finishWord();
      tokens.push({ kind: 'unsupported', op: char });
      i++;
    } else if (char === '#' && word === undefined) {
      const newline = script.indexOf('\n', i);
      i = newline < 0 ? script.length : newline;
    } else if (char === "'") {
      const close = script.indexOf("'", i + 1);
      if (close < 0) throw new ShellSyntaxError('unterminated quoted string');
      current().quoted = true;
      literal(script.slice(i + 1, close));
      i = close + 1;
    } else if (char === '"') {
      current().quoted = true;
      i++;
      for (;;) {
        if (i >= script.length) throw new ShellSyntaxError('unterminated quoted string');
        const inner = script.charAt(i);
        if (inner === '"') {
          i++;
          break;
        }
        if (inner === '\\' && '$`"\\\n'.includes(script.charAt(i + 1))) {
          literal(script.charAt(i + 1));
          i += 2;
        } else if (inner === '$') {
          i = dollar(i + 1);
        } else {
          literal(inner);
          i++;
        }
      }
    } else if (char === '\\') {
      if (next !== '\n') literal(next);
      current();
      i += 2;
    } else if (char === '$') {
      i = dollar(i + 1);
    } else {
      literal(char);
      i++;
    }
  }
  finishWord();
  return tokens;
}

/** Expands a word's variable references with `lookup`; `undefined` for an unquoted empty word. */
export function expandWord(word: Word, lookup: (name: string) => string): string | undefined {
  const value = word.parts.map((part) => ('text' in part ? part.text : lookup(part.variable))).join('');
  return value === '' && !word.quoted ? undefined : value;
}
