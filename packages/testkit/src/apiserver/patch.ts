/**
 * The patch formats kube-apiserver accepts: JSON merge patch (RFC 7386), JSON patch
 * (RFC 6902) and strategic merge patch for built-in types, with the patch metadata
 * (merge keys) of the fields kubectl's client-side apply touches on the served types.
 */
import { clone, isObject, type Json, type JsonObject } from './json.ts';
import type { ResourceType } from './resources.ts';
import { ApiError, badRequest, failureStatus } from './status.ts';

export const jsonPatchType = 'application/json-patch+json';
export const mergePatchType = 'application/merge-patch+json';
export const strategicPatchType = 'application/strategic-merge-patch+json';
export const applyPatchType = 'application/apply-patch+yaml';

/** The patch media types a type accepts, in the order the real 415 message lists them. */
export function acceptedPatchTypes(type: ResourceType): string[] {
  return type.builtin
    ? [jsonPatchType, mergePatchType, strategicPatchType, applyPatchType]
    : [jsonPatchType, mergePatchType, applyPatchType];
}

/** RFC 7386. */
export function applyMergePatch(original: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(original) ? clone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** The 422 apiserver answers when a JSON patch cannot be applied (NewGenericServerResponse). */
function jsonPatchFailure(): ApiError {
  return new ApiError(
    failureStatus('Invalid', 'the server rejected our request due to an error in our request', {}),
  );
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw jsonPatchFailure();
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function resolveParent(doc: Json, tokens: string[]): { parent: Json; last: string } {
  let current: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)] ?? null;
    else if (isObject(current) && token in current) current = current[token] ?? null;
    else throw jsonPatchFailure();
  }
  const last = tokens.at(-1);
  if (last === undefined) throw jsonPatchFailure();
  return { parent: current, last };
}

function readPointer(doc: Json, pointer: string): Json {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0) return doc;
  const { parent, last } = resolveParent(doc, tokens);
  if (Array.isArray(parent)) {
    const item = parent[Number(last)];
    if (item === undefined) throw jsonPatchFailure();
    return item;
  }
  if (isObject(parent) && last in parent) return parent[last] ?? null;
  throw jsonPatchFailure();
}

function addAt(doc: Json, pointer: string, value: Json, replace: boolean): Json {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0) return value;
  const { parent, last } = resolveParent(doc, tokens);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw jsonPatchFailure();
    if (replace) {
      if (index >= parent.length) throw jsonPatchFailure();
      parent[index] = value;
    } else parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) throw jsonPatchFailure();
    parent[last] = value;
  } else throw jsonPatchFailure();
  return doc;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = pointerTokens(pointer);
  const { parent, last } = resolveParent(doc, tokens);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) throw jsonPatchFailure();
    parent.splice(index, 1);
  } else if (isObject(parent) && last in parent) delete parent[last];
  else throw jsonPatchFailure();
  return doc;
}

/** RFC 6902; a malformed patch is a 400, one that does not apply is a 422. */
export function applyJsonPatch(original: Json, patch: Json): Json {
  if (!Array.isArray(patch))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(original);
  for (const op of patch) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw badRequest('unexpected kind of operation in JSON patch');
    const value = op.value === undefined ? null : clone(op.value);
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, value, false);
        break;
      case 'replace':
        doc = addAt(doc, op.path, value, true);
        break;
      case 'remove':
        doc = removeAt(doc, op.path);
        break;
      case 'test':
        if (JSON.stringify(readPointer(doc, op.path)) !== JSON.stringify(value)) throw jsonPatchFailure();
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw jsonPatchFailure();
        const moved = clone(readPointer(doc, op.from));
        if (op.op === 'move') doc = removeAt(doc, op.from);
        doc = addAt(doc, op.path, moved, false);
        break;
      }
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

/** How a list field merges under strategic merge patch. */
interface ListMeta {
  /** Merge key for lists of objects; absent for a primitive list merged as a set. */
  mergeKey?: string;
}

const containerLists: Record<string, string> = {
  ports: 'containerPort',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
};
const podSpecLists: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  schedulingGates: 'name',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

