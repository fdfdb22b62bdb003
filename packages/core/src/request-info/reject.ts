/**
 * The one way this module refuses a request: a `REQUEST_PATH_INVALID` user error whose
 * message names the path, so the refusal can be shown to the user and written to audit.
 */
import { KgateError } from '../errors.ts';

/** Paths can be kilobytes long; a message only needs enough to recognise the request. */
const MAX_SHOWN = 200;

/**
 * The path as it appears in messages: JSON-quoted, so control characters and quotes in a
 * hostile path cannot forge log lines, and cut after {@link MAX_SHOWN} characters.
 */
export function quotePath(path: string): string {
  return JSON.stringify(path.length > MAX_SHOWN ? `${path.slice(0, MAX_SHOWN)}…` : path);
}

/**
 * Throws `REQUEST_PATH_INVALID` with the message `request path "<path>" <problem>`.
 *
 * @param problem - what is wrong, phrased to follow the quoted path
 * @param hint - how the user gets a request kgate accepts
 */
export function rejectRequest(path: string, problem: string, hint: string): never {
  throw new KgateError('REQUEST_PATH_INVALID', `request path ${quotePath(path)} ${problem}`, { hint });
}
