/** `kgate logout`: revoke the refresh token at central (best effort) and forget the session. */
import type { CliContext } from '../context.ts';
import { logoutRequest } from '../infrastructure/central/auth.ts';

/** What happened. */
export interface LogoutResult {
  /** Whether a session was stored. */
  wasLoggedIn: boolean;
  /** `true` when central revoked it; the reason otherwise (central down, already revoked). */
  revoked: true | string;
  /** Where stored tokens were removed from. */
  removedFrom: string[];
}

/** Logs out of `server`. The local tokens are removed even when central cannot be told. */
export async function logout(context: CliContext, server: string): Promise<LogoutResult> {
  const found = await context.sessions.find(server);
  if (found === undefined) return { wasLoggedIn: false, revoked: 'no session was stored', removedFrom: [] };
  let revoked: true | string = true;
  try {
    await logoutRequest(context.transport, context.connection(found.session), found.session.refreshToken);
  } catch (error) {
    revoked = error instanceof Error ? error.message : String(error);
  }
  const removedFrom = await context.sessions.removeAll(server);
  return { wasLoggedIn: true, revoked, removedFrom };
}