/** Patch metadata (patchStrategy/patchMergeKey) of the served built-in types' list fields. */
function listMetaFor(type: ResourceType, path: string[]): ListMeta | undefined {
  const dotted = path.join('.');
  if (/(^|\.)metadata\.finalizers$/.test(dotted)) return {};
  if (/(^|\.)metadata\.ownerReferences$/.test(dotted)) return { mergeKey: 'uid' };
  if (dotted === 'status.conditions') return { mergeKey: 'type' };
  if (type.resource === 'services' && dotted === 'spec.ports') return { mergeKey: 'port' };
  const podSpec =
    type.resource === 'pods' ? 'spec' : type.resource === 'deployments' ? 'spec.template.spec' : '';
  if (podSpec === '' || !dotted.startsWith(`${podSpec}.`)) return undefined;
  const rest = dotted.slice(podSpec.length + 1).split('.');
  if (rest.length === 1) {
    const key = podSpecLists[rest[0] ?? ''];
    return key === undefined ? undefined : { mergeKey: key };
  }
  if (rest.length === 2 && ['containers', 'initContainers', 'ephemeralContainers'].includes(rest[0] ?? '')) {
    const key = containerLists[rest[1] ?? ''];
    return key === undefined ? undefined : { mergeKey: key };
  }
  return undefined;
}

function sameKey(a: Json, b: Json, key: string): boolean {
  return isObject(a) && isObject(b) && JSON.stringify(a[key]) === JSON.stringify(b[key]);
}

function mergeList(type: ResourceType, original: Json | undefined, patch: Json[], path: string[]): Json[] {
  const meta = listMetaFor(type, path);
  const base = Array.isArray(original) ? clone(original) : [];
  // `[{"$patch": "replace"}, …]` replaces the whole list.
  const replace = patch.some((item) => isObject(item) && item.$patch === 'replace');
  if (meta === undefined || replace)
    return patch.filter((item) => !(isObject(item) && item.$patch === 'replace')).map((i) => clone(i));
  if (meta.mergeKey === undefined) {
    for (const item of patch)
      if (!base.some((b) => JSON.stringify(b) === JSON.stringify(item))) base.push(clone(item));
    return base;
  }
  const key = meta.mergeKey;
  for (const item of patch) {
    const index = base.findIndex((b) => sameKey(b, item, key));
    if (isObject(item) && item.$patch === 'delete') {
      if (index >= 0) base.splice(index, 1);
      continue;
    }
    if (index >= 0) base[index] = strategicMerge(type, base[index], item, path);
    else base.push(strategicMerge(type, undefined, item, path));
  }
  return base;
}

function orderBy(list: Json[], order: Json[], key: string | undefined): Json[] {
  const position = (item: Json) =>
    order.findIndex((o) =>
      key === undefined ? JSON.stringify(o) === JSON.stringify(item) : sameKey(o, item, key),
    );
  const ordered = list.filter((i) => position(i) >= 0).sort((a, b) => position(a) - position(b));
  return [...ordered, ...list.filter((i) => position(i) < 0)];
}

/** Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch), limited to the served types. */
export function strategicMerge(
  type: ResourceType,
  original: Json | undefined,
  patch: Json,
  path: string[] = [],
): Json {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  const result: JsonObject = isObject(original) ? clone(original) : {};
  const retain = patch.$retainKeys;
  if (Array.isArray(retain))
    for (const k of Object.keys(result)) if (!retain.includes(k) && !(k in patch)) delete result[k];
  const orders: [string, Json[]][] = [];
  const deletions: [string, Json[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (Array.isArray(value)) orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      if (Array.isArray(value)) deletions.push([key.slice('$deleteFromPrimitiveList/'.length), value]);
      continue;
    }
    if (value === null || (isObject(value) && value.$patch === 'delete')) delete result[key];
    else if (Array.isArray(value)) result[key] = mergeList(type, result[key], value, [...path, key]);
    else if (isObject(value)) result[key] = strategicMerge(type, result[key], value, [...path, key]);
    else result[key] = value;
  }
  for (const [field, values] of deletions) {
    const list = result[field];
    if (Array.isArray(list))
      result[field] = list.filter((v) => !values.some((d) => JSON.stringify(d) === JSON.stringify(v)));
  }
  for (const [field, order] of orders) {
    const list = result[field];
    if (Array.isArray(list))
      result[field] = orderBy(list, order, listMetaFor(type, [...path, field])?.mergeKey);
  }
  return result;
}

/** Applies a patch of the given media type to an object (apply patches merge like strategic/merge patches here). */
export function applyPatch(type: ResourceType, current: Json, patchType: string, patch: Json): Json {
  const notObject = () =>
    badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  switch (patchType) {
    case jsonPatchType:
      return applyJsonPatch(current, patch);
    case mergePatchType:
      if (!isObject(patch)) throw notObject();
      return applyMergePatch(current, patch);
    case strategicPatchType:
    case applyPatchType:
      if (!isObject(patch)) throw notObject();
      return type.builtin ? strategicMerge(type, current, patch) : applyMergePatch(current, patch);
    default:
      throw badRequest(`unsupported patch type ${patchType}`);
  }
}
