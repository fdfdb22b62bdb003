/**
 * kgate's one error type.
 *
 * Every error kgate raises on purpose is a {@link KgateError} with a stable `code`.
 * A *user* error (bad input, a missing file, a refused login) carries a `hint` that
 * says how to fix it; front-ends print `message` and `hint` on one line each and no
 * stack. Anything else is an internal error and keeps its `cause`.
 *
 * Other packages extend the code union with their own codes by passing their own
 * literal type parameter; the table {@link coreErrorCodes} documents every code
 * of this package (a test fails if one is missing).
 *
 * @example
 * ```ts
 * throw new KgateError('KUBECONFIG_INVALID', 'contexts[2].context.cluster "x" not found', {
 *   hint: 'add a cluster named "x" or point the context at an existing cluster',
 * });
 * ```
 */

/** What each error code of `@kgate/core` means, and whether it is the user's to fix. */
export const coreErrorCodes = {
  INVALID_ARGUMENT: { user: true, description: 'an argument or option has a value kgate cannot use' },
  KUBECONFIG_NOT_FOUND: { user: true, description: 'a kubeconfig file named explicitly does not exist' },
  KUBECONFIG_INVALID: {
    user: true,
    description: 'a kubeconfig file is not valid YAML or an entry in it is malformed',
  },
  KUBECONFIG_UNSAFE_PATH: {
    user: true,
    description: 'a kubeconfig path is a symbolic link or not a regular file, so it is not written',
  },
  KUBECONFIG_WRITE_FAILED: { user: false, description: 'writing a kubeconfig file failed' },
  EXEC_PLUGIN_NOT_FOUND: {
    user: true,
    description: 'the command of an exec credential plugin was not found',
  },
  EXEC_PLUGIN_FAILED: {
    user: true,
    description: 'an exec credential plugin exited non-zero or timed out',
  },
  EXEC_CREDENTIAL_INVALID: {
    user: true,
    description: 'an exec credential plugin printed something that is not a valid ExecCredential',
  },
  EXEC_CONFIG_INVALID: { user: true, description: 'an exec credential plugin configuration is invalid' },
  REQUEST_PATH_INVALID: {
    user: true,
    description: 'an API request path is malformed or ambiguous and is rejected, not guessed',
  },
  INTERNAL: { user: false, description: 'a bug or an unexpected failure inside kgate' },
} as const satisfies Record<string, { user: boolean; description: string }>;

/** Codes of errors raised by `@kgate/core`. */
export type CoreErrorCode = keyof typeof coreErrorCodes;

/** Options for {@link KgateError}. */
export interface KgateErrorOptions {
  /** How the user can fix it (one line). Marks the error as a user error. */
  hint?: string;
  /** Set to `true` for a user error without a hint. Defaults to `hint !== undefined`. */
  user?: boolean;
  /** The error this one wraps. */
  cause?: unknown;
}

/**
 * The base of every error kgate raises on purpose.
 *
 * @typeParam C - the code union of the package that raises it
 */
export class KgateError<C extends string = CoreErrorCode | (string & {})> extends Error {
  /** A stable, documented code, for programs to branch on. */
  readonly code: C;
  /** How to fix it, for a user error. */
  readonly hint: string | undefined;
  /** Whether the user can fix it (print message + hint, no stack). */
  readonly user: boolean;

  constructor(code: C, message: string, options: KgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KgateError';
    this.code = code;
    this.hint = options.hint;
    this.user = options.user ?? options.hint !== undefined;
  }
}

/**
 * Whether `value` is a {@link KgateError}, optionally with the given code.
 *
 * @example
 * ```ts
 * if (isKgateError(err, 'KUBECONFIG_NOT_FOUND')) console.error(err.hint);
 * ```
 */
export function isKgateError<C extends string>(value: unknown, code?: C): value is KgateError<C> {
  return value instanceof KgateError && (code === undefined || value.code === code);
}

/**
 * Formats an error for a person: `error: message` and, for a user error with a hint,
 * `hint: …` on a second line. Internal errors get their stack only when `verbose`.
 *
 * @example
 * ```ts
 * process.stderr.write(formatError(err) + '\n');
 * ```
 */
export function formatError(error: unknown, verbose = false): string {
  if (error instanceof KgateError) {
    const lines = [`error: ${error.message}`];
    if (error.hint) lines.push(`hint: ${error.hint}`);
    if (!error.user && verbose && error.stack) lines.push(error.stack);
    return lines.join('\n');
  }
  if (error instanceof Error)
    return verbose && error.stack ? `error: ${error.stack}` : `error: ${error.message}`;
  return `error: ${String(error)}`;
}
