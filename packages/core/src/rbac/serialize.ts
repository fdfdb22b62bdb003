/**
 * {@link RolesDocument} → canonical YAML, as `kgate admin roles list -o yaml` prints it:
 * keys always in the documented order, every rule list written out (defaults too) on one
 * line as double-quoted strings, empty `rules`, `deny` and `users` left out. The text
 * parses back to the same document with {@link parseRolesDocument}.
 */
import { Document, isScalar, Scalar, type YAMLSeq } from 'yaml';
import type { Role, RoleRule, UserRoles } from './types.ts';

/**
 * Writes roles (and, when given and not empty, user assignments) as canonical YAML.
 *
 * @example
 * ```ts
 * stringifyRolesDocument({ roles: [{ name: 'admin', rules: [{ clusters: ['*'], namespaces: ['*'], api_groups: ['*'], resources: ['*'], verbs: ['*'] }], deny: [] }] });
 * // roles:
 * //   - name: admin
 * //     rules:
 * //       - clusters: ["*"]
 * //         namespaces: ["*"]
 * // …
 * ```
 */
export function stringifyRolesDocument(doc: {
  roles: readonly Role[];
  users?: readonly UserRoles[];
}): string {
  const yaml = new Document();
  const flowList = (values: readonly string[], quoted: boolean): YAMLSeq => {
    const seq = yaml.createNode([...values]);
    seq.flow = true;
    // Globs quoted always: a plain `*` would read as an alias and `?x` as a key.
    if (quoted) for (const item of seq.items) if (isScalar(item)) item.type = Scalar.QUOTE_DOUBLE;
    return seq;
  };
  const rule = (r: RoleRule) => ({
    clusters: flowList(r.clusters, true),
    namespaces: flowList(r.namespaces, true),
    api_groups: flowList(r.api_groups, true),
    resources: flowList(r.resources, true),
    verbs: flowList(r.verbs, true),
  });
  const role = (r: Role) => {
    const out: Record<string, unknown> = { name: r.name };
    if (r.description !== undefined) out.description = r.description;
    if (r.rules.length > 0) out.rules = r.rules.map(rule);
    if (r.deny.length > 0) out.deny = r.deny.map(rule);
    return out;
  };
  const out: Record<string, unknown> = { roles: doc.roles.map(role) };
  if (doc.users !== undefined && doc.users.length > 0)
    out.users = doc.users.map((u) => ({ username: u.username, roles: flowList(u.roles, false) }));
  yaml.contents = yaml.createNode(out);
  return yaml.toString({ indentSeq: true, lineWidth: 0, flowCollectionPadding: false });
}
