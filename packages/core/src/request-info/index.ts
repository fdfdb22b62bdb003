/**
 * Parses a Kubernetes API request (method, path, query) into what it does, with the same
 * results as kube-apiserver's `RequestInfoFactory.NewRequestInfo`
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, API prefixes `api` and `apis`,
 * `api` groupless).
 *
 * kgate is stricter than kube-apiserver in one way: a request whose target could be read
 * two ways (by kgate, by kube-apiserver, by a proxy or a router between them) is refused
 * with `REQUEST_PATH_INVALID` instead of being guessed. Refused:
 *
 * - an empty path, or one that does not start with `/`;
 * - a raw control character (U+0000–U+001F, U+007F) anywhere in the path;
 * - `?` or `#` in the path (the query is passed separately; fragments are never sent);
 * - a backslash, raw or encoded (`%5C`), which some servers read as `/`;
 * - any raw character outside RFC 3986 path characters (space, `"`, `<`, `{`, non-ASCII…);
 * - an encoded slash `%2F`/`%2f` anywhere (Go decodes it before kube-apiserver splits);
 * - an empty segment (`//`), also inside a proxied remainder;
 * - a trailing `/`, except on `/` itself and on proxy paths (`pods|services|nodes/<name>/proxy/…`
 *   and the `/proxy/` verb prefix), where the server behind the proxy gets it and it
 *   matters; elsewhere kube-apiserver trims it, but kubectl only sends one when a user types
 *   it into `kubectl get --raw`, and routers treat `/pods/` and `/pods` differently;
 * - a `%` not followed by two hex digits, or escapes that decode to bytes that are not UTF-8;
 * - a segment that decodes to a control character;
 * - a `.` or `..` segment, raw or encoded (`%2e`, `%2E%2e`, `.%2e`…);
 * - `/watch` or `/proxy` right after the API version with nothing after it (kube-apiserver
 *   fails these too);
 * - when `query` is a raw string: a character outside RFC 3986 query characters, a
 *   parameter containing `;` (Go drops it, other parsers split on it), or an invalid
 *   percent-encoding in a key or value (Go drops the parameter, JavaScript keeps it);
 * - `watch` repeated with conflicting meanings (`watch=true&watch=false`), and
 *   `fieldSelector` or `labelSelector` repeated with different values: kube-apiserver
 *   reads only the first, a different parser might read the last.
 *
 * Everything else follows kube-apiserver, including its quirks: GET and HEAD without a name
 * are `list`, or `watch` when `watch` is anything but `0`/`false` (so `watch=` watches);
 * `fieldSelector=metadata.name=x` (or `==`) names the object of a list or watch unless the
 * list options fail to decode (an invalid label or field selector, a non-integer `limit`
 * or `timeoutSeconds`); DELETE without a name is `deletecollection`; other methods on
 * resources have the empty verb; non-resource requests keep the lower-cased HTTP method.
 *
 * @example
 * ```ts
 * const info = parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/default/pods', query: 'watch=true' });
 * info.verb; // 'watch'
 * describeRequest(info); // 'watch pods in namespace "default"'
 * ```
 */
import { readListOptions } from './list-options.ts';
import { splitRequestPath } from './path.ts';
import { parseQuery, type QueryValues, rejectConflictingRepeats } from './query.ts';
import { rejectRequest } from './reject.ts';

export { describeRequest, isReadOnlyRequest, isReadOnlyVerb, resourceWithSubresource } from './describe.ts';

/** What a Kubernetes API request does. Field meanings follow k8s.io/apiserver `RequestInfo`. */
export interface RequestInfo {
  /** True for `/api/...` and `/apis/...` resource requests; false for `/version`, `/healthz`, discovery roots. */
  isResourceRequest: boolean;
  /** The URL path as requested (not decoded). */
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection, proxy, or the lower-case HTTP method for non-resource requests. */
  verb: string;
  /** `api` or `apis`; empty for non-resource requests. */
  apiPrefix: string;
  /** API group; empty for the core group. */
  apiGroup: string;
  /** API version such as `v1`; empty for non-resource requests. */
  apiVersion: string;
  /** The namespace; for a namespace object's own path (`/api/v1/namespaces/x`), its name. Empty when cluster-wide. */
  namespace: string;
  /** The resource (plural, e.g. `pods`); not the kind. */
  resource: string;
  /** The subresource, e.g. `status`, `log`, `exec`; empty for none. Never set for the `proxy` verb. */
  subresource: string;
  /** The object name from the path, or from `fieldSelector=metadata.name=...` on a list or watch. */
  name: string;
  /** Path segments after prefix/group/version (and namespace), as kube-apiserver keeps them. */
  parts: string[];
  /**
   * The raw `fieldSelector` (first value) of a list, watch or deletecollection; absent
   * otherwise, and for the deprecated `/watch/` path prefix, as upstream.
   */
  fieldSelector?: string;
  /** The raw `labelSelector`, on the same requests as {@link RequestInfo.fieldSelector}. */
  labelSelector?: string;
}

