/**
 * Parses a Kubernetes API request (method, path, query) into what it does, with the
 * same results as kube-apiserver's `RequestInfoFactory`.
 *
 * CONTRACT (being implemented): the signature below is fixed; the body is a stub.
 */
import { KgateError } from '../errors.ts';

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
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after prefix/group/version (and namespace), as kube-apiserver keeps them. */
  parts: string[];
}

/** The request to parse. `query` may be a raw query string (with or without `?`) or parsed params. */
export interface RequestInfoInput {
  method: string;
  path: string;
  query?: string | URLSearchParams;
}

/**
 * Parses a request into a {@link RequestInfo}.
 *
 * @throws KgateError with code `REQUEST_PATH_INVALID` for malformed or ambiguous paths.
 */
export function parseRequestInfo(input: RequestInfoInput): RequestInfo {
  throw new KgateError('INTERNAL', `request-info not implemented yet (${input.method} ${input.path})`);
}
