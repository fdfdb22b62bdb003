/**
 * The validation kube-apiserver runs on every write, limited to what clients notice:
 * object names (with apimachinery's exact messages), labels, and for custom resources
 * the kind/apiVersion check of the CR strategy.
 */
import { getString, getStringMap, type KubeObject } from './json.ts';
import { apiVersionOf, type NameRule, type ResourceType } from './resources.ts';
import { type FieldError, invalid } from './status.ts';

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const labelRe = new RegExp(`^${dns1123LabelFmt}$`);
const subdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1035Re = new RegExp(`^${dns1035LabelFmt}$`);

function regexError(message: string, format: string, examples: string[]): string {
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${format}')`;
}

const maxLen = (n: number) => `must be no more than ${n} characters`;

/** The messages IsDNS1123Subdomain / IsDNS1123Label / IsDNS1035Label return for `value`. */
export function nameErrors(rule: NameRule, value: string): string[] {
  const errs: string[] = [];
  switch (rule) {
    case 'subdomain':
      if (value.length > 253) errs.push(maxLen(253));
      if (!subdomainRe.test(value))
        errs.push(
          regexError(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            dns1123SubdomainFmt,
            ['example.com'],
          ),
        );
      break;
    case 'label':
      if (value.length > 63) errs.push(maxLen(63));
      if (!labelRe.test(value)) {
        if (subdomainRe.test(value)) errs.push('must not contain dots');
        else
          errs.push(
            regexError(
              "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
              dns1123LabelFmt,
              ['my-name', '123-abc'],
            ),
          );
      }
      break;
    case 'dns1035':
      if (value.length > 63) errs.push(maxLen(63));
      if (!dns1035Re.test(value))
        errs.push(
          regexError(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            dns1035LabelFmt,
            ['my-name', 'abc-123'],
          ),
        );
      break;
  }
  return errs;
}

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const labelValueRe = new RegExp(`^(${qualifiedNameFmt})?$`);

function labelErrors(labels: Record<string, string>): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    const prefix = slash >= 0 ? key.slice(0, slash) : '';
    if (
      name.length === 0 ||
      name.length > 63 ||
      !qualifiedNameRe.test(name) ||
      (slash >= 0 && !subdomainRe.test(prefix))
    )
      errs.push({
        type: 'FieldValueInvalid',
        field: 'metadata.labels',
        value: key,
        detail: regexError(
          "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          qualifiedNameFmt,
          ['MyName', 'my.name', '123-abc'],
        ),
      });
    if (value.length > 63 || !labelValueRe.test(value))
      errs.push({
        type: 'FieldValueInvalid',
        field: `metadata.labels`,
        value,
        detail: regexError(
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          qualifiedNameFmt,
          ['MyValue', 'my_value', '12345'],
        ),
      });
  }
  return errs;
}

/** Validates an object about to be stored; throws the 422 Invalid Status the real server sends. */
export function validateObject(type: ResourceType, obj: KubeObject): void {
  const name = getString(obj, 'metadata', 'name') ?? '';
  const errs: FieldError[] = [];
  if (name === '')
    errs.push({
      type: 'FieldValueRequired',
      field: 'metadata.name',
      detail: 'name or generateName is required',
    });
  else
    for (const msg of nameErrors(type.nameRule, name))
      errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: msg });
  errs.push(...labelErrors(getStringMap(obj, 'metadata', 'labels')));
  if (!type.builtin) {
    // The custom-resource strategy reports kind and apiVersion mismatches as field errors.
    const kind = getString(obj, 'kind') ?? '';
    const apiVersion = getString(obj, 'apiVersion') ?? '';
    if (kind !== type.kind)
      errs.push({ type: 'FieldValueInvalid', field: 'kind', value: kind, detail: `must be ${type.kind}` });
    if (apiVersion !== apiVersionOf(type))
      errs.push({
        type: 'FieldValueInvalid',
        field: 'apiVersion',
        value: apiVersion,
        detail: `must be ${apiVersionOf(type)}`,
      });
  }
  if (errs.length > 0) throw invalid(type, name, errs);
}