/** The request to parse. `query` may be a raw query string (with or without `?`) or parsed params. */
export interface RequestInfoInput {
  /** The HTTP method as received, e.g. `GET` (compared case-sensitively, as Go does). */
  method: string;
  /** The raw URL path, still percent-encoded, without the query. */
  path: string;
  /** Pass the raw string to get the query checks; a `URLSearchParams` is trusted as parsed. */
  query?: string | URLSearchParams;
}

/** Path words that put the verb in the path (`/api/v1/watch/pods`); deprecated upstream. */
const SPECIAL_VERBS: ReadonlySet<string> = new Set(['proxy', 'watch']);
/** After `/namespaces/<name>/`, these are the namespace's own subresources, not resources in it. */
const NAMESPACE_SUBRESOURCES: ReadonlySet<string> = new Set(['status', 'finalize']);
const VERBS_WITH_SELECTORS: ReadonlySet<string> = new Set(['list', 'watch', 'deletecollection']);

function verbForMethod(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return '';
  }
}

/**
 * Parses a request into a {@link RequestInfo}.
 *
 * @throws KgateError with code `REQUEST_PATH_INVALID` for malformed or ambiguous paths
 * (the module documentation lists every case); the message names the path.
 *
 * @example
 * ```ts
 * parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/ns/pods/web/log' });
 * // { verb: 'get', resource: 'pods', subresource: 'log', name: 'web', namespace: 'ns', … }
 * ```
 */
export function parseRequestInfo(input: RequestInfoInput): RequestInfo {
  const { segments, trailingSlash } = splitRequestPath(input.path);
  const query = parseQuery(input.path, input.query);
  rejectConflictingRepeats(input.path, query);
  const info = resolve(input.method, input.path, segments, query);
  // kube-apiserver trims a trailing slash before it reads the path, so `parts` never show it.
  // kgate accepts one only on proxy paths, where the pod, service or node behind the proxy
  // receives it and answers differently (kube-apiserver itself redirects `…/proxy` to
  // `…/proxy/`, and web UIs reached through `kubectl proxy` live there). Elsewhere kubectl
  // sends one only when a user types it into `kubectl get --raw`, and routers may treat
  // `/pods/` and `/pods` differently, so it is refused rather than guessed.
  if (trailingSlash && !(info.isResourceRequest && (info.verb === 'proxy' || info.subresource === 'proxy')))
    rejectRequest(
      input.path,
      'ends with "/"',
      `remove the trailing slash: ${input.path.replace(/\/+$/, '')}`,
    );
  return info;
}

/** `NewRequestInfo` proper, on a path already split and checked. */
function resolve(method: string, path: string, segments: readonly string[], query: QueryValues): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };

  // `/api/v1` and `/apis/apps/v1` are discovery documents, not resources.
  const [prefix, ...afterPrefix] = segments;
  if (segments.length < 3 || (prefix !== 'api' && prefix !== 'apis')) return info;
  let rest = afterPrefix;
  if (prefix === 'apis') {
    if (rest.length < 3) return info;
    info.apiGroup = rest[0] ?? '';
    rest = rest.slice(1);
  }
  info.apiPrefix = prefix;
  info.isResourceRequest = true;
  info.apiVersion = rest[0] ?? '';
  rest = rest.slice(1);

  let verbViaPath = false;
  const first = rest[0] ?? '';
  if (SPECIAL_VERBS.has(first)) {
    if (rest.length < 2)
      rejectRequest(
        path,
        `has the "${first}" verb but no resource after it`,
        first === 'watch' ? 'watch a collection with ?watch=true' : 'name the resource to proxy to',
      );
    info.verb = first;
    rest = rest.slice(1);
    verbViaPath = true;
  } else {
    info.verb = verbForMethod(method);
  }

  if (rest[0] === 'namespaces' && rest.length > 1) {
    info.namespace = rest[1] ?? '';
    // `/namespaces/x/pods` is pods in x; `/namespaces/x/status` is x's own status.
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  info.parts = rest;
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  // The proxy verb passes everything after the name through; nothing there is a subresource.
  if (info.verb !== 'proxy') info.subresource = rest[2] ?? '';

  if (info.name === '' && info.verb === 'get') {
    const reading = readListOptions(query);
    info.verb = reading.watch ? 'watch' : 'list';
    if (reading.name) info.name = reading.name;
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';

  // Upstream records selectors only where it honours them, and not for `/watch/...`, whose
  // single-object form ignores them.
  if (!verbViaPath && VERBS_WITH_SELECTORS.has(info.verb)) {
    const fieldSelector = query.get('fieldSelector')?.[0];
    const labelSelector = query.get('labelSelector')?.[0];
    if (fieldSelector !== undefined) info.fieldSelector = fieldSelector;
    if (labelSelector !== undefined) info.labelSelector = labelSelector;
  }
  return info;
}
