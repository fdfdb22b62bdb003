/**
 * The error codes the kgate CLI raises, documented in one table (a test fails if a code the
 * CLI throws is missing here). Codes of `@kgate/core` pass through unchanged.
 */
import { type CoreErrorCode, KgateError, type KgateErrorOptions } from '@kgate/core/errors';

/** What each CLI error code means, and whether it is the user's to fix. */
export const cliErrorCodes = {
  NOT_LOGGED_IN: { user: true, description: 'no stored session for the server; `kgate login` is needed' },
  SESSION_EXPIRED: {
    user: true,
    description: 'the refresh token was refused (expired, revoked or reused); `kgate login` is needed',
  },
  SERVER_NOT_SET: { user: true, description: 'no central server was given and none is remembered' },
  LOGIN_FAILED: { user: true, description: 'central refused the username or password' },
  CENTRAL_UNREACHABLE: { user: true, description: 'central could not be reached (DNS, refused, timeout)' },
  CENTRAL_TLS: {
    user: true,
    description: "central's certificate is not trusted by the CA kgate used (or no CA was given)",
  },
  CENTRAL_REJECTED: { user: true, description: 'central answered a request with an error status' },
  CENTRAL_BAD_RESPONSE: { user: false, description: 'central answered with something that is not the API' },
  CLUSTER_NOT_FOUND: { user: true, description: 'no cluster of that name is registered at central' },
  CLUSTER_NOT_SELECTED: { user: true, description: 'no cluster was given and none is selected' },
  USER_NOT_FOUND: { user: true, description: 'no user of that name exists at central' },
  PASSWORD_REQUIRED: {
    user: true,
    description: 'a password is needed but stdin is not a terminal and --password-stdin was not given',
  },
  CA_FILE_INVALID: { user: true, description: 'the --certificate-authority file is missing or holds no PEM' },
  TOKEN_STORE_FAILED: {
    user: false,
    description: 'the keyring or the token file could not be read or written',
  },
  LOCK_TIMEOUT: { user: true, description: 'another kgate process held the token lock for too long' },
  KUBECTL_NOT_FOUND: { user: true, description: 'kubectl is not on PATH (nor at $KGATE_KUBECTL)' },
  AUDIT_TAMPERED: {
    user: false,
    description: "`kgate admin audit verify` found an edited or deleted row in central's audit log",
  },
  TOKEN_BUNDLE_MISSING: {
    user: true,
    description: 'dist/kgate-token.cjs (the credential plugin) has not been built',
  },
  OIDC_IDP_UNREACHABLE: {
    user: true,
    description:
      'the OpenID provider could not be reached, or its TLS certificate is not trusted (--certificate-authority)',
  },
  OIDC_DISCOVERY_INVALID: {
    user: true,
    description:
      "the OpenID provider's discovery document is missing, malformed or names another issuer, or lacks an endpoint the grant type needs",
  },
  OIDC_PKCE_UNSUPPORTED: {
    user: true,
    description:
      'the OpenID provider does not list S256 in code_challenge_methods_supported; kgate will not log in without PKCE S256',
  },
  OIDC_LOGIN_FAILED: {
    user: true,
    description:
      'the OIDC login failed: the provider refused it, or its answer (state, code, ID token) did not check out',
  },
  OIDC_LOGIN_TIMEOUT: {
    user: true,
    description: 'the OIDC login was not completed within --authentication-timeout',
  },
  OIDC_LOGIN_NEEDS_TERMINAL: {
    user: true,
    description:
      'the grant type needs a person at a terminal (password, authcode-keyboard) but stdin is not one',
  },
  OIDC_LOGIN_THROTTLED: {
    user: true,
    description:
      'a browser login that did not complete was started moments ago; no second one is opened without a terminal',
  },
  OIDC_CACHE_UNSAFE: {
    user: true,
    description:
      'the OIDC token cache folder or file is a symbolic link, not owned by you, or readable or writable by others',
  },
  OIDC_REVOCATION_FAILED: {
    user: true,
    description:
      'the cached tokens were removed, but the OpenID provider did not confirm the revocation of the refresh token',
  },
} as const satisfies Record<string, { user: boolean; description: string }>;

/** Codes of errors raised by the kgate CLI. */
export type CliErrorCode = keyof typeof cliErrorCodes;

/** An error of the CLI; `@kgate/core` codes are allowed too (INVALID_ARGUMENT, …). */
export class CliError extends KgateError<CliErrorCode | CoreErrorCode> {}

/** A user error: message naming the bad value, and a hint on how to fix it. */
export function userError(
  code: CliErrorCode | CoreErrorCode,
  message: string,
  hint: string,
  options: Omit<KgateErrorOptions, 'hint'> = {},
): CliError {
  return new CliError(code, message, { ...options, hint });
}
