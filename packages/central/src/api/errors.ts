import { type CoreErrorCode, isKgateError } from '@kgate/core/errors';
import type { FastifyError } from 'fastify';
import { RateLimitedError } from '../auth/login.ts';
import type { Api } from './app.ts';

/**
 * The one table from error code to HTTP status. Every code of `@kgate/core` must be here
 * (a test fails otherwise); a code that still slips through answers 500.
 */
export const HTTP_STATUS_BY_CODE = {
  INVALID_ARGUMENT: 400,
  CONFIG_INVALID: 400,
  PKI_INVALID: 400,
  REQUEST_PATH_INVALID: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  // Client-side codes (kubeconfig, exec plugins): they do not arise in central's API,
  // but an error is an error wherever it surfaces.
  KUBECONFIG_NOT_FOUND: 400,
  KUBECONFIG_INVALID: 400,
  KUBECONFIG_UNSAFE_PATH: 400,
  KUBECONFIG_WRITE_FAILED: 500,
  KUBECONFIG_READ_FAILED: 400,
  KUBECONFIG_CONFLICT: 409,
  KUBECONFIG_CONTEXT_NOT_FOUND: 400,
  EXEC_PLUGIN_NOT_FOUND: 400,
  EXEC_PLUGIN_FAILED: 400,
  EXEC_CREDENTIAL_INVALID: 400,
  EXEC_CONFIG_INVALID: 400,
  EXEC_PLUGIN_NEEDS_TERMINAL: 400,
  EXEC_INFO_INVALID: 400,
} as const satisfies Partial<Record<CoreErrorCode, number>>;

/** The HTTP status of an error code (500 for a code missing from the table). */
export function httpStatusOf(code: string): number {
  return (HTTP_STATUS_BY_CODE as Readonly<Record<string, number>>)[code] ?? 500;
}

/** The JSON body of every error central's API returns. */
export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

export function errorBody(code: string, message: string, hint?: string): ErrorBody {
  return { error: hint ? { code, message, hint } : { code, message } };
}

/** Fastify's own client errors (body parsing), translated to kgate codes. */
function fromFastify(error: FastifyError): ErrorBody | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errorBody('INVALID_ARGUMENT', 'the request body is not valid JSON', 'send a JSON object');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errorBody('INVALID_ARGUMENT', 'the request body is empty', 'send a JSON object');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errorBody('PAYLOAD_TOO_LARGE', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errorBody(
        'UNSUPPORTED_MEDIA_TYPE',
        'the request body must be JSON',
        'send Content-Type: application/json',
      );
  }
  // secure-json-parse refuses __proto__ and constructor.prototype keys with a SyntaxError.
  if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode < 500)) {
    return errorBody(
      'INVALID_ARGUMENT',
      'the request body is not acceptable JSON',
      'send a plain JSON object',
    );
  }
  return undefined;
}

/** Makes every error, and every unknown route, answer `{"error": {"code", "message"}}`. */
export function installErrorHandlers(app: Api): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isKgateError(error)) {
      if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
      if (!error.user) request.log.error({ err: error }, 'request failed');
      return reply.status(httpStatusOf(error.code)).send(errorBody(error.code, error.message, error.hint));
    }
    const translated = fromFastify(error);
    if (translated) return reply.status(httpStatusOf(translated.error.code)).send(translated);
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send(errorBody('INTERNAL', 'internal error; the server log has the details'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
