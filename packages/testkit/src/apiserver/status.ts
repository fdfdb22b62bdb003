/**
 * The fixture's errors: apimachinery's error constructors (`NewNotFound`,
 * `NewConflict`, …) over the `Status` objects of `@kgate/core/k8s-status`, so the
 * messages, reasons and details are exactly the real server's.
 */
import { failureStatus, type StatusDetails, type StatusObject } from '@kgate/core/k8s-status';

export {
  failureStatus,
  type StatusDetails,
  type StatusObject,
  type StatusReason,
  sendStatus,
  statusReasons,
} from '@kgate/core/k8s-status';

/** A failure a handler throws; the server answers it with its `Status`. */
export class ApiError extends Error {
  readonly status: StatusObject;
  constructor(status: StatusObject) {
    super(status.message ?? status.reason ?? 'error');
    this.name = 'ApiError';
    this.status = status;
  }
}

/** What apimachinery's GroupResource-based errors need of a resource type. */
export interface GroupResource {
  group: string;
  resource: string;
}

function qualified(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

/** StatusDetails with empty fields left out, in apimachinery's field order. */
function details(name: string, gr: GroupResource | undefined): StatusDetails {
  const out: StatusDetails = {};
  if (name !== '') out.name = name;
  if (gr !== undefined && gr.group !== '') out.group = gr.group;
  if (gr !== undefined && gr.resource !== '') out.kind = gr.resource;
  return out;
}

/** `pods "x" not found` (NewNotFound). */
export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(failureStatus('NotFound', `${qualified(gr)} "${name}" not found`, details(name, gr)));
}

/** `pods "x" already exists` (NewAlreadyExists). */
export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(
    failureStatus('AlreadyExists', `${qualified(gr)} "${name}" already exists`, details(name, gr)),
  );
}

/** `Operation cannot be fulfilled on pods "x": …` (NewConflict). */
export function conflict(gr: GroupResource, name: string, reason: string): ApiError {
  return new ApiError(
    failureStatus(
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${reason}`,
      details(name, gr),
    ),
  );
}

/** The optimistic-concurrency failure of an update with a stale resourceVersion. */
export function staleConflict(gr: GroupResource, name: string): ApiError {
  return conflict(
    gr,
    name,
    'the object has been modified; please apply your changes to the latest version and try again',
  );
}

/** NewForbidden: `pods "x" is forbidden: …`, or `forbidden: …` without a resource. */
export function forbidden(gr: GroupResource, name: string, reason: string): ApiError {
  let message: string;
  if (gr.group === '' && gr.resource === '') message = `forbidden: ${reason}`;
  else if (name === '') message = `${qualified(gr)} is forbidden: ${reason}`;
  else message = `${qualified(gr)} "${name}" is forbidden: ${reason}`;
  return new ApiError(failureStatus('Forbidden', message, details(name, gr)));
}

export function badRequest(message: string): ApiError {
  return new ApiError(failureStatus('BadRequest', message));
}

/** The 401 every unauthenticated request gets: message and reason `Unauthorized`, no details. */
export function unauthorized(): ApiError {
  return new ApiError(failureStatus('Unauthorized', 'Unauthorized'));
}

/** The router's 404 for a path nothing serves (details present but empty, like the real one). */
export function pathNotFound(): ApiError {
  return new ApiError(failureStatus('NotFound', 'the server could not find the requested resource', {}));
}

/** go-restful's 405, as kube-apiserver renders it. */
export function methodNotAllowed(): ApiError {
  return new ApiError(
    failureStatus('MethodNotAllowed', 'the server does not allow this method on the requested resource', {}),
  );
}

/** NewMethodNotSupported: `deletecollection is not supported on resources of kind "namespaces"`. */
export function methodNotSupported(gr: GroupResource, action: string): ApiError {
  return new ApiError(
    failureStatus(
      'MethodNotAllowed',
      `${action} is not supported on resources of kind "${qualified(gr)}"`,
      details('', gr),
    ),
  );
}

/** NewResourceExpired (410, reason Expired). */
export function expired(message: string): ApiError {
  return new ApiError(failureStatus('Expired', message));
}

/** NewGone (410, reason Gone). */
export function gone(message: string): ApiError {
  return new ApiError(failureStatus('Gone', message));
}

export function unsupportedMediaType(message: string): ApiError {
  return new ApiError(failureStatus('UnsupportedMediaType', message));
}

export function notAcceptable(message: string): ApiError {
  return new ApiError(failureStatus('NotAcceptable', message));
}

export function internalError(message: string): ApiError {
  return new ApiError(
    failureStatus('InternalError', `Internal error occurred: ${message}`, {
      causes: [{ message }],
    }),
  );
}

/** One field error as apimachinery's field.Error renders it. */
export interface FieldError {
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueForbidden';
  field: string;
  /** The bad value (quoted when a string), absent for Required/Forbidden. */
  value?: string | number | boolean;
  detail: string;
}

const fieldErrorWords: Record<FieldError['type'], string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
};

/** field.Error.ErrorBody(): `Invalid value: "X": detail`. */
export function fieldErrorBody(error: FieldError): string {
  let body = fieldErrorWords[error.type];
  if (
    error.value !== undefined &&
    error.type !== 'FieldValueRequired' &&
    error.type !== 'FieldValueForbidden'
  )
    body += `: ${typeof error.value === 'string' ? JSON.stringify(error.value) : String(error.value)}`;
  if (error.detail !== '') body += `: ${error.detail}`;
  return body;
}

/** NewInvalid: 422 with one cause per field error; the message aggregates them like utilerrors. */
export function invalid(
  qualifiedKind: { group: string; kind: string },
  name: string,
  errors: FieldError[],
): ApiError {
  const kind =
    qualifiedKind.group === '' ? qualifiedKind.kind : `${qualifiedKind.kind}.${qualifiedKind.group}`;
  const messages = [...new Set(errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`))];
  const aggregated = messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
  const d: StatusDetails = {};
  if (name !== '') d.name = name;
  if (qualifiedKind.group !== '') d.group = qualifiedKind.group;
  d.kind = qualifiedKind.kind;
  d.causes = errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
  return new ApiError(failureStatus('Invalid', `${kind} "${name}" is invalid: ${aggregated}`, d));
}
