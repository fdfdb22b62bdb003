/** `deployments/scale`: the autoscaling/v1 Scale view `kubectl scale` reads and patches. */
import { decodeBody, readBody, sendJson } from '../http.ts';
import {
  getNumber,
  getObject,
  getString,
  getStringMap,
  isObject,
  type JsonObject,
  type KubeObject,
} from '../json.ts';
import {
  applyJsonPatch,
  applyMergePatch,
  jsonPatchType,
  mergePatchType,
  strategicPatchType,
} from '../patch.ts';
import { badRequest, staleConflict, unsupportedMediaType } from '../status.ts';
import { type HandlerContext, isDryRun } from './context.ts';
import { requestNamespace } from './read.ts';

function scaleOf(deploy: KubeObject): JsonObject {
  const meta = getObject(deploy, 'metadata') ?? {};
  const matchLabels = getStringMap(deploy, 'spec', 'selector', 'matchLabels');
  const metadata: JsonObject = {};
  for (const key of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp']) {
    const value = meta[key];
    if (value !== undefined) metadata[key] = value;
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: getNumber(deploy, 'spec', 'replicas') ?? 0 },
    status: {
      replicas: getNumber(deploy, 'status', 'replicas') ?? 0,
      selector: Object.keys(matchLabels)
        .sort()
        .map((k) => `${k}=${matchLabels[k]}`)
        .join(','),
    },
  };
}

export async function handleScale(ctx: HandlerContext): Promise<void> {
  const ns = requestNamespace(ctx);
  const deploy = ctx.store.getObject(ctx.type, ns, ctx.info.name);
  const current = scaleOf(deploy);
  if (ctx.info.verb === 'get') {
    sendJson(ctx.res, 200, current);
    return;
  }
  const text = await readBody(ctx.req);
  const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  let next: unknown;
  if (ctx.info.verb === 'update') next = decodeBody(text, contentType);
  else if (contentType === jsonPatchType) next = applyJsonPatch(current, decodeBody(text, contentType));
  else if (contentType === mergePatchType || contentType === strategicPatchType)
    next = applyMergePatch(current, decodeBody(text, contentType));
  else
    throw unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${jsonPatchType}, ${mergePatchType}, ${strategicPatchType}, application/apply-patch+yaml`,
    );
  if (!isObject(next)) throw badRequest('the body of the request must be a Scale object');
  const rv = getString(next, 'metadata', 'resourceVersion') ?? '';
  if (rv !== '' && rv !== getString(deploy, 'metadata', 'resourceVersion'))
    throw staleConflict(ctx.type, ctx.info.name);
  const replicas = getNumber(next, 'spec', 'replicas');
  if (replicas === undefined) throw badRequest('spec.replicas is required');
  const spec = getObject(deploy, 'spec') ?? {};
  deploy.spec = { ...spec, replicas };
  const updated = ctx.store.updateObject(ctx.type, ns, ctx.info.name, deploy, {
    dryRun: isDryRun(ctx.url.searchParams),
  });
  sendJson(ctx.res, 200, scaleOf(updated));
}
