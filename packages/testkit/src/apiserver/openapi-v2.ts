/**
 * A minimal OpenAPI v2 document in the protobuf encoding kubectl asks for
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, gnostic's
 * openapi_v2.Document). kubectl 1.27 and 1.28 need it for `apply`/`create`: they decide
 * whether the server does field validation by looking for the `fieldValidation`
 * parameter of each kind's PATCH operation here (and read the PATCH `consumes` to choose
 * strategic merge patch). No definitions are published, so kubectl computes strategic
 * merge patches from its built-in types, as it does for kinds missing from a schema.
 */
import { acceptedPatchTypes } from './patch.ts';
import { type ResourceType, resourceTypes } from './resources.ts';

/**
 * The Content-Type of the answer. Clients ask with `…spec.v2@v1.0+protobuf`, but Go's
 * mime parser rejects the `@`, so kube-apiserver answers with this spelling.
 */
export const openApiV2ProtobufType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Field = [number, string | Buffer | boolean];

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** Encodes a protobuf message from (field number, value) pairs: strings and messages length-delimited, bools as varints. */
function message(fields: Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const [number, value] of fields) {
    if (typeof value === 'boolean') {
      parts.push(varint(number * 8), varint(value ? 1 : 0));
      continue;
    }
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    parts.push(varint(number * 8 + 2), varint(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

function queryParameter(name: string, description: string): Buffer {
  // ParametersItem.parameter(1) → Parameter.non_body_parameter(2) → NonBodyParameter.query_parameter_sub_schema(3)
  const sub = message([
    [2, 'query'],
    [3, description],
    [4, name],
    [6, 'string'],
    [20, true],
  ]);
  return message([[1, message([[2, message([[3, sub]])]])]]);
}

function patchOperation(type: ResourceType): Buffer {
  const gvk = JSON.stringify({ group: type.group, kind: type.kind, version: type.version });
  const ok = message([[1, message([[1, message([[1, 'OK']])]])]]);
  const fields: Field[] = [
    [5, `patch${type.kind}`],
    ...acceptedPatchTypes(type).map((t): Field => [7, t]),
    [8, queryParameter('dryRun', 'When present, indicates that modifications should not be persisted.')],
    [
      8,
      queryParameter(
        'fieldManager',
        'fieldManager is a name associated with the actor or entity that is making these changes.',
      ),
    ],
    [
      8,
      queryParameter(
        'fieldValidation',
        'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
      ),
    ],
    [8, queryParameter('force', 'Force is going to "force" Apply requests.')],
    [
      9,
      message([
        [
          1,
          message([
            [1, '200'],
            [2, ok],
          ]),
        ],
      ]),
    ],
    [
      13,
      message([
        [1, 'x-kubernetes-group-version-kind'],
        [2, message([[2, gvk]])],
      ]),
    ],
  ];
  return message(fields);
}

/** The encoded document (paths with one PATCH operation per served kind). */
export function openApiV2Document(gitVersion: string): Buffer {
  const paths: Field[] = resourceTypes
    .filter((t) => t.verbs.includes('patch'))
    .map((type) => {
      const prefix = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
      const path = type.namespaced
        ? `${prefix}/namespaces/{namespace}/${type.resource}/{name}`
        : `${prefix}/${type.resource}/{name}`;
      // NamedPathItem{name, value: PathItem{patch(8)}}
      return [
        2,
        message([
          [1, path],
          [2, message([[8, patchOperation(type)]])],
        ]),
      ];
    });
  return message([
    [1, '2.0'],
    [
      2,
      message([
        [1, 'Kubernetes'],
        [2, gitVersion],
      ]),
    ],
    [8, message(paths)],
  ]);
}
