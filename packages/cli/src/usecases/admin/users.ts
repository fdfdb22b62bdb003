/** Admin actions on users, addressed by username (central's API takes ids). */
import type { CliContext } from '../../context.ts';
import { userError } from '../../errors.ts';
import { type CentralUser, listUsersRequest } from '../../infrastructure/central/users.ts';
import type { StoredSession } from '../session.ts';

/** The user named `username`. */
export async function findUser(
  context: CliContext,
  session: StoredSession,
  username: string,
): Promise<CentralUser> {
  const users = await listUsersRequest(context.transport, context.connection(session), session.accessToken);
  const user = users.find((u) => u.username === username);
  if (user === undefined) {
    throw userError(
      'USER_NOT_FOUND',
      `no user named "${username}" at ${session.server}`,
      'list them with `kgate admin users list`',
    );
  }
  return user;
}
