/**
 * Kubernetes `Status` objects, shaped like kube-apiserver's
 * (k8s.io/apimachinery/pkg/api/errors): `kind: Status`, `apiVersion: v1`, `metadata`,
 * `status: Failure`, `message`, `reason`, `details`, `code`. kubectl prints `message`
 * of any error response shaped like this, so every kgate component that answers for
 * an apiserver (central's proxy, the agent) replies with one.
 *
 * @example
 * ```ts
 * import { failureStatus, sendStatus } from '@kgate/core/k8s-status';
 * sendStatus(res, failureStatus('ServiceUnavailable', 'the agent of cluster "prod" is not connected'));
 * ```
 */
import type { ServerResponse } from 'node:http';

/** The `StatusReason` values kgate uses, with their HTTP codes. */
export const statusReasons = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
} as const;

/** A `StatusReason` (apimachinery's `metav1.StatusReason`). */
export type StatusReason = keyof typeof statusReasons;

/** `Status.details`: which object the failure is about, and why. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

/** A Kubernetes `Status` object. */
export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  /** Empty, except a `continue` token on the 410 for an expired continue. */
  metadata: { continue?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/**
 * Builds a failure `Status`. The reason's HTTP code is used unless `code` is given.
 *
 * @example
 * ```ts
 * failureStatus('NotFound', 'clusters "x" not found', { name: 'x', kind: 'clusters' });
 * ```
 */
export function failureStatus(
  reason: StatusReason,
  message: string,
  details?: StatusDetails,
  code?: number,
): StatusObject {
  const status: StatusObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code: code ?? statusReasons[reason],
  };
  if (details !== undefined) status.details = details;
  return status;
}

/**
 * The response headers and JSON body of a `Status`, for writers that are not a
 * `ServerResponse` (a raw socket after a refused upgrade, a tunnel frame).
 *
 * @example
 * ```ts
 * const { headers, body } = statusResponse(failureStatus('Forbidden', 'no'));
 * ```
 */
export function statusResponse(status: StatusObject): {
  code: number;
  headers: Record<string, string>;
  body: Buffer;
} {
  const body = Buffer.from(JSON.stringify(status));
  return {
    code: status.code,
    headers: {
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-cache, private',
    },
    body,
  };
}

/**
 * Sends a `Status` as the JSON body of an HTTP response with the status's code.
 *
 * @example
 * ```ts
 * sendStatus(res, failureStatus('Unauthorized', 'Unauthorized'));
 * ```
 */
export function sendStatus(res: ServerResponse, status: StatusObject): void {
  const { code, headers, body } = statusResponse(status);
  res.writeHead(code, headers);
  res.end(body);
}
