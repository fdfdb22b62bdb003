/**
 * Central's RBAC as the rest of central uses it: the roles in the store, compiled once
 * into a policy (`@kgate/core/rbac`) and asked on every proxied request; applying a
 * roles document; and telling the proxy when access changed, so it can close the open
 * watches and exec sessions that are no longer allowed.
 */
import { KgateError } from '@kgate/core/errors';
import {
  authorize,
  canReachCluster,
  compilePolicy,
  type Policy,
  type Role,
  type RolesDocument,
  validateRolesDocument,
} from '@kgate/core/rbac';
import type { RequestInfo } from '@kgate/core/request-info';
import type { Logger } from 'pino';
import { ADMIN_ROLE, type Identity } from '../auth/identity.ts';
import type { Clock } from '../clock.ts';
import type { ProxyDecision } from '../proxy/ports.ts';
import type { Store } from '../store/index.ts';

/** Whose access changed: some users, or everyone (a role's rules changed). */
export type AccessChange = { userIds: string[] } | { everyone: true };

/** What applying a roles document did. */
export interface ApplyResult {
  roles: Array<{ name: string; action: 'created' | 'updated' | 'unchanged' }>;
  users: Array<{ username: string; action: 'updated' | 'unchanged' }>;
}

export interface RbacService {
  /** Central's decision for one request of `identity` to `clusterName`. */
  authorize(identity: Identity, clusterName: string, info: RequestInfo): Promise<ProxyDecision>;
  /** Whether any role of `identity` allows anything on `clusterName` (`GET /clusters` shows it). */
  canReach(identity: Identity, clusterName: string): Promise<boolean>;
  /** The roles and every user's roles, as `kgate admin roles list` shows them. */
  document(): Promise<RolesDocument>;
  /**
   * Creates or replaces the document's roles and sets the listed users' roles, in one
   * transaction: all of it lands, or nothing (any unknown user or role is an error).
   */
  apply(document: unknown): Promise<ApplyResult>;
  /**
   * Calls `listener` after every change of access (after the change is committed): at
   * once for changes made through this service, within {@link ACCESS_CHECK_MS} for those
   * made on another replica (as `{ everyone: true }`).
   */
  onAccessChange(listener: (change: AccessChange) => void): void;
  /** Announces a change made elsewhere in this process (a user's roles set or the user deleted). */
  accessChanged(change: AccessChange): void;
  /** Stops watching for changes made on other replicas. */
  close(): void;
}

/**
 * How long a replica trusts what it knows of access before asking the store whether it
 * changed elsewhere (on another replica): the longest such a change takes to reach this
 * replica's next request and to close the open requests it no longer allows here.
 */
const ACCESS_CHECK_MS = 2000;

