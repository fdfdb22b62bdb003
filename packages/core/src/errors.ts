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
  KUBECONFIG_READ_FAILED: {
    user: true,
    description: 'a kubeconfig file exists but cannot be read (permissions, or it is a directory)',
  },
  KUBECONFIG_CONFLICT: {
    user: true,
    description: 'an entry being added has the name of an existing entry with different settings',
  },
  KUBECONFIG_CONTEXT_NOT_FOUND: {
    user: true,
    description: 'no current context is set, or the named context or an entry it refers to is missing',
  },
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
  EXEC_PLUGIN_NEEDS_TERMINAL: {
    user: true,
    description: 'an exec credential plugin with interactiveMode Always was run without a terminal on stdin',
  },
  EXEC_INFO_INVALID: {
    user: true,
    description: 'KUBERNETES_EXEC_INFO is unset or not an ExecCredential (plugin not run by a client)',
  },
  REQUEST_PATH_INVALID: {
    user: true,
    description: 'an API request path is malformed or ambiguous and is rejected, not guessed',
  },
  PKI_INVALID: {
    user: true,
    description: 'a certificate, key or certificate request is malformed or its signature does not verify',
  },
  CONFIG_INVALID: {
    user: true,
    description: 'a configuration file, environment variable or flag has a value kgate cannot use',
  },
  UNAUTHENTICATED: {
    user: true,
    description: 'no valid credentials: a wrong password, or a missing, expired, revoked or forged token',
  },
  PERMISSION_DENIED: { user: true, description: 'the caller is authenticated but not allowed to do this' },
  NOT_FOUND: { user: true, description: 'the named resource (user, cluster, route) does not exist' },
  ALREADY_EXISTS: { user: true, description: 'a resource with that name already exists' },
  FAILED_PRECONDITION: {
    user: true,
    description: 'the request is valid but the current state forbids it (such as removing the last admin)',
  },
  RATE_LIMITED: { user: true, description: 'too many attempts in a short time; retry after the given delay' },
  PAYLOAD_TOO_LARGE: { user: true, description: 'the request body is larger than the server accepts' },
  UNSUPPORTED_MEDIA_TYPE: { user: true, description: 'the request body is not JSON (Content-Type)' },
  UNAVAILABLE: {
    user: false,
    description: 'a service kgate depends on is not reachable now (such as a cluster whose agent is offline)',
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
