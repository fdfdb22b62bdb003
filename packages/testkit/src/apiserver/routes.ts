/**
 * Routing after admission: non-resource paths (health, `/version`, discovery, OpenAPI)
 * and resource requests to their handlers by verb and subresource, with the real
 * server's 404 and 405 for what is not served.
 */
import type { ServerResponse } from 'node:http';
import type { RequestInfo } from '@kgate/core/request-info';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import type { HandlerContext } from './handlers/context.ts';
import { handleGet, handleList } from './handlers/read.ts';
import { handleReview } from './handlers/review.ts';
import { handleScale } from './handlers/scale.ts';
import { handleWatch } from './handlers/watch.ts';
import {
  handleCreate,
  handleDelete,
  handleDeleteCollection,
  handlePatch,
  handleUpdate,
} from './handlers/write.ts';
import { sendJson } from './http.ts';
import type { Json } from './json.ts';
import { openApiV2ProtobufType } from './openapi-v2.ts';
import { podRefOf } from './podref.ts';
import { findType, type ResourceType } from './resources.ts';
import type { RouterDeps } from './router.ts';
import { badRequest, methodNotAllowed, notAcceptable, pathNotFound } from './status.ts';
import { handlePodLog } from './streaming/index.ts';

/** The pod subresources served by upgrading the connection. */
export const podStreams = new Set(['exec', 'attach', 'portforward']);

export function serveNonResource(
  deps: RouterDeps,
  info: RequestInfo,
  accept: string | undefined,
  res: ServerResponse,
): void {
  const path = info.path.replace(/\/+$/, '') || '/';
  if (info.verb !== 'get' && info.verb !== 'head') throw methodNotAllowed();
  if (
    path === '/healthz' ||
    path === '/livez' ||
    path === '/readyz' ||
    /^\/(healthz|livez|readyz)\//.test(path)
  ) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('ok');
    return;
  }
  if (path === '/openapi/v2') {
    if (!(accept ?? '').includes('protobuf'))
      throw notAcceptable('only the protobuf encoding of /openapi/v2 is served');
    res.writeHead(200, { 'Content-Type': openApiV2ProtobufType, 'Content-Length': deps.openapiV2.length });
    res.end(deps.openapiV2);
    return;
  }
  if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
    const doc = deps.openapi.document(path);
    if (doc === undefined) throw pathNotFound();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(doc) });
    res.end(doc);
    return;
  }
  let body: Json | undefined;
  const parts = path.split('/').filter((p) => p !== '');
  if (path === '/version') body = versionInfo(deps.gitVersion);
  else if (path === '/api') body = apiVersions(deps.serverAddress());
  else if (parts[0] === 'api' && parts.length === 2) body = apiResourceList('', parts[1] ?? '');
  else if (path === '/apis') body = apiGroupList();
  else if (parts[0] === 'apis' && parts.length === 2) body = apiGroup(parts[1] ?? '');
  else if (parts[0] === 'apis' && parts.length === 3) body = apiResourceList(parts[1] ?? '', parts[2] ?? '');
  if (body === undefined) throw pathNotFound();
  sendJson(res, 200, body);
}

export function findResourceType(info: RequestInfo): ResourceType {
  const type = findType(info.apiGroup, info.apiVersion, info.resource);
  if (type === undefined) throw pathNotFound();
  const isNamespaceObject = type.group === '' && type.resource === 'namespaces';
  if (!type.namespaced && info.namespace !== '' && !isNamespaceObject) throw pathNotFound();
  if (type.namespaced && info.namespace === '' && info.name !== '') throw pathNotFound();
  return type;
}

export async function serveResource(deps: RouterDeps, ctx: HandlerContext): Promise<void> {
  const { info, type } = ctx;
  const sub = info.subresource;
  const clusterWide = type.namespaced && info.namespace === '';
  if (type.review !== undefined) {
    if (info.verb !== 'create' || sub !== '' || info.name !== '') throw methodNotAllowed();
    return handleReview(ctx);
  }
  if (sub === '') {
    if (!type.verbs.includes(info.verb)) throw methodNotAllowed();
    if (clusterWide && info.verb !== 'list' && info.verb !== 'watch') throw methodNotAllowed();
    // Collections take GET, POST and DELETE; items take GET, PUT, PATCH and DELETE.
    const onItem = info.verb === 'update' || info.verb === 'patch';
    if ((onItem && info.name === '') || (info.verb === 'create' && info.name !== ''))
      throw methodNotAllowed();
    switch (info.verb) {
      case 'get':
        return handleGet(ctx);
      case 'list':
        return handleList(ctx);
      case 'watch':
        return handleWatch(ctx, deps.watch);
      case 'create':
        return handleCreate(ctx);
      case 'update':
        return handleUpdate(ctx);
      case 'patch':
        return handlePatch(ctx);
      case 'delete':
        return handleDelete(ctx);
      case 'deletecollection':
        return handleDeleteCollection(ctx);
      default:
        throw methodNotAllowed();
    }
  }
  const subType = type.subresources.find((s) => s.name === sub);
  if (subType === undefined || info.name === '') throw pathNotFound();
  if (type.group === '' && type.resource === 'pods' && sub === 'log') {
    if (info.verb !== 'get') throw methodNotAllowed();
    const pod = ctx.store.getObject(type, info.namespace, info.name);
    handlePodLog(deps.runtime, ctx.req, ctx.res, ctx.url, podRefOf(pod));
    return;
  }
  if (type.group === '' && type.resource === 'pods' && podStreams.has(sub))
    throw badRequest('Upgrade request required');
  if (!['get', 'update', 'patch'].includes(info.verb)) throw methodNotAllowed();
  if (sub === 'scale') return handleScale(ctx);
  if (sub === 'status') {
    if (info.verb === 'get') return handleGet(ctx);
    return info.verb === 'update' ? handleUpdate(ctx) : handlePatch(ctx);
  }
  throw methodNotAllowed();
}
