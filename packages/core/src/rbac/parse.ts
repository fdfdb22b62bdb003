/**
 * YAML text → {@link RolesDocument}: YAML syntax errors name their line and column;
 * every other problem is one of {@link validateRolesDocument}'s, with its line.
 *
 * The text is read as YAML 1.2, where `no`, `on` and `off` are strings, so a namespace
 * called `no` needs no quotes. Duplicate keys, several documents in one text and
 * aliases that expand too far are refused.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { RolesInvalidError, type RolesProblem } from './problems.ts';
import type { RolesDocument } from './types.ts';
import { checkRolesDocument, type RolesSourceOptions } from './validate.ts';

/**
 * Parses and checks a roles document.
 *
 * @throws {@link RolesInvalidError} (code `INVALID_ARGUMENT`) for a YAML syntax error
 * (`invalid YAML at line 3, column 7: …`) or for every problem found, each after
 * `source:line: ` when `source` is given.
 * @example
 * ```ts
 * const { roles, users } = parseRolesDocument(await readFile('roles.yaml', 'utf8'), { source: 'roles.yaml' });
 * ```
 */
export function parseRolesDocument(text: string, options: RolesSourceOptions = {}): RolesDocument {
  const { source } = options;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const [syntaxError] = doc.errors;
  if (syntaxError !== undefined) {
    const position = syntaxError.linePos?.[0];
    const reason = (syntaxError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new RolesInvalidError(
      [
        {
          message: `invalid YAML${position === undefined ? '' : ` at line ${position.line}, column ${position.col}`}: ${reason}`,
          hint: 'fix the YAML syntax there',
        },
      ],
      source,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new RolesInvalidError(
      [
        {
          message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}`,
          hint: 'expand the YAML aliases (*name) by hand',
        },
      ],
      source,
    );
  }
  const problems: RolesProblem[] = [];
  const result = checkRolesDocument(value, (at, message, hint) => {
    const node = at.length === 0 ? doc.contents : doc.getIn(at, true);
    const offset = isNode(node) ? node.range?.[0] : undefined;
    const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
    problems.push(line === undefined ? { message, hint } : { message, hint, line });
  });
  // In file order, which is how a person fixes them; `sort` is stable for equal lines.
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (problems.length > 0) throw new RolesInvalidError(problems, source);
  return result;
}
