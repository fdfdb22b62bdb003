/**
 * POST, PUT, PATCH, DELETE and DELETE-collection on resources (and PUT/PATCH on the
 * status subresource), answering with the status codes and bodies the real server
 * uses: 201 for create, the object or a Success Status for delete, 415 for a patch
 * type the resource does not take.
 */
import { decodeBody, readBody, sendJson } from '../http.ts';
import { getString, isObject, type JsonObject, type KubeObject } from '../json.ts';
import { acceptedPatchTypes, applyPatchType } from '../patch.ts';
import { apiVersionOf } from '../resources.ts';
import { parseSelectors } from '../selectors.ts';
import { badRequest, invalid, unsupportedMediaType } from '../status.ts';
import { type HandlerContext, isDryRun } from './context.ts';
import { requestNamespace } from './read.ts';

async function objectBody(ctx: HandlerContext): Promise<KubeObject> {
  const body = decodeBody(await readBody(ctx.req), ctx.req.headers['content-type']);
  if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
  return body;
}

export async function handleCreate(ctx: HandlerContext): Promise<void> {
  const body = await objectBody(ctx);
  const created = ctx.store.createObject(ctx.type, requestNamespace(ctx), body, {
    dryRun: isDryRun(ctx.url.searchParams),
  });
  sendJson(ctx.res, 201, created);
}

export async function handleUpdate(ctx: HandlerContext): Promise<void> {
  const body = await objectBody(ctx);
  const updated = ctx.store.updateObject(ctx.type, requestNamespace(ctx), ctx.info.name, body, {
    dryRun: isDryRun(ctx.url.searchParams),
    subresource: ctx.info.subresource,
  });
  sendJson(ctx.res, 200, updated);
}

export async function handlePatch(ctx: HandlerContext): Promise<void> {
  const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const accepted = acceptedPatchTypes(ctx.type);
  if (!accepted.includes(contentType))
    throw unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  const query = ctx.url.searchParams;
  const fieldManager = query.get('fieldManager') ?? '';
  if (contentType === applyPatchType && fieldManager === '')
    throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
      { type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' },
    ]);
  const patch = decodeBody(await readBody(ctx.req), contentType);
  const { object, created } = ctx.store.patchObject(
    ctx.type,
    requestNamespace(ctx),
    ctx.info.name,
    contentType,
    patch,
    {
      dryRun: isDryRun(query),
      subresource: ctx.info.subresource,
      fieldManager,
    },
  );
  sendJson(ctx.res, created ? 201 : 200, object);
}

/** Types whose registry answers DELETE with the deleted object rather than a Success Status. */
const returnsDeletedObject = new Set(['/pods', '/services', '/serviceaccounts', '/namespaces']);

async function deleteOptions(
  ctx: HandlerContext,
): Promise<{ dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } }> {
  const raw = await readBody(ctx.req);
  const dryRun = isDryRun(ctx.url.searchParams);
  // A protobuf DeleteOptions (typed clients) is not decoded; its options are the defaults.
  const protobuf = (ctx.req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf');
  if (protobuf || raw.toString('utf8').trim() === '') return { dryRun };
  const body = decodeBody(raw, ctx.req.headers['content-type']);
  if (!isObject(body)) throw badRequest('the body of a delete must be a DeleteOptions object');
  const options: { dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } } = {
    dryRun: dryRun || (Array.isArray(body.dryRun) && body.dryRun.includes('All')),
  };
  const pre = body.preconditions;
  if (isObject(pre)) {
    options.preconditions = {};
    if (typeof pre.uid === 'string') options.preconditions.uid = pre.uid;
    if (typeof pre.resourceVersion === 'string') options.preconditions.resourceVersion = pre.resourceVersion;
  }
  return options;
}

export async function handleDelete(ctx: HandlerContext): Promise<void> {
  const options = await deleteOptions(ctx);
  const deleted = ctx.store.deleteObject(ctx.type, requestNamespace(ctx), ctx.info.name, options);
  if (returnsDeletedObject.has(`${ctx.type.group}/${ctx.type.resource}`)) {
    sendJson(ctx.res, 200, deleted);
    return;
  }
  const details: JsonObject = { name: ctx.info.name };
  if (ctx.type.group !== '') details.group = ctx.type.group;
  details.kind = ctx.type.resource;
  details.uid = getString(deleted, 'metadata', 'uid') ?? '';
  sendJson(ctx.res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
}

export async function handleDeleteCollection(ctx: HandlerContext): Promise<void> {
  const options = await deleteOptions(ctx);
  const namespace = requestNamespace(ctx);
  const deleted = ctx.store.deleteCollection(
    ctx.type,
    namespace === '' ? undefined : namespace,
    parseSelectors(ctx.type, ctx.url.searchParams),
    { dryRun: options.dryRun },
  );
  sendJson(ctx.res, 200, {
    kind: `${ctx.type.kind}List`,
    apiVersion: apiVersionOf(ctx.type),
    metadata: { resourceVersion: String(ctx.store.resourceVersion) },
    items: deleted,
  });
}
