/**
 * Discovery documents (`/version`, `/api`, `/api/v1`, `/apis`, `/apis/<group>`,
 * `/apis/<group>/<version>`) shaped like kube-apiserver's legacy (unaggregated)
 * discovery. Clients that ask for aggregated discovery get plain JSON with
 * `Content-Type: application/json` and fall back to these, as client-go does.
 */
import type { JsonObject } from './json.ts';
import { apiGroups, resourceTypes } from './resources.ts';

/** What `/version` reports; `gitVersion` is an option of the server. */
export function versionInfo(gitVersion: string): JsonObject {
  const match = /^v(\d+)\.(\d+)/.exec(gitVersion);
  const major = match?.[1] ?? '1';
  const minor = match?.[2] ?? '0';
  return {
    major,
    minor,
    emulationMajor: major,
    emulationMinor: minor,
    minCompatibilityMajor: major,
    minCompatibilityMinor: String(Math.max(0, Number(minor) - 1)),
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, versions: string[]): JsonObject {
  const gvs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: gvs, preferredVersion: { ...gvs[0] } };
}

export function apiGroupList(): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: apiGroups().map((g) => groupDoc(g.name, g.versions)),
  };
}

/** `/apis/<group>`, or undefined for a group the fixture does not serve. */
export function apiGroup(name: string): JsonObject | undefined {
  const group = apiGroups().find((g) => g.name === name);
  if (group === undefined) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group.name, group.versions) };
}

/** The APIResourceList of one group version, or undefined when not served. */
export function apiResourceList(group: string, version: string): JsonObject | undefined {
  const types = resourceTypes.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const t of types) {
    const entry: JsonObject = {
      name: t.resource,
      singularName: t.singularName,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: [...t.verbs],
    };
    if (t.shortNames.length > 0) entry.shortNames = [...t.shortNames];
    if (t.categories.length > 0) entry.categories = [...t.categories];
    if (t.storageVersionHash !== '') entry.storageVersionHash = t.storageVersionHash;
    resources.push(entry);
    for (const sub of t.subresources) {
      const subEntry: JsonObject = {
        name: `${t.resource}/${sub.name}`,
        singularName: '',
        namespaced: t.namespaced,
      };
      if (sub.group !== undefined) subEntry.group = sub.group;
      if (sub.version !== undefined) subEntry.version = sub.version;
      subEntry.kind = sub.kind;
      subEntry.verbs = [...sub.verbs];
      resources.push(subEntry);
    }
  }
  // The core group's list carries no apiVersion, the named groups' lists do.
  const head: JsonObject =
    group === '' ? { kind: 'APIResourceList' } : { kind: 'APIResourceList', apiVersion: 'v1' };
  return { ...head, groupVersion: group === '' ? version : `${group}/${version}`, resources };
}
