/**
 * Plain JSON values as the fixture stores them, with the few accessors every handler
 * needs. Objects are kept as parsed JSON (like kube-apiserver's unstructured objects)
 * so that a field the fixture does not know survives a round trip.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** A Kubernetes object: `apiVersion`, `kind`, `metadata` and whatever else it carries. */
export type KubeObject = JsonObject;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy, so that stored objects never share structure with what callers hold. */
export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** `obj[key]` as an object, creating it when absent or not an object. */
export function ensureObject(obj: JsonObject, key: string): JsonObject {
  const current = obj[key];
  if (isObject(current)) return current;
  const created: JsonObject = {};
  obj[key] = created;
  return created;
}

/** Follows a path of keys; undefined as soon as one is missing or not an object. */
export function getPath(obj: Json | undefined, ...path: string[]): Json | undefined {
  let current: Json | undefined = obj;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function getString(obj: Json | undefined, ...path: string[]): string | undefined {
  const value = getPath(obj, ...path);
  return typeof value === 'string' ? value : undefined;
}

export function getNumber(obj: Json | undefined, ...path: string[]): number | undefined {
  const value = getPath(obj, ...path);
  return typeof value === 'number' ? value : undefined;
}

export function getArray(obj: Json | undefined, ...path: string[]): Json[] {
  const value = getPath(obj, ...path);
  return Array.isArray(value) ? value : [];
}

export function getObject(obj: Json | undefined, ...path: string[]): JsonObject | undefined {
  const value = getPath(obj, ...path);
  return isObject(value) ? value : undefined;
}

/** A string map such as `metadata.labels`; non-string values are dropped. */
export function getStringMap(obj: Json | undefined, ...path: string[]): Record<string, string> {
  const value = getObject(obj, ...path);
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The object's `metadata`, created when missing. */
export function metadataOf(obj: KubeObject): JsonObject {
  return ensureObject(obj, 'metadata');
}

/** Parses JSON text into a value, or undefined when it is not JSON. */
export function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}
