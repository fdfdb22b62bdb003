/**
 * Server-side printing: the `meta.k8s.io/v1 Table` kube-apiserver returns when kubectl
 * asks for `as=Table`, with `includeObject` (None, Metadata, Object) semantics.
 */
import type { JsonObject, KubeObject } from './json.ts';
import { getObject } from './json.ts';
import { printerFor } from './printers.ts';
import type { ResourceType } from './resources.ts';
import { badRequest } from './status.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject: IncludeObject;
  /** Leave out columnDefinitions (every watch event after the first). */
  noHeaders: boolean;
}

/** Reads `includeObject` like the real server; an unknown value is a 400. */
export function tableOptionsFrom(query: URLSearchParams): TableOptions {
  const include = query.get('includeObject') ?? 'Metadata';
  if (include !== 'None' && include !== 'Metadata' && include !== 'Object' && include !== '')
    throw badRequest(
      `Unable to convert to Table as requested: includeObject: Unsupported value: "${include}": supported values: "Metadata", "None", "Object"`,
    );
  return { includeObject: include === '' ? 'Metadata' : include, noHeaders: false };
}

/** meta.AsPartialObjectMetadata: kind PartialObjectMetadata with the object's metadata. */
export function partialObjectMetadata(obj: KubeObject): JsonObject {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: getObject(obj, 'metadata') ?? {},
  };
}

/** Converts objects to a Table (a single object is a table with one row). */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  options: TableOptions,
  listMeta: JsonObject,
  now: number,
): JsonObject {
  const printer = printerFor(type);
  const rows = objects.map((obj) => {
    const cells = printer.cells(obj, now);
    const row: JsonObject = { cells: cells.slice(0, printer.columns.length) };
    if (options.includeObject === 'Object') row.object = obj;
    else if (options.includeObject === 'Metadata') row.object = partialObjectMetadata(obj);
    else row.object = null;
    return row;
  });
  const table: JsonObject = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta };
  table.columnDefinitions = options.noHeaders ? null : printer.columns.map((c) => ({ ...c }));
  table.rows = rows;
  return table;
}
