/**
 * The roles document: named roles of allow and deny rules over clusters, namespaces,
 * API groups, resources and verbs, and which roles each user has. Field names are the
 * YAML's own, so a document reads the same in YAML, in JSON and in code.
 *
 * @example
 * ```yaml
 * roles:
 *   - name: developer              # ^[a-z0-9][a-z0-9:._-]{0,62}$
 *     description: Day-to-day work in dev clusters   # optional
 *     rules:                        # allow rules
 *       - clusters: ["dev-*"]       # required; globs: * any run, ? one character
 *         namespaces: ["*"]         # optional, default ["*"]
 *         api_groups: ["", "apps"]  # optional, default ["*"]; "" is the core group
 *         resources: ["pods", "deployments", "pods/log"]   # required
 *         verbs: ["get", "list", "watch", "logs", "exec"]  # required
 *     deny:                         # optional; a matching deny always wins
 *       - clusters: ["*"]
 *         resources: ["secrets"]
 *         verbs: ["*"]
 * users:                            # optional: username -> roles
 *   - username: dev@example.com     # ^[a-z0-9][a-z0-9._@-]{0,63}$
 *     roles: [developer]
 * ```
 */

/** One allow or deny rule. Every list is non-empty; a request must match one entry of each. */
export interface RoleRule {
  /** Cluster name globs (`*` any run of characters, `?` one), matched against the whole name. */
  clusters: string[];
  /**
   * Namespace globs; `["*"]` when the YAML leaves it out. Only `*` itself also matches
   * requests without a namespace (cluster-scoped objects, lists across all namespaces).
   */
  namespaces: string[];
  /** API group globs, `""` for the core group; `["*"]` when the YAML leaves it out. */
  api_groups: string[];
  /** `pods`, `pods/log`, `pods/*` (any subresource), `*\/scale` (that subresource of any resource), `*` (all). */
  resources: string[];
  /** Kubernetes verbs, `*`, or the shortcuts `logs`, `exec`, `portforward` (see {@link VERB_SHORTCUTS}). */
  verbs: string[];
}

/** A named set of allow rules and deny rules. */
export interface Role {
  /** Matches {@link ROLE_NAME_PATTERN}. */
  name: string;
  /** What the role is for, for people. */
  description?: string;
  /** Allow rules (empty when the YAML leaves them out). */
  rules: RoleRule[];
  /** Deny rules: one that matches refuses the request whatever any role allows. */
  deny: RoleRule[];
}

/** Which roles a user has. */
export interface UserRoles {
  /** Matches {@link USERNAME_PATTERN}. */
  username: string;
  /** Role names; a name no role of the document defines is allowed here (it may be defined elsewhere). */
  roles: string[];
}

/** A whole roles document, with defaults filled in. */
export interface RolesDocument {
  roles: Role[];
  /** Empty when the YAML leaves it out. */
  users: UserRoles[];
}

/** What a role name must look like (the same rule as central's user roles). */
export const ROLE_NAME_PATTERN = /^[a-z0-9][a-z0-9:._-]{0,62}$/;

/** What a username must look like (the same rule as central's usernames). */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

/** The Kubernetes verbs a rule may name, besides `*` and the shortcuts. */
export const KUBERNETES_VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'proxy',
  'impersonate',
  'bind',
  'escalate',
  'use',
  'approve',
  'sign',
] as const;

/**
 * Verbs that stand for a pod subresource in the core group, whatever the rule's
 * `resources` and `api_groups` say: the verbs kube-apiserver sees for that subresource.
 */
export const VERB_SHORTCUTS = {
  /** `kubectl logs`. */
  logs: { subresources: ['log'], verbs: ['get'] },
  /** `kubectl exec` and `kubectl attach`: POST over SPDY, GET over WebSocket. */
  exec: { subresources: ['exec', 'attach'], verbs: ['create', 'get'] },
  /** `kubectl port-forward`: POST over SPDY, GET over WebSocket. */
  portforward: { subresources: ['portforward'], verbs: ['create', 'get'] },
} as const satisfies Record<string, { subresources: readonly string[]; verbs: readonly string[] }>;

/** A verb shortcut's name. */
export type VerbShortcut = keyof typeof VERB_SHORTCUTS;

/** Every value a rule's `verbs` may hold, in the order messages list them. */
export const KNOWN_VERBS: readonly string[] = [...KUBERNETES_VERBS, '*', ...Object.keys(VERB_SHORTCUTS)];
