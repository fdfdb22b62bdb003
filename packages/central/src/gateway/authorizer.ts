/**
 * Central RBAC in the proxy: the {@link ProxyAuthorizer} port over the RBAC service, and
 * the closing of open requests (watches, exec, attach, port-forward) that a change of
 * roles or a removed user no longer allows.
 */
import type { K8sProxy, ProxyAuthorizer } from '../proxy/index.ts';
import type { RbacService } from '../rbac/service.ts';
import type { Store } from '../store/index.ts';
import type { TunnelLogger } from '../tunnel/ports.ts';

export function rbacAuthorizer(rbac: RbacService): ProxyAuthorizer {
  return { authorize: (identity, cluster, info) => rbac.authorize(identity, cluster.clusterName, info) };
}

/**
 * Re-decides every affected open request when access changes, with the user's roles as
 * the store has them now; those no longer allowed (or whose user is gone) are closed.
 */
export function closeRevokedOnAccessChange(
  rbac: RbacService,
  store: Store,
  proxy: Pick<K8sProxy, 'closeRevoked'>,
  logger: TunnelLogger,
): void {
  rbac.onAccessChange((change) => {
    const affected = 'everyone' in change ? undefined : new Set(change.userIds);
    // One read per user, however many requests they have open.
    const users = new Map<string, ReturnType<Store['users']['findById']>>();
    const findUser = (id: string) => {
      const known = users.get(id);
      if (known !== undefined) return known;
      const user = store.users.findById(id);
      users.set(id, user);
      return user;
    };
    proxy
      .closeRevoked(async (open) => {
        if (affected !== undefined && !affected.has(open.identity.userId)) return true;
        const user = await findUser(open.identity.userId);
        if (user === undefined || user.username !== open.identity.username) return false;
        const identity = { userId: user.id, username: user.username, roles: user.roles };
        return (await rbac.authorize(identity, open.cluster.clusterName, open.info)).allowed;
      }, 'access revoked: the user was removed or their roles no longer allow this request')
      .then((closed) => {
        if (closed > 0) logger.info('closed open requests after an access change', { closed });
      })
      .catch((error: unknown) =>
        logger.warn('re-checking open requests after an access change failed', { error: String(error) }),
      );
  });
}
