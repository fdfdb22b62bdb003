/** How users are printed by `kgate admin users list|create|set-roles`. */
import type { CentralUser } from '../infrastructure/central/users.ts';
import { formatAge, OUTPUT_API_VERSION, type OutputFormat, renderMachine, renderTable } from './format.ts';

/** One user in `-o json|yaml` (documented in packages/cli/README.md). */
export interface UserOutput {
  id: string;
  username: string;
  roles: string[];
  createdAt: string | null;
}

/** The `-o json|yaml` document of a user list. */
export interface UserListOutput {
  apiVersion: typeof OUTPUT_API_VERSION;
  kind: 'UserList';
  items: UserOutput[];
}

function toOutput(user: CentralUser): UserOutput {
  return { id: user.id, username: user.username, roles: user.roles, createdAt: user.createdAt };
}

/** Renders users in `format`. */
export function renderUsers(users: readonly CentralUser[], format: OutputFormat, now: Date): string {
  if (format === 'table') {
    if (users.length === 0) return '';
    return renderTable(
      ['USERNAME', 'ROLES', 'ID', 'AGE'],
      users.map((u) => [u.username, u.roles.join(',') || '<none>', u.id, formatAge(u.createdAt, now)]),
    );
  }
  const document: UserListOutput = {
    apiVersion: OUTPUT_API_VERSION,
    kind: 'UserList',
    items: users.map(toOutput),
  };
  return renderMachine(format, document);
}

/** Renders one user as a `User` document. */
export function renderUser(user: CentralUser, format: 'json' | 'yaml'): string {
  return renderMachine(format, { apiVersion: OUTPUT_API_VERSION, kind: 'User', ...toOutput(user) });
}
