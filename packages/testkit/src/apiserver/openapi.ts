/**
 * A minimal OpenAPI v3 publication (`/openapi/v3` and `/openapi/v3/<api|apis/g>/<v>`).
 *
 * Why it exists: kubectl ≥ 1.27 validates with `--validate=strict` by default, and to
 * know whether the server does field validation it looks for the `fieldValidation`
 * parameter on the PATCH operation of the object's group-version-kind in OpenAPI v3
 * (falling back to v2, which it fetches as protobuf only). Without either document
 * `kubectl apply` and `kubectl create` fail with "failed to download openapi".
 *
 * The documents carry the paths and operations (with `x-kubernetes-group-version-kind`,
 * the write parameters and the accepted patch media types) but an empty
 * `components.schemas`: kubectl apply then computes strategic merge patches from its
 * built-in Go types, exactly as it does for a server whose schema lacks the kind.
 * `/openapi/v2` stays 404 because clients ask it for protobuf only.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './json.ts';
import { acceptedPatchTypes } from './patch.ts';
import { type ResourceType, resourceTypes } from './resources.ts';

function gvPath(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? `api/${type.version}` : `apis/${type.group}/${type.version}`;
}

function param(name: string, description: string): JsonObject {
  return { name, in: 'query', description, schema: { type: 'string', uniqueItems: true } };
}

const writeParams = [
  param('dryRun', 'When present, indicates that modifications should not be persisted.'),
  param(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  param(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
  ),
];

function operationId(action: string, type: ResourceType, scope: 'Namespaced' | ''): string {
  const group =
    type.group === '' ? 'Core' : (type.group.split('.')[0]?.replace(/^./, (c) => c.toUpperCase()) ?? '');
  const version = type.version.replace(/^./, (c) => c.toUpperCase());
  return `${action}${group}${version}${scope}${type.kind}`;
}

function operations(type: ResourceType): Record<string, JsonObject> {
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const ref = { $ref: '#/components/schemas/object' };
  const json = { 'application/json': { schema: ref } };
  const response = { description: 'OK', content: json };
  const scope = type.namespaced ? 'Namespaced' : '';
  const base = type.namespaced
    ? `/${gvPath(type)}/namespaces/{namespace}/${type.resource}`
    : `/${gvPath(type)}/${type.resource}`;
  const op = (action: string, k8sAction: string, extra: JsonObject = {}): JsonObject => ({
    operationId: operationId(action, type, scope),
    'x-kubernetes-action': k8sAction,
    'x-kubernetes-group-version-kind': gvk,
    responses: { '200': response },
    ...extra,
  });
  const body = (types: string[]): JsonObject => ({
    required: true,
    content: Object.fromEntries(types.map((t) => [t, { schema: ref }])),
  });
  const post = op('create', 'post', { parameters: writeParams, requestBody: body(['*/*']) });
  if (type.review !== undefined) return { [base]: { post } };
  return {
    [base]: {
      get: op('list', 'list'),
      post,
    },
    [`${base}/{name}`]: {
      get: op('read', 'get'),
      put: op('replace', 'put', { parameters: writeParams, requestBody: body(['*/*']) }),
      patch: op('patch', 'patch', {
        parameters: [...writeParams, param('force', 'Force is going to "force" Apply requests.')],
        requestBody: body(acceptedPatchTypes(type)),
      }),
      delete: op('delete', 'delete'),
    },
  };
}

function groupVersionDoc(group: string, version: string, gitVersion: string): JsonObject {
  const paths: JsonObject = {};
  for (const type of resourceTypes)
    if (type.group === group && type.version === version) Object.assign(paths, operations(type));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: gitVersion },
    paths,
    components: { schemas: { object: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
  };
}

/** Serves the OpenAPI v3 discovery and per-group-version documents. */
export class OpenApiV3 {
  readonly #docs = new Map<string, { body: string; hash: string }>();

  constructor(gitVersion: string) {
    const seen = new Set<string>();
    for (const type of resourceTypes) {
      const path = gvPath(type);
      if (seen.has(path)) continue;
      seen.add(path);
      const body = JSON.stringify(groupVersionDoc(type.group, type.version, gitVersion));
      this.#docs.set(path, { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
    }
  }

  /** The document for `/openapi/v3` or `/openapi/v3/<gv path>`, or undefined. */
  document(path: string): string | undefined {
    if (path === '/openapi/v3') {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const [gv, doc] of this.#docs)
        paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${doc.hash}` };
      return JSON.stringify({ paths });
    }
    const prefix = '/openapi/v3/';
    if (!path.startsWith(prefix)) return undefined;
    return this.#docs.get(path.slice(prefix.length))?.body;
  }
}
