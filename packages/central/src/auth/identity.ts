/** Who is calling, as central and its proxy see it after authentication. */
export interface Identity {
  userId: string;
  username: string;
  /** The user's roles now (read from the store, not from the token), sorted. */
  roles: string[];
}

/** The role that administers central (users, clusters). */
export const ADMIN_ROLE = 'admin';

export function isAdmin(identity: Identity): boolean {
  return identity.roles.includes(ADMIN_ROLE);
}
