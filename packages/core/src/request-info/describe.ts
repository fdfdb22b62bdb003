/**
 * Small readings of a {@link RequestInfo} for authorization, audit and error messages.
 */
import type { RequestInfo } from './index.ts';

const READ_ONLY_VERBS: ReadonlySet<string> = new Set(['get', 'list', 'watch', 'head']);

/**
 * Subresources reached with GET that still act: exec, attach and portforward upgrade a GET
 * to a stream into the pod, and proxy forwards the GET to something that may act on it.
 */
const ACTING_SUBRESOURCES: ReadonlySet<string> = new Set(['exec', 'attach', 'portforward', 'proxy']);

/**
 * Whether a verb only reads: `get`, `list`, `watch`, and `head` (a non-resource HEAD).
 *
 * A read-only *verb* is not a read-only *request*: `kubectl exec` over WebSocket is a GET
 * on `pods/exec`, so its verb is `get`. Use {@link isReadOnlyRequest} to decide about a
 * request.
 *
 * @example
 * ```ts
 * isReadOnlyVerb('watch'); // true
 * isReadOnlyVerb('deletecollection'); // false
 * ```
 */
export function isReadOnlyVerb(verb: string): boolean {
  return READ_ONLY_VERBS.has(verb);
}

/**
 * Whether a request only reads: its verb is read-only and it is not a GET that opens a
 * stream into a pod or proxies to a pod, service or node (`exec`, `attach`, `portforward`,
 * `proxy` subresources, or the old `/proxy/` path prefix, whose verb is `proxy`).
 *
 * @example
 * ```ts
 * isReadOnlyRequest(parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/d/pods/p/log' })); // true
 * isReadOnlyRequest(parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/d/pods/p/exec' })); // false
 * ```
 */
export function isReadOnlyRequest(info: RequestInfo): boolean {
  return isReadOnlyVerb(info.verb) && !ACTING_SUBRESOURCES.has(info.subresource);
}

/**
 * The resource as RBAC rules name it: `pods`, or `pods/log` for a subresource. Empty for
 * non-resource requests.
 *
 * @example
 * ```ts
 * resourceWithSubresource(parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/d/pods/p/log' })); // 'pods/log'
 * ```
 */
export function resourceWithSubresource(info: RequestInfo): string {
  if (!info.isResourceRequest || info.resource === '') return '';
  return info.subresource === '' ? info.resource : `${info.resource}/${info.subresource}`;
}

/**
 * A one-line summary for audit rows and error messages, such as
 * `list pods in namespace "default"`, `get deployments.apps/scale "web" in namespace "shop"`,
 * `watch nodes "n1"` or `get /healthz`. Names are JSON-quoted, so the line stays one line
 * whatever the name contains. A request with no verb (an HTTP method kube-apiserver does not
 * map) shows `(no verb)`.
 *
 * @example
 * ```ts
 * describeRequest(parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/default/pods' }));
 * // 'list pods in namespace "default"'
 * ```
 */
export function describeRequest(info: RequestInfo): string {
  const verb = info.verb === '' ? '(no verb)' : info.verb;
  if (!info.isResourceRequest) return `${verb} ${info.path}`;
  const resource = info.apiGroup === '' ? info.resource : `${info.resource}.${info.apiGroup}`;
  let line = `${verb} ${info.subresource === '' ? resource : `${resource}/${info.subresource}`}`;
  if (info.name !== '') line += ` ${JSON.stringify(info.name)}`;
  // A namespace object's own path also fills `namespace` (with its name); saying
  // `get namespaces "x" in namespace "x"` would only confuse.
  const isNamespaceObject = info.apiGroup === '' && info.resource === 'namespaces';
  if (info.namespace !== '' && !isNamespaceObject) line += ` in namespace ${JSON.stringify(info.namespace)}`;
  return line;
}
