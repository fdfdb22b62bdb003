/**
 * The request pipeline, in kube-apiserver's filter order: authentication (401),
 * impersonation (400/403), request-info parsing (400 for malformed paths),
 * authorization (403), then routing (routes.ts). Every request is logged with the user
 * it ran as.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isKgateError } from '@kgate/core/errors';
import { parseRequestInfo, type RequestInfo } from '@kgate/core/request-info';
import { type Authenticators, authenticate } from './auth/authenticate.ts';
import { forbiddenFor, impersonate } from './auth/impersonation.ts';
import { type Attributes, authorize, type RbacRule } from './auth/rbac.ts';
import type { UserInfo } from './auth/user.ts';
import type { ClusterStore } from './cluster-store.ts';
import type { WatchSettings } from './handlers/watch.ts';
import type { OpenApiV3 } from './openapi.ts';
import { findResourceType, serveNonResource, serveResource } from './routes.ts';
import {
  ApiError,
  badRequest,
  internalError,
  type StatusObject,
  sendStatus,
  unauthorized,
} from './status.ts';
import type { PodRuntime } from './streaming/index.ts';

/** One line of the request log: who a request ran as and how it ended. */
export interface RequestRecord {
  method: string;
  path: string;
  /** The raw query string (without `?`). */
  query: string;
  /** The effective user (after impersonation); empty when authentication failed. */
  user: string;
  groups: string[];
  /** The authenticated user when the request impersonated someone else. */
  impersonatedBy?: string;
  verb: string;
  /** `pods`, `pods/log`, … (empty for non-resource requests). */
  resource: string;
  namespace: string;
  name: string;
  /** HTTP status; 0 while a stream is still open. */
  status: number;
}

export interface RouterDeps {
  store: ClusterStore;
  auth: Authenticators;
  rules: readonly RbacRule[];
  runtime: PodRuntime;
  requests: RequestRecord[];
  gitVersion: string;
  /** host:port for `/api`'s serverAddressByClientCIDRs. */
  serverAddress(): string;
  watch: WatchSettings;
  openapi: OpenApiV3;
  /** The protobuf OpenAPI v2 document. */
  openapiV2: Buffer;
  now(): number;
}

/** What authentication, impersonation and parsing made of a request. */
interface Admitted {
  user: UserInfo;
  info: RequestInfo;
  record: RequestRecord;
  url: URL;
}

export function attributesOf(user: UserInfo, info: RequestInfo, verb = info.verb): Attributes {
  return {
    user,
    verb,
    isResourceRequest: info.isResourceRequest,
    path: info.path,
    apiGroup: info.apiGroup,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

/** Authenticates, impersonates, parses and authorizes; throws the Status to answer otherwise. */
export async function admit(
  deps: RouterDeps,
  req: IncomingMessage,
  record: RequestRecord,
): Promise<Admitted> {
  const url = new URL(req.url ?? '/', 'https://apiserver.invalid');
  const authenticated = await authenticate(req, deps.auth);
  if (authenticated === undefined) throw unauthorized();
  record.user = authenticated.name;
  record.groups = authenticated.groups;
  const user = impersonate(authenticated, req.rawHeaders, deps.rules);
  if (user !== authenticated) {
    record.user = user.name;
    record.groups = user.groups;
    record.impersonatedBy = authenticated.name;
  }
  let info: RequestInfo;
  try {
    info = parseRequestInfo({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
  } catch (error) {
    if (isKgateError(error, 'REQUEST_PATH_INVALID')) throw badRequest(error.message);
    throw error;
  }
  record.verb = info.verb;
  record.resource = info.subresource === '' ? info.resource : `${info.resource}/${info.subresource}`;
  record.namespace = info.namespace;
  record.name = info.name;
  if (!authorize(deps.rules, attributesOf(user, info))) throw forbiddenFor(attributesOf(user, info));
  return { user, info, record, url };
}

export function newRecord(req: IncomingMessage): RequestRecord {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    user: '',
    groups: [],
    verb: '',
    resource: '',
    namespace: '',
    name: '',
    status: 0,
  };
}

export function toStatus(error: unknown): StatusObject {
  if (error instanceof ApiError) return error.status;
  return internalError(error instanceof Error ? error.message : String(error)).status;
}

/** The `request` listener of the HTTPS server. */
export function createRequestListener(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const record = newRecord(req);
    deps.requests.push(record);
    // Every kube-apiserver response carries the audit ID of its request.
    res.setHeader('Audit-Id', randomUUID());
    const finish = () => {
      record.status = res.statusCode;
    };
    res.on('finish', finish);
    res.on('close', finish);
    const run = async () => {
      const { info, url, user } = await admit(deps, req, record);
      if (!info.isResourceRequest) return serveNonResource(deps, info, req.headers.accept, res);
      const type = findResourceType(info);
      await serveResource(deps, {
        req,
        res,
        url,
        info,
        type,
        store: deps.store,
        user,
        authorize: (attributes) => authorize(deps.rules, attributes),
        now: deps.now,
      });
    };
    run().catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Drain what is left of the body so the connection can be reused.
      req.resume();
      sendStatus(res, toStatus(error));
    });
  };
}
