/**
 * What is wrong with a kubeconfig, said so that a person can find it: the entry with
 * its index and field (`contexts[2].context.cluster`), the file, and the line when it
 * is known. Parsing and validation both report {@link KubeconfigProblem}s; a caller
 * who wants an exception gets one {@link KubeconfigInvalidError} carrying them all.
 */
import { KgateError } from '../errors.ts';

/** One thing wrong with a kubeconfig. */
export interface KubeconfigProblem {
  /** Where, e.g. `contexts[2].context.cluster`; indexes count within `file` when it is set. */
  path: string;
  /** The whole sentence, starting with `path`, e.g. `contexts[2].context.cluster "x" not found`. */
  message: string;
  /** How to fix it. */
  hint: string;
  /** The file the entry came from, when known. */
  file?: string;
  /** The 1-based line in `file`, when known. */
  line?: number;
}

/** A step of a path into a kubeconfig: a field name or a list index. */
export type PathStep = string | number;

const plainKey = /^[A-Za-z_][\w-]*$/;

/**
 * Writes a path the way the messages show it: `contexts[2].context.cluster`,
 * `users[0].user.as-user-extra["example.com/x"]`.
 *
 * @example
 * ```ts
 * formatPath(['contexts', 2, 'context', 'cluster']); // 'contexts[2].context.cluster'
 * ```
 */
export function formatPath(steps: readonly PathStep[]): string {
  let out = '';
  for (const step of steps) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (plainKey.test(step)) out += out === '' ? step : `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

/**
 * One problem as a line: `file:line: message` (file and line when known).
 *
 * @example
 * ```ts
 * formatProblem({ path: 'current-context', message: 'current-context "x" not found', hint: '', file: '/k' });
 * // '/k: current-context "x" not found'
 * ```
 */
export function formatProblem(problem: KubeconfigProblem): string {
  if (problem.file === undefined) return problem.message;
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.message}`;
}

/**
 * A kubeconfig that cannot be used, with every problem found (not just the first),
 * so that one run of the user's editor can fix them all.
 */
export class KubeconfigInvalidError extends KgateError {
  /** Everything found wrong, in file order. */
  readonly problems: readonly KubeconfigProblem[];

  constructor(problems: readonly KubeconfigProblem[]) {
    const [first, ...rest] = problems;
    const message =
      first === undefined
        ? 'the kubeconfig is invalid'
        : rest.length === 0
          ? formatProblem(first)
          : `${problems.length} problems in the kubeconfig: ${problems.map(formatProblem).join('; ')}`;
    const hints = [...new Set(problems.map((p) => p.hint))];
    super('KUBECONFIG_INVALID', message, {
      hint:
        hints.length === 1
          ? hints[0]
          : `${first?.hint ?? 'fix the kubeconfig'} (and likewise for the others)`,
    });
    this.name = 'KubeconfigInvalidError';
    this.problems = problems;
  }
}
