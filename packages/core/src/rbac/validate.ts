/**
 * A value read from YAML or JSON → {@link RolesDocument}, refusing anything that is not
 * exactly the documented shape: unknown fields, wrong types, empty lists where a rule
 * would match nothing, unknown verbs, globs with characters no name can hold, resource
 * patterns Kubernetes RBAC would not match, invalid or duplicate role names and usernames.
 * Defaults are filled in (`namespaces: ["*"]`, `api_groups: ["*"]`, `deny: []`, `users: []`).
 *
 * A `users[].roles` entry naming a role the document does not define is fine: roles may be
 * defined elsewhere (central checks against its own store).
 */
import { GLOB_ALPHABETS, type GlobAlphabet, globError } from './glob.ts';
import { formatRolesPath, type PathStep, RolesInvalidError, type RolesProblem } from './problems.ts';
import { resourcePatternError } from './resources.ts';
import { suggest } from './suggest.ts';
import {
  KNOWN_VERBS,
  ROLE_NAME_PATTERN,
  type Role,
  type RoleRule,
  type RolesDocument,
  USERNAME_PATTERN,
  type UserRoles,
} from './types.ts';

/** Where a document came from, for messages. */
export interface RolesSourceOptions {
  /** A file name (or `stdin`, `GET /roles`), put before each message: `roles.yaml:12: role "x": …`. */
  source?: string;
}

/**
 * Receives one problem: `at` is the absolute path into the document (for finding its
 * line), `message` the whole sentence.
 */
export type ReportProblem = (at: readonly PathStep[], message: string, hint: string) => void;

const TOP_FIELDS = ['roles', 'users'];
const ROLE_FIELDS = ['name', 'description', 'rules', 'deny'];
const RULE_FIELDS = ['clusters', 'namespaces', 'api_groups', 'resources', 'verbs'];
const USER_FIELDS = ['username', 'roles'];
const VERB_SUGGESTIONS = KNOWN_VERBS.filter((v) => v !== '*');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a mapping';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

const quoteHint = 'quote the value: YAML reads a bare number, true or false as something other than a string';

/** Reports problems inside one role or user, prefixed with its label (`role "developer"`). */
class Scope {
  readonly #report: ReportProblem;
  readonly #base: readonly PathStep[];
  readonly #label: string;

  constructor(report: ReportProblem, base: readonly PathStep[], label: string) {
    this.#report = report;
    this.#base = base;
    this.#label = label;
  }

