/**
 * Text → {@link Config}, refusing what kubectl refuses to load: YAML syntax errors,
 * a wrong `apiVersion`/`kind`, a known field of the wrong type (Go's JSON decoder
 * rejects `server: 5`), bad base64 in a `*-data` field, and two entries with the same
 * name in one list. Every such problem is reported at once, with its line.
 *
 * Unknown fields are kept as they are. Things kubectl loads but cannot use (a context
 * naming a missing cluster) are not checked here; see validate.ts.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { formatPath, KubeconfigInvalidError, type KubeconfigProblem, type PathStep } from './problems.ts';
import { configSpec, type FieldType, nullableFields, type ObjectSpec } from './schema.ts';
import type { Config } from './types.ts';
import { yamlSchemaOptions } from './yaml-options.ts';

/** Whether `value` is a plain mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own property even for the key `__proto__`, which plain assignment would not. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a mapping';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Go's standard base64 decoder, as used for `[]byte` fields, skips line breaks. */
export function isBase64(value: string): boolean {
  return base64Pattern.test(value.replace(/[\r\n]/g, ''));
}

const expected: Record<FieldType['kind'], string> = {
  string: 'a string',
  boolean: 'true or false',
  base64: 'a base64 string',
  strings: 'a list of strings',
  stringMap: 'a mapping of strings',
  stringsMap: 'a mapping of string lists',
  any: 'any value',
  object: 'a mapping',
  list: 'a list',
};

type Report = (at: readonly PathStep[], message: string, hint: string) => void;

function checkValue(value: unknown, type: FieldType, at: PathStep[], report: Report): unknown {
  const wrongType = () => {
    report(
      at,
      `${formatPath(at)}: expected ${expected[type.kind]}, got ${describe(value)}`,
      type.kind === 'string' || type.kind === 'strings'
        ? 'quote the value: YAML reads a bare yes, no, on, off or number as something other than a string'
        : `write ${formatPath(at)} as ${expected[type.kind]}`,
    );
    return value;
  };
  switch (type.kind) {
    case 'any':
      return value;
    case 'string':
      return typeof value === 'string' ? value : wrongType();
    case 'boolean':
      return typeof value === 'boolean' ? value : wrongType();
    case 'base64':
      if (typeof value !== 'string') return wrongType();
      if (!isBase64(value))
        report(
          at,
          `${formatPath(at)}: not valid base64`,
          'encode the PEM file with `base64 -w0 FILE`, or name the file in the field without -data',
        );
      return value;
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : wrongType();
    case 'stringMap':
      return isRecord(value) && Object.values(value).every((v) => typeof v === 'string')
        ? value
        : wrongType();
    case 'stringsMap':
      return isRecord(value) &&
        Object.values(value).every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'))
        ? value
        : wrongType();
    case 'object':
      return isRecord(value) ? checkObject(value, type.spec, at, report) : wrongType();
    case 'list':
      if (!Array.isArray(value)) return wrongType();
      // client-go turns named lists into maps and refuses a name seen twice.
      if (type.spec.unique) reportDuplicates(value, at, report);
      return value.map((item, index) =>
        checkValue(item, { kind: 'object', spec: type.spec }, [...at, index], report),
      );
  }
}

function checkObject(
  value: Record<string, unknown>,
  spec: ObjectSpec,
  at: PathStep[],
  report: Report,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const type = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
    if (type === undefined) setOwn(out, key, field);
    else if (field === null || field === undefined) {
      // Go's decoder reads null as "not set"; keep it only where kubectl itself writes it.
      if (nullableFields.has(key)) out[key] = null;
    } else out[key] = checkValue(field, type, [...at, key], report);
  }
  for (const [key, zero] of Object.entries(spec.required ?? {})) {
    if (!Object.hasOwn(out, key)) out[key] = structuredClone(zero);
  }
  return out;
}

function reportDuplicates(list: readonly unknown[], at: PathStep[], report: Report): void {
  const seen = new Map<string, number>();
  list.forEach((item, index) => {
    if (!isRecord(item) || typeof item.name !== 'string') return;
    const first = seen.get(item.name);
    if (first === undefined) seen.set(item.name, index);
    else
      report(
        [...at, index, 'name'],
        `${formatPath([...at, index])}.name "${item.name}" duplicates ${formatPath([...at, first])}`,
        `rename or remove one of the entries named "${item.name}"`,
      );
  });
}

/**
 * Parses one kubeconfig file's text, keeping unknown fields.
 *
 * An empty file is an empty config, as in client-go. Throws a
 * {@link KubeconfigInvalidError} (`KUBECONFIG_INVALID`) listing every problem kubectl
 * would also refuse, each with `file` and `line`.
 *
 * @param file - the file's path, for messages only
 * @example
 * ```ts
 * const config = parseKubeconfig(await readFile(file, 'utf8'), file);
 * ```
 */
export function parseKubeconfig(text: string, file?: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...yamlSchemaOptions, lineCounter, uniqueKeys: true });
  const problems: KubeconfigProblem[] = [];
  const withFile = (problem: KubeconfigProblem): KubeconfigProblem =>
    file === undefined ? problem : { ...problem, file };

  const [syntaxError] = doc.errors;
  if (syntaxError !== undefined) {
    const line = syntaxError.linePos?.[0].line;
    const reason = (syntaxError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new KubeconfigInvalidError([
      withFile({
        path: '',
        message: `invalid YAML${line === undefined ? '' : ` at line ${line}`}: ${reason}`,
        hint: 'fix the YAML syntax there; kubectl cannot read this file either',
        ...(line === undefined ? {} : { line }),
      }),
    ]);
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new KubeconfigInvalidError([
      withFile({
        path: '',
        message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}`,
        hint: 'expand the YAML aliases (*name) by hand',
      }),
    ]);
  }
  if (value === null || value === undefined) return {};
  if (!isRecord(value))
    throw new KubeconfigInvalidError([
      withFile({
        path: '',
        message: `the top level is ${describe(value)}, not a mapping with apiVersion, kind, clusters, users and contexts`,
        hint: 'a kubeconfig is a YAML mapping; check that this is the right file',
        line: 1,
      }),
    ]);

  const report: Report = (at, message, hint) => {
    const node = doc.getIn(at, true);
    const offset = isNode(node) ? node.range?.[0] : undefined;
    const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
    problems.push(withFile({ path: formatPath(at), message, hint, ...(line === undefined ? {} : { line }) }));
  };

  const config = checkObject(value, configSpec, [], report) as Config;
  if (config.apiVersion !== undefined && config.apiVersion !== '' && config.apiVersion !== 'v1')
    report(['apiVersion'], `apiVersion "${config.apiVersion}" is not v1`, 'set apiVersion: v1');
  if (config.kind !== undefined && config.kind !== '' && config.kind !== 'Config')
    report(
      ['kind'],
      `kind "${config.kind}" is not Config`,
      'set kind: Config; check that this is a kubeconfig',
    );

  if (problems.length > 0) throw new KubeconfigInvalidError(problems);
  return config;
}
