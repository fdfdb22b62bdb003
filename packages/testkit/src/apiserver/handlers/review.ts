/**
 * The review resources clients use to ask about themselves: SelfSubjectReview
 * (`kubectl auth whoami`) and SelfSubjectAccessReview (`kubectl auth can-i`). They are
 * answered from the request's user and the authorizer and never stored.
 */
import { decodeBody, readBody, sendJson } from '../http.ts';
import { getObject, getString, isObject, type JsonObject } from '../json.ts';
import { apiVersionOf } from '../resources.ts';
import { badRequest } from '../status.ts';
import type { HandlerContext } from './context.ts';

function whoami(ctx: HandlerContext): JsonObject {
  const userInfo: JsonObject = { username: ctx.user.name };
  if (ctx.user.uid !== undefined) userInfo.uid = ctx.user.uid;
  userInfo.groups = [...ctx.user.groups];
  if (ctx.user.extra !== undefined) userInfo.extra = ctx.user.extra;
  return { status: { userInfo } };
}

function accessReview(ctx: HandlerContext, body: JsonObject): JsonObject {
  const spec = getObject(body, 'spec') ?? {};
  const resource = getObject(spec, 'resourceAttributes');
  const nonResource = getObject(spec, 'nonResourceAttributes');
  if ((resource === undefined) === (nonResource === undefined))
    throw badRequest('exactly one of nonResourceAttributes and resourceAttributes must be specified');
  const attrs = resource ?? nonResource ?? {};
  const allowed = ctx.authorize({
    user: ctx.user,
    verb: getString(attrs, 'verb') ?? '',
    isResourceRequest: resource !== undefined,
    path: getString(attrs, 'path') ?? '',
    apiGroup: getString(attrs, 'group') ?? '',
    resource: getString(attrs, 'resource') ?? '',
    subresource: getString(attrs, 'subresource') ?? '',
    namespace: getString(attrs, 'namespace') ?? '',
    name: getString(attrs, 'name') ?? '',
  });
  return { spec, status: allowed ? { allowed: true } : { allowed: false } };
}

export async function handleReview(ctx: HandlerContext): Promise<void> {
  const body = decodeBody(await readBody(ctx.req), ctx.req.headers['content-type']);
  if (!isObject(body)) throw badRequest('the body of a review must be an object');
  const head = {
    kind: ctx.type.kind,
    apiVersion: apiVersionOf(ctx.type),
    metadata: { creationTimestamp: null },
  };
  const answer = ctx.type.review === 'SelfSubjectReview' ? whoami(ctx) : accessReview(ctx, body);
  sendJson(ctx.res, 201, { ...head, ...answer });
}