  /**
   * `at` is relative to the scope; the message reads `label: at: text`, or `label: text` at
   * its root. `key` names a field of `at` that the problem is about, for its line.
   */
  problem(at: readonly PathStep[], text: string, hint: string, key?: string): void {
    const where = [this.#label, formatRolesPath(at)].filter((s) => s !== '').join(': ');
    const lineAt = key === undefined ? [...this.#base, ...at] : [...this.#base, ...at, key];
    this.#report(lineAt, where === '' ? text : `${where}: ${text}`, hint);
  }

  unknownFields(value: Record<string, unknown>, at: readonly PathStep[], known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const near = suggest(key, known);
      this.problem(
        at,
        `unknown field ${JSON.stringify(key)}`,
        near === undefined ? `remove it; the fields here are ${known.join(', ')}` : `did you mean ${near}?`,
        key,
      );
    }
  }

  /** A list of strings, or `undefined` (and a problem) when it is something else. */
  strings(value: unknown, at: readonly PathStep[]): string[] | undefined {
    if (!Array.isArray(value)) {
      this.problem(
        at,
        `expected a list of strings, got ${describe(value)}`,
        typeof value === 'string'
          ? `write it as a list: ${formatRolesPath(at.slice(-1))}: [${JSON.stringify(value)}]`
          : `write ${formatRolesPath(at.slice(-1))} as a list of strings`,
      );
      return undefined;
    }
    let ok = true;
    value.forEach((item: unknown, index) => {
      if (typeof item === 'string') return;
      ok = false;
      this.problem([...at, index], `expected a string, got ${describe(item)}`, quoteHint);
    });
    return ok ? value.filter((item): item is string => typeof item === 'string') : undefined;
  }
}

function globHint(alphabet: GlobAlphabet, what: string): string {
  return `${what} hold ${GLOB_ALPHABETS[alphabet].says}; use * for any run of characters and ? for one`;
}

/** Checks each string of a list; the others are reported as not strings already. */
type ListCheck = (scope: Scope, list: readonly unknown[], at: readonly PathStep[]) => void;

function globs(alphabet: GlobAlphabet, what: string): ListCheck {
  return (scope, list, at) =>
    list.forEach((pattern, index) => {
      // `""` in api_groups is the core group, not an empty glob.
      if (typeof pattern !== 'string' || (pattern === '' && alphabet === 'subdomain')) return;
      const reason = globError(pattern, alphabet);
      if (reason === 'is empty')
        scope.problem(
          [...at, index],
          'the empty string matches nothing',
          `remove it, or write * for all ${what}`,
        );
      else if (reason !== undefined)
        scope.problem([...at, index], `${JSON.stringify(pattern)} ${reason}`, globHint(alphabet, what));
    });
}

const checkVerbs: ListCheck = (scope, verbs, at) => {
  verbs.forEach((verb, index) => {
    if (typeof verb !== 'string' || KNOWN_VERBS.includes(verb)) return;
    const near = suggest(verb, VERB_SUGGESTIONS);
    scope.problem(
      [...at, index],
      `unknown verb ${JSON.stringify(verb)} (known: ${KNOWN_VERBS.join(', ')})`,
      near === undefined ? 'use one of the known verbs' : `write ${JSON.stringify(near)}`,
    );
  });
};

const checkResources: ListCheck = (scope, resources, at) => {
  resources.forEach((pattern, index) => {
    const error = typeof pattern === 'string' ? resourcePatternError(pattern) : undefined;
    if (error) scope.problem([...at, index], `${JSON.stringify(pattern)} ${error.reason}`, error.hint);
  });
};

/** A required or optional list of a rule; `undefined` when it is missing or bad. */
function ruleList(
  scope: Scope,
  rule: Record<string, unknown>,
  at: readonly PathStep[],
  field: string,
  whenMissing: { hint: string } | { default: string[] },
  check: ListCheck,
): string[] | undefined {
  const where = [...at, field];
  if (!Object.hasOwn(rule, field)) {
    if ('default' in whenMissing) return whenMissing.default;
    scope.problem(at, `${field} is missing`, whenMissing.hint);
    return undefined;
  }
  const value = rule[field];
  if (value === null || (Array.isArray(value) && value.length === 0)) {
    scope.problem(
      at,
      `${field} is empty`,
      'default' in whenMissing
        ? `leave ${field} out to match all, or list some`
        : `list at least one; a rule with no ${field} would match nothing`,
      field,
    );
    return undefined;
  }
  if (Array.isArray(value)) check(scope, value, where);
  return scope.strings(value, where);
}

function checkRule(scope: Scope, value: unknown, at: readonly PathStep[]): RoleRule | undefined {
  if (!isRecord(value)) {
    scope.problem(
      at,
      `expected a mapping with clusters, resources and verbs, got ${describe(value)}`,
      'write each rule as a mapping',
    );
    return undefined;
  }
  scope.unknownFields(value, at, RULE_FIELDS);
  const clusters = ruleList(
    scope,
    value,
    at,
    'clusters',
    { hint: 'list the clusters the rule applies to, such as clusters: ["dev-*"], or ["*"] for all' },
    globs('label', 'cluster names'),
  );
  const namespaces = ruleList(
    scope,
    value,
    at,
    'namespaces',
    { default: ['*'] },
    globs('label', 'namespaces'),
  );
  const apiGroups = ruleList(
    scope,
    value,
    at,
    'api_groups',
    { default: ['*'] },
    globs('subdomain', 'API groups'),
  );
  const resources = ruleList(
    scope,
    value,
    at,
    'resources',
    { hint: 'list the resources, such as resources: ["pods", "pods/log"], or ["*"] for all' },
    checkResources,
  );
  const verbs = ruleList(
    scope,
    value,
    at,
    'verbs',
    { hint: 'list the verbs, such as verbs: ["get", "list", "watch"], or ["*"] for all' },
    checkVerbs,
  );
  if (!clusters || !namespaces || !apiGroups || !resources || !verbs) return undefined;
  return { clusters, namespaces, api_groups: apiGroups, resources, verbs };
}

function checkRules(scope: Scope, role: Record<string, unknown>, field: 'rules' | 'deny'): RoleRule[] {
  const value = role[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    scope.problem([field], `expected a list of rules, got ${describe(value)}`, `write ${field} as a list`);
    return [];
  }
  const rules: RoleRule[] = [];
  value.forEach((item: unknown, index) => {
    const rule = checkRule(scope, item, [field, index]);
    if (rule) rules.push(rule);
  });
  return rules;
}

function isEmptyList(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/**
 * One role. What comes back may lack parts that had problems; the caller uses it only
 * when nothing at all was reported.
 */
function checkRole(report: ReportProblem, value: unknown, index: number): Role | undefined {
  const name =
    isRecord(value) && typeof value.name === 'string' && value.name !== '' ? value.name : undefined;
  const label = name === undefined ? `roles[${index}]` : `role ${JSON.stringify(name)}`;
  const scope = new Scope(report, ['roles', index], label);
  if (!isRecord(value)) {
    scope.problem(
      [],
      `expected a mapping with name and rules, got ${describe(value)}`,
      'write each role as a mapping',
    );
    return undefined;
  }
  scope.unknownFields(value, [], ROLE_FIELDS);
  if (name === undefined) {
    if (value.name === undefined || value.name === null || value.name === '')
      scope.problem([], 'name is missing', 'give every role a name, such as name: developer');
    else scope.problem(['name'], `expected a string, got ${describe(value.name)}`, quoteHint);
  } else if (!ROLE_NAME_PATTERN.test(name))
    scope.problem(
      ['name'],
      `${JSON.stringify(name)} is not a valid role name`,
      'use 1-63 lowercase letters, digits or : . _ -, starting with a letter or digit',
    );
  const { description } = value;
  if (description !== undefined && description !== null && typeof description !== 'string')
    scope.problem(['description'], `expected a string, got ${describe(description)}`, quoteHint);
  if (isEmptyList(value.rules) && isEmptyList(value.deny))
    scope.problem(
      [],
      'has no rules and no deny rules',
      'add rules (what the role allows) or deny (what it refuses), or remove the role',
    );
  const rules = checkRules(scope, value, 'rules');
  const deny = checkRules(scope, value, 'deny');
  if (name === undefined) return undefined;
  const role: Role = { name, rules, deny };
  if (typeof description === 'string') role.description = description;
  return role;
}

function checkUser(report: ReportProblem, value: unknown, index: number): UserRoles | undefined {
  const username =
    isRecord(value) && typeof value.username === 'string' && value.username !== ''
      ? value.username
      : undefined;
  const label = username === undefined ? `users[${index}]` : `user ${JSON.stringify(username)}`;
  const scope = new Scope(report, ['users', index], label);
  if (!isRecord(value)) {
    scope.problem(
      [],
      `expected a mapping with username and roles, got ${describe(value)}`,
      'write each user as a mapping: { username: dev@example.com, roles: [developer] }',
    );
    return undefined;
  }
  scope.unknownFields(value, [], USER_FIELDS);
  if (username === undefined) {
    if (value.username === undefined || value.username === null || value.username === '')
      scope.problem([], 'username is missing', 'name the user, such as username: dev@example.com');
    else scope.problem(['username'], `expected a string, got ${describe(value.username)}`, quoteHint);
  } else if (!USERNAME_PATTERN.test(username))
    scope.problem(
      ['username'],
      `${JSON.stringify(username)} is not a valid username`,
      'use 1-64 lowercase letters, digits or . _ @ -, starting with a letter or digit',
    );
  let roles: string[] | undefined;
  if (!Object.hasOwn(value, 'roles'))
    scope.problem(
      [],
      'roles is missing',
      "list the user's roles, such as roles: [developer], or [] for none",
    );
  else if (value.roles === null) roles = [];
  else roles = scope.strings(value.roles, ['roles']);
  const seen = new Set<string>();
  roles?.forEach((role, i) => {
    if (!ROLE_NAME_PATTERN.test(role))
      scope.problem(
        ['roles', i],
        `${JSON.stringify(role)} is not a valid role name`,
        'use 1-63 lowercase letters, digits or : . _ -, starting with a letter or digit',
      );
    else if (seen.has(role))
      scope.problem(['roles', i], `${JSON.stringify(role)} is listed twice`, 'list each role once');
    seen.add(role);
  });
  if (username === undefined || roles === undefined) return undefined;
  return { username, roles };
}

/** Reports a second entry with a name already seen, naming the first. */
function checkUnique(
  report: ReportProblem,
  entries: ReadonlyArray<{ index: number; name: string }>,
  list: 'roles' | 'users',
  field: 'name' | 'username',
): void {
  const first = new Map<string, number>();
  for (const { index, name } of entries) {
    const earlier = first.get(name);
    if (earlier === undefined) first.set(name, index);
    else
      report(
        [list, index, field],
        `${list}[${index}]: ${field} ${JSON.stringify(name)} duplicates ${list}[${earlier}]`,
        `rename or remove one of the ${list === 'roles' ? 'roles' : 'entries'} named ${JSON.stringify(name)}`,
      );
  }
}

function checkList<T>(
  report: ReportProblem,
  doc: Record<string, unknown>,
  field: 'roles' | 'users',
  check: (report: ReportProblem, value: unknown, index: number) => T | undefined,
): Array<{ index: number; value: T }> {
  const value = doc[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    report([field], `${field}: expected a list, got ${describe(value)}`, `write ${field} as a list`);
    return [];
  }
  const out: Array<{ index: number; value: T }> = [];
  value.forEach((item: unknown, index) => {
    const checked = check(report, item, index);
    if (checked !== undefined) out.push({ index, value: checked });
  });
  return out;
}

/**
 * Checks a whole document, reporting every problem to `report`; the result is complete
 * only when nothing was reported.
 */
export function checkRolesDocument(value: unknown, report: ReportProblem): RolesDocument {
  if (!isRecord(value)) {
    report(
      [],
      `the document is ${value === null || value === undefined ? 'empty' : describe(value)}, not a mapping with roles and users`,
      'write a mapping with roles: (a list of roles) and, optionally, users:',
    );
    return { roles: [], users: [] };
  }
  new Scope(report, [], '').unknownFields(value, [], TOP_FIELDS);
  if (!Object.hasOwn(value, 'roles'))
    report([], 'roles is missing', 'add roles: with a list of roles, or roles: [] for none');
  const roles = checkList(report, value, 'roles', checkRole);
  const users = checkList(report, value, 'users', checkUser);
  checkUnique(
    report,
    roles.map(({ index, value }) => ({ index, name: value.name })),
    'roles',
    'name',
  );
  checkUnique(
    report,
    users.map(({ index, value }) => ({ index, name: value.username })),
    'users',
    'username',
  );
  return { roles: roles.map((r) => r.value), users: users.map((u) => u.value) };
}

/**
 * Checks a roles document already read from JSON or YAML and fills in its defaults.
 *
 * @throws {@link RolesInvalidError} (code `INVALID_ARGUMENT`) listing every problem, each
 * naming the role or user and the field, e.g.
 * `role "developer": rules[0].verbs[2]: unknown verb "gett" (known: get, list, …)`.
 * @example
 * ```ts
 * const doc = validateRolesDocument(JSON.parse(body), { source: 'request body' });
 * ```
 */
export function validateRolesDocument(value: unknown, options: RolesSourceOptions = {}): RolesDocument {
  const problems: RolesProblem[] = [];
  const doc = checkRolesDocument(value, (_at, message, hint) => problems.push({ message, hint }));
  if (problems.length > 0) throw new RolesInvalidError(problems, options.source);
  return doc;
}
