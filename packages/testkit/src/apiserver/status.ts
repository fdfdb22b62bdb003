/**
 * Kubernetes `Status` objects, shaped exactly like kube-apiserver's
 * (k8s.io/apimachinery/pkg/api/errors): `kind: Status`, `apiVersion: v1`,
 * `metadata: {}`, `status: Failure`, `message`, `reason`, `details`, `code`.
 */
import type { ServerResponse } from 'node:http';

/** The `StatusReason` values the fixture uses, with their HTTP codes. */
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

export type StatusReason = keyof typeof statusReasons;

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** Builds a failure `Status`. The reason's HTTP code is used unless `code` is given. */
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

/** Sends a `Status` as the JSON body of an HTTP response with the status's code. */
export function sendStatus(res: ServerResponse, status: StatusObject): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache, private',
  });
  res.end(body);
}
