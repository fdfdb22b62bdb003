/**
 * What is wrong with a roles document, said so that a person can find it: the role or
 * user by name, then the field (`role "developer": rules[0].verbs[2]: unknown verb "gett"`),
 * after the file and line when they are known. Every problem is collected before one
 * {@link RolesInvalidError} is thrown, so one edit can fix them all.
 */
import { KgateError } from '../errors.ts';

/** One thing wrong with a roles document. */
export interface RolesProblem {
  /** The whole sentence, e.g. `role "developer": rules[0].verbs[2]: unknown verb "gett" (known: …)`. */
  message: string;
  /** How to fix it. */
  hint: string;
  /** The 1-based line in the YAML text, when the document was parsed from text. */
  line?: number;
}

/** A step of a path into the document: a field name or a list index. */
export type PathStep = string | number;

/**
 * Writes a path the way messages show it: `rules[0].verbs[2]`.
 *
 * @example
 * ```ts
 * formatRolesPath(['rules', 0, 'verbs', 2]); // 'rules[0].verbs[2]'
 * ```
 */
export function formatRolesPath(steps: readonly PathStep[]): string {
  let out = '';
  for (const step of steps) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}

/** At most this many problems are spelled out in the message; all are in `problems`. */
const MESSAGE_PROBLEMS = 10;

function located(problem: RolesProblem, source: string | undefined): string {
  if (source === undefined) return problem.message;
  return problem.line === undefined
    ? `${source}: ${problem.message}`
    : `${source}:${problem.line}: ${problem.message}`;
}

/**
 * A roles document that cannot be used (code `INVALID_ARGUMENT`), with every problem
 * found. The message joins them with `; `, each after `source:line: ` when a source was
 * given.
 */
export class RolesInvalidError extends KgateError {
  /** Everything found wrong, in document order. */
  readonly problems: readonly RolesProblem[];
  /** The file name the document came from, when the caller named it. */
  readonly source: string | undefined;

  constructor(problems: readonly RolesProblem[], source?: string) {
    const shown = problems.slice(0, MESSAGE_PROBLEMS).map((p) => located(p, source));
    if (problems.length > MESSAGE_PROBLEMS) shown.push(`and ${problems.length - MESSAGE_PROBLEMS} more`);
    const hints = [...new Set(problems.map((p) => p.hint))];
    super('INVALID_ARGUMENT', shown.length === 0 ? 'the roles document is invalid' : shown.join('; '), {
      hint:
        hints.length === 1
          ? hints[0]
          : `fix each of the ${problems.length} problems; the first: ${problems[0]?.hint ?? 'see above'}`,
    });
    this.name = 'RolesInvalidError';
    this.problems = problems;
    this.source = source;
  }
}
