/**
 * Label selectors (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`) and field selectors
 * (`=`, `==`, `!=` on the fields each type supports), with the errors kube-apiserver
 * answers for bad ones.
 */
import { getPath, getStringMap, type KubeObject } from './json.ts';
import type { ResourceType } from './resources.ts';
import { badRequest } from './status.ts';

type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export type LabelSelector = LabelRequirement[];

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const keyRe = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseError(requirement: string): never {
  throw badRequest(
    `unable to parse requirement: found '${requirement.trim()}', expected a valid label selector`,
  );
}

function checkKey(key: string, raw: string): string {
  if (!keyRe.test(key)) parseError(raw);
  return key;
}

function checkValue(value: string, raw: string): string {
  if (!valueRe.test(value)) parseError(raw);
  return value;
}

/** Parses a `labelSelector` query value; throws a 400 Status when it is malformed. */
export function parseLabelSelector(text: string): LabelSelector {
  const selector: LabelSelector = [];
  if (text.trim() === '') return selector;
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (part === '') parseError(raw);
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (setMatch) {
      const [, key = '', op = 'in', list = ''] = setMatch;
      const values = list
        .split(',')
        .map((v) => checkValue(v.trim(), raw))
        .filter((v, i, all) => all.indexOf(v) === i);
      selector.push({ key: checkKey(key, raw), op: op === 'in' ? 'in' : 'notin', values });
      continue;
    }
    const opMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (opMatch) {
      const [, key = '', op = '=', value = ''] = opMatch;
      selector.push({
        key: checkKey(key, raw),
        op: op === '!=' ? 'notin' : 'in',
        values: [checkValue(value.trim(), raw)],
      });
      continue;
    }
    if (part.startsWith('!')) {
      selector.push({ key: checkKey(part.slice(1).trim(), raw), op: 'notexists' });
      continue;
    }
    selector.push({ key: checkKey(part, raw), op: 'exists' });
  }
  return selector;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string>): boolean {
  return selector.every((req) => {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && value !== undefined && req.values.includes(value);
      case 'notin':
        return !has || value === undefined || !req.values.includes(value);
    }
    return false;
  });
}

interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}
export type FieldSelector = FieldRequirement[];

/** Fields each resource's registry exposes to field selectors (GetAttrs), beyond name and namespace. */
const extraFields: Record<string, Record<string, string[]>> = {
  pods: {
    'spec.nodeName': ['spec', 'nodeName'],
    'spec.restartPolicy': ['spec', 'restartPolicy'],
    'spec.schedulerName': ['spec', 'schedulerName'],
    'spec.serviceAccountName': ['spec', 'serviceAccountName'],
    'status.phase': ['status', 'phase'],
    'status.podIP': ['status', 'podIP'],
    'status.nominatedNodeName': ['status', 'nominatedNodeName'],
  },
  namespaces: { 'status.phase': ['status', 'phase'] },
  secrets: { type: ['type'] },
};

function fieldPath(type: ResourceType, field: string): string[] | undefined {
  if (field === 'metadata.name') return ['metadata', 'name'];
  if (field === 'metadata.namespace' && type.namespaced) return ['metadata', 'namespace'];
  return extraFields[type.resource]?.[field];
}

/** Parses a `fieldSelector`; an unsupported field is the real server's 400 `field label not supported`. */
export function parseFieldSelector(type: ResourceType, text: string): FieldSelector {
  const selector: FieldSelector = [];
  if (text.trim() === '') return selector;
  for (const raw of text.split(',')) {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${raw}'`);
    const [, field = '', op = '=', value = ''] = match;
    if (fieldPath(type, field) === undefined) throw badRequest(`field label not supported: ${field}`);
    selector.push({ field, value, negate: op === '!=' });
  }
  return selector;
}

export function matchesFields(type: ResourceType, selector: FieldSelector, obj: KubeObject): boolean {
  return selector.every((req) => {
    const path = fieldPath(type, req.field) ?? [];
    const raw = getPath(obj, ...path);
    const value = raw === undefined || raw === null ? '' : String(raw);
    return req.negate ? value !== req.value : value === req.value;
  });
}

/** Both selectors of a list or watch request. */
export interface Selectors {
  labels: LabelSelector;
  fields: FieldSelector;
}

export function parseSelectors(type: ResourceType, query: URLSearchParams): Selectors {
  return {
    labels: parseLabelSelector(query.get('labelSelector') ?? ''),
    fields: parseFieldSelector(type, query.get('fieldSelector') ?? ''),
  };
}

export function matches(type: ResourceType, selectors: Selectors, obj: KubeObject): boolean {
  return (
    matchesLabels(selectors.labels, getStringMap(obj, 'metadata', 'labels')) &&
    matchesFields(type, selectors.fields, obj)
  );
}
