/** Who a request runs as, like k8s.io/apiserver's user.Info. */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Every authenticated user is in this group. */
export const allAuthenticated = 'system:authenticated';
/** Members may do anything (kube's `cluster-admin` binding). */
export const mastersGroup = 'system:masters';

/** Adds `system:authenticated` unless present. */
export function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes(allAuthenticated)
    ? user
    : { ...user, groups: [...user.groups, allAuthenticated] };
}
