/**
 * Roles → a policy of precompiled matchers, built once when roles change and read on
 * every proxied request: globs become sets and one anchored regex per list, verbs a set,
 * verb shortcuts a map from pod subresource to the verbs they stand for.
 */
import { compileGlobs, type GlobSet } from './glob.ts';
import { compileResources, type ResourceMatcher } from './resources.ts';
import { type Role, type RoleRule, VERB_SHORTCUTS, type VerbShortcut } from './types.ts';
import { validateRolesDocument } from './validate.ts';

/** One rule, ready to match. */
export interface CompiledRule {
  /** The role it belongs to. */
  readonly role: string;
  /** Where it is, for decisions and audit: `developer.rules[0]`, `developer.deny[1]`. */
  readonly id: string;
  /** The rule's `clusters`. */
  readonly clusters: GlobSet;
  /** The rule's `namespaces`; only `all` matches requests without a namespace. */
  readonly namespaces: GlobSet;
  /** The rule's `api_groups`. */
  readonly apiGroups: GlobSet;
  /** The rule's `resources`. */
  readonly resources: ResourceMatcher;
  /** The rule's verbs hold `*`. */
  readonly anyVerb: boolean;
  /** The rule's verbs as written (shortcuts included; they only match through `podSubresources`). */
  readonly verbs: ReadonlySet<string>;
  /** From the verb shortcuts: core-group pod subresource → the verbs allowed (or denied) on it. */
  readonly podSubresources: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Every namespace, API group, resource and verb (`*` in each): on its clusters the rule
   * is all-powerful, so it also governs non-resource paths and whether a cluster is reachable.
   */
  readonly coversAll: boolean;
}

/** One role, ready to match. */
export interface CompiledRole {
  /** The role's name. */
  readonly name: string;
  /** Its allow rules (`rules`), in document order. */
  readonly allow: readonly CompiledRule[];
  /** Its deny rules, in document order. */
  readonly deny: readonly CompiledRule[];
}

/** The compiled form of a set of roles; build with {@link compilePolicy}, read with `authorize`. */
export interface Policy {
  /** Compiled roles by name. */
  readonly roles: ReadonlyMap<string, CompiledRole>;
}

function isShortcut(verb: string): verb is VerbShortcut {
  return Object.hasOwn(VERB_SHORTCUTS, verb);
}

function compileRule(role: string, id: string, rule: RoleRule): CompiledRule {
  const podSubresources = new Map<string, Set<string>>();
  for (const verb of rule.verbs) {
    if (!isShortcut(verb)) continue;
    const shortcut = VERB_SHORTCUTS[verb];
    for (const subresource of shortcut.subresources) {
      const verbs = podSubresources.get(subresource) ?? new Set<string>();
      for (const v of shortcut.verbs) verbs.add(v);
      podSubresources.set(subresource, verbs);
    }
  }
  const namespaces = compileGlobs(rule.namespaces);
  const apiGroups = compileGlobs(rule.api_groups);
  const anyVerb = rule.verbs.includes('*');
  return {
    role,
    id,
    clusters: compileGlobs(rule.clusters),
    namespaces,
    apiGroups,
    resources: compileResources(rule.resources),
    anyVerb,
    verbs: new Set(rule.verbs),
    podSubresources,
    coversAll: namespaces.all && apiGroups.all && rule.resources.includes('*') && anyVerb,
  };
}

/**
 * Checks and compiles roles. Role objects must have exactly the fields of {@link Role}
 * (as {@link parseRolesDocument} and {@link validateRolesDocument} return them).
 *
 * @throws {@link RolesInvalidError} (code `INVALID_ARGUMENT`) when a role is invalid or
 * two roles share a name.
 * @example
 * ```ts
 * const policy = compilePolicy(parseRolesDocument(text).roles);
 * authorize(policy, user.roles, 'dev-1', parseRequestInfo({ method: 'GET', path: '/api/v1/namespaces/default/pods' }));
 * ```
 */
export function compilePolicy(roles: readonly Role[]): Policy {
  const checked = validateRolesDocument({ roles });
  const compiled = new Map<string, CompiledRole>();
  for (const role of checked.roles) {
    compiled.set(role.name, {
      name: role.name,
      allow: role.rules.map((rule, i) => compileRule(role.name, `${role.name}.rules[${i}]`, rule)),
      deny: role.deny.map((rule, i) => compileRule(role.name, `${role.name}.deny[${i}]`, rule)),
    });
  }
  return { roles: compiled };
}