export function createRbacService(options: {
  store: Store;
  clock: Clock;
  /** Where a failed check for changes made elsewhere is reported. */
  logger?: Pick<Logger, 'warn'>;
}): RbacService {
  const { store, clock } = options;
  const listeners: Array<(change: AccessChange) => void> = [];
  let cached: { policy: Policy; version: number; checkedAt: number } | undefined;
  let loading: Promise<Policy> | undefined;

  // Read the version before the roles: a change landing in between is seen as newer
  // next time, never missed.
  const compileFromStore = async (): Promise<Policy> => {
    const version = await store.accessVersion.current();
    if (cached !== undefined && cached.version === version) {
      cached.checkedAt = Date.now();
      return cached.policy;
    }
    const roles = (await store.roles.list()).map((row) => row.definition as Role);
    const policy = compilePolicy(roles);
    cached = { policy, version, checkedAt: Date.now() };
    return policy;
  };

  const policy = (): Promise<Policy> | Policy => {
    if (cached !== undefined && Date.now() - cached.checkedAt < ACCESS_CHECK_MS) return cached.policy;
    loading ??= compileFromStore().finally(() => {
      loading = undefined;
    });
    return loading;
  };

  const announce = (change: AccessChange) => {
    cached = undefined;
    for (const listener of listeners) listener(change);
  };

  // Changes made on other replicas: the access version moved on without this replica
  // announcing it. (This replica's own changes move it too and are re-checked once more.)
  let seen: number | undefined;
  let checking = false;
  let watcher: NodeJS.Timeout | undefined;
  const checkElsewhere = async () => {
    if (checking) return;
    checking = true;
    try {
      const version = await store.accessVersion.current();
      if (seen !== undefined && version !== seen) announce({ everyone: true });
      seen = version;
    } catch (error) {
      options.logger?.warn(
        { error: String(error) },
        'checking for access changes made on other replicas failed',
      );
    } finally {
      checking = false;
    }
  };

  return {
    async authorize(identity, clusterName, info) {
      const decision = authorize(await policy(), identity.roles, clusterName, info);
      return decision.allowed
        ? { allowed: true, rule: decision.rule }
        : {
            allowed: false,
            reason: decision.reason,
            ...(decision.rule === undefined ? {} : { rule: decision.rule }),
          };
    },

    async canReach(identity, clusterName) {
      return canReachCluster(await policy(), identity.roles, clusterName);
    },

    async document() {
      const [roles, users] = await Promise.all([store.roles.list(), store.users.list()]);
      return {
        roles: roles.map((row) => row.definition as Role),
        users: users.filter((u) => u.roles.length > 0).map((u) => ({ username: u.username, roles: u.roles })),
      };
    },

    async apply(input) {
      const document = validateRolesDocument(input);
      const now = clock();
      const result = await store.transaction(async (tx) => {
        const existing = new Set((await tx.roles.list()).map((r) => r.name));
        const defined = new Set([...existing, ...document.roles.map((r) => r.name)]);
        const problems: string[] = [];
        const assignments: Array<{ id: string; username: string; roles: string[]; before: string[] }> = [];
        for (const entry of document.users) {
          const user = await tx.users.findByUsername(entry.username);
          if (user === undefined) {
            problems.push(
              `users: user "${entry.username}" does not exist (create it with kgate admin users create)`,
            );
            continue;
          }
          for (const role of entry.roles)
            if (!defined.has(role))
              problems.push(
                `users: user "${entry.username}": role "${role}" is not defined here or at central`,
              );
          assignments.push({ id: user.id, username: user.username, roles: entry.roles, before: user.roles });
        }
        if (problems.length > 0)
          throw new KgateError('INVALID_ARGUMENT', problems.join('; '), {
            hint: 'fix the roles document and apply it again; nothing was changed',
          });
        const roles: ApplyResult['roles'] = [];
        for (const role of document.roles) {
          const changed = await tx.roles.upsert(role.name, role, now);
          roles.push({
            name: role.name,
            action: !existing.has(role.name) ? 'created' : changed ? 'updated' : 'unchanged',
          });
        }
        const users: ApplyResult['users'] = [];
        for (const assignment of assignments) {
          const after = [...new Set(assignment.roles)].sort();
          const same =
            after.length === assignment.before.length && after.every((r, i) => r === assignment.before[i]);
          if (!same) await tx.users.setRoles(assignment.id, after);
          users.push({ username: assignment.username, action: same ? 'unchanged' : 'updated' });
        }
        const admins = await tx.users.idsWithRole(ADMIN_ROLE);
        if (admins.length === 0)
          throw new KgateError(
            'FAILED_PRECONDITION',
            'the document takes the admin role from every user; central would have no admin left',
            {
              hint: 'keep the admin role on at least one user; nothing was changed',
            },
          );
        return { roles, users };
      });
      if (
        result.roles.some((r) => r.action !== 'unchanged') ||
        result.users.some((u) => u.action !== 'unchanged')
      )
        announce({ everyone: true });
      return result;
    },

    onAccessChange(listener) {
      listeners.push(listener);
      if (watcher === undefined) {
        void checkElsewhere();
        watcher = setInterval(() => void checkElsewhere(), ACCESS_CHECK_MS);
        watcher.unref();
      }
    },

    accessChanged(change) {
      announce(change);
    },

    close() {
      clearInterval(watcher);
    },
  };
}

/** Role names a user may be given: those defined at central. */
export async function undefinedRoles(store: Store, roles: readonly string[]): Promise<string[]> {
  const defined = new Set((await store.roles.list()).map((r) => r.name));
  return roles.filter((role) => !defined.has(role));
}
