/**
 * {@link Config} → YAML text, laid out the way kubectl writes it: known fields in
 * kubectl's order (it sorts keys), unknown fields after them in the order they were
 * read, sequences flush with their key. A file kubectl wrote therefore comes back
 * byte for byte, and a diff of a file kgate touched shows only kgate's change.
 */
import { stringify } from 'yaml';
import { isRecord, setOwn } from './parse.ts';
import { configSpec, type FieldType, type ObjectSpec } from './schema.ts';
import type { Config } from './types.ts';
import { yamlWriteOptions } from './yaml-options.ts';

function orderValue(value: unknown, type: FieldType): unknown {
  if (type.kind === 'object' && isRecord(value)) return orderObject(value, type.spec);
  if (type.kind === 'list' && Array.isArray(value))
    return value.map((item) => (isRecord(item) ? orderObject(item, type.spec) : item));
  return value;
}

function orderObject(value: Record<string, unknown>, spec: ObjectSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(spec.fields)) {
    if (Object.hasOwn(value, key) && value[key] !== undefined) out[key] = orderValue(value[key], type);
  }
  for (const [key, field] of Object.entries(value)) {
    if (!Object.hasOwn(spec.fields, key) && field !== undefined) setOwn(out, key, field);
  }
  return out;
}

/**
 * Serializes a kubeconfig to YAML. `apiVersion: v1` and `kind: Config` are written
 * when missing, as kubectl does.
 *
 * @example
 * ```ts
 * const text = serializeKubeconfig({ clusters: [{ name: 'dev', cluster: { server: 'https://127.0.0.1:6443' } }] });
 * ```
 */
export function serializeKubeconfig(config: Config): string {
  const withHeader: Config = {
    ...config,
    apiVersion: config.apiVersion || 'v1',
    kind: config.kind || 'Config',
  };
  return stringify(orderObject(withHeader, configSpec), yamlWriteOptions);
}
