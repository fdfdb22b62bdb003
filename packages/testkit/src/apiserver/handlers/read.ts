/**
 * GET of one object and LIST of a collection, with selectors, `limit`/`continue`
 * chunking (continue tokens shaped like etcd3's), and the Table / partial-metadata
 * conversions the client asked for.
 */
import { negotiate, sendJson } from '../http.ts';
import { clone, getString, type JsonObject, type KubeObject } from '../json.ts';
import { apiVersionOf } from '../resources.ts';
import { parseSelectors } from '../selectors.ts';
import { badRequest, expired, notAcceptable } from '../status.ts';
import { partialObjectMetadata, tableOptionsFrom, toTable } from '../table.ts';
import type { HandlerContext } from './context.ts';

/** Namespace of the request for a namespaced type ('' = all namespaces). */
export function requestNamespace(ctx: HandlerContext): string {
  return ctx.type.namespaced ? ctx.info.namespace : '';
}

export function handleGet(ctx: HandlerContext): void {
  const obj = ctx.store.getObject(ctx.type, requestNamespace(ctx), ctx.info.name);
  const conversion = negotiate(ctx.req.headers.accept, true);
  if (conversion === 'Table') {
    const options = tableOptionsFrom(ctx.url.searchParams);
    const rv = getString(obj, 'metadata', 'resourceVersion') ?? '';
    sendJson(ctx.res, 200, toTable(ctx.type, [obj], options, { resourceVersion: rv }, ctx.now()));
  } else if (conversion === 'PartialObjectMetadata') sendJson(ctx.res, 200, partialObjectMetadata(obj));
  else if (conversion === 'PartialObjectMetadataList')
    throw notAcceptable(
      `you requested PartialObjectMetadataList, but the requested object is not a list (*${ctx.type.group === '' ? 'v1' : ctx.type.group}.${ctx.type.kind})`,
    );
  else sendJson(ctx.res, 200, obj);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString(
    'base64',
  );
}

function decodeContinue(value: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as {
      v?: unknown;
      rv?: unknown;
      start?: unknown;
    };
    if (parsed.v !== 'meta.k8s.io/v1')
      throw new Error(
        'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
      );
    if (
      typeof parsed.rv !== 'number' ||
      !Number.isInteger(parsed.rv) ||
      typeof parsed.start !== 'string' ||
      parsed.start === ''
    )
      throw new Error(
        'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
      );
    return { rv: parsed.rv, start: parsed.start };
  } catch (error) {
    const detail =
      error instanceof Error && error.message.startsWith('continue key')
        ? error.message
        : 'continue key is not valid: illegal base64 data';
    throw badRequest(`invalid continue token: ${detail}`);
  }
}

function keyOf(obj: KubeObject): string {
  const ns = getString(obj, 'metadata', 'namespace') ?? '';
  const name = getString(obj, 'metadata', 'name') ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}

export function handleList(ctx: HandlerContext): void {
  const query = ctx.url.searchParams;
  const conversion = negotiate(ctx.req.headers.accept, true);
  const selectors = parseSelectors(ctx.type, query);
  const namespace = requestNamespace(ctx);
  let items = ctx.store.listObjects(ctx.type, namespace === '' ? undefined : namespace, selectors);
  let listRv = ctx.store.resourceVersion;
  const continueParam = query.get('continue') ?? '';
  if (continueParam !== '') {
    const token = decodeContinue(continueParam);
    if (token.rv >= 0 && token.rv < ctx.store.objects.oldestResumable) {
      const error = expired(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
      error.status.metadata = { continue: encodeContinue({ rv: -1, start: token.start }) };
      throw error;
    }
    if (token.rv >= 0) listRv = token.rv;
    const start = token.start.replace(/\0$/, '');
    items = items.filter((o) => keyOf(o) > start);
  }
  const limit = Number(query.get('limit') ?? '0');
  const metadata: JsonObject = { resourceVersion: String(listRv) };
  if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    const last = items.at(-1);
    metadata.continue = encodeContinue({ rv: listRv, start: `${last === undefined ? '' : keyOf(last)}\0` });
    if (selectors.labels.length === 0 && selectors.fields.length === 0)
      metadata.remainingItemCount = remaining;
  }
  if (conversion === 'Table') {
    sendJson(ctx.res, 200, toTable(ctx.type, items, tableOptionsFrom(query), metadata, ctx.now()));
    return;
  }
  if (conversion === 'PartialObjectMetadataList') {
    sendJson(ctx.res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata,
      items: items.map(partialObjectMetadata),
    });
    return;
  }
  if (conversion === 'PartialObjectMetadata')
    throw notAcceptable(
      `you requested PartialObjectMetadata, but the requested object is a list (*${ctx.type.group === '' ? 'v1' : ctx.type.group}.${ctx.type.kind}List)`,
    );
  sendJson(ctx.res, 200, {
    kind: `${ctx.type.kind}List`,
    apiVersion: apiVersionOf(ctx.type),
    metadata,
    items: items.map((o) => listItem(ctx, o)),
  });
}

/** Typed lists carry items without kind/apiVersion; custom-resource (unstructured) lists keep them. */
function listItem(ctx: HandlerContext, obj: KubeObject): KubeObject {
  if (!ctx.type.builtin) return obj;
  const copy = clone(obj);
  delete copy.kind;
  delete copy.apiVersion;
  return copy;
}
