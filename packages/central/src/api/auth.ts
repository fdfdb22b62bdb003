import { KgateError } from '@kgate/core/errors';
import { z } from 'zod';
import type { Session } from '../auth/service.ts';
import type { CentralServices } from '../services.ts';
import type { Api } from './app.ts';
import { identityOf } from './authenticate.ts';
import { parseBody } from './validation.ts';

const loginBody = z.strictObject({
  // Login accepts any string: a malformed name simply does not match a user.
  username: z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' }).max(256),
  password: z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' }).max(1024),
});
const refreshBody = z.strictObject({
  refresh_token: z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' }).max(256),
});

/** The body of every answer that starts a session (password login, refresh, single sign-on). */
export function sessionJson(session: Session) {
  return {
    access_token: session.accessToken,
    refresh_token: session.refreshToken,
    token_type: 'Bearer',
    expires_in: session.expiresIn,
    user: { id: session.user.id, username: session.user.username, roles: session.user.roles },
  };
}

/** `/auth/login`, `/auth/refresh`, `/auth/logout`, `/auth/whoami`. */
export function authRoutes(app: Api, { auth, config }: CentralServices): void {
  app.post('/auth/login', { config: { public: true } }, async (request, reply) => {
    if (!config.auth.passwordLogin) {
      throw new KgateError('PERMISSION_DENIED', 'password login is disabled on this server', {
        hint: 'log in with single sign-on: kgate login --sso',
      });
    }
    const body = parseBody(loginBody, request.body);
    const session = await auth.login(body.username, body.password, request.ip);
    reply.header('cache-control', 'no-store');
    return sessionJson(session);
  });

  app.post('/auth/refresh', { config: { public: true } }, async (request, reply) => {
    const body = parseBody(refreshBody, request.body);
    reply.header('cache-control', 'no-store');
    return sessionJson(await auth.refresh(body.refresh_token));
  });

  // Public: the refresh token in the body is the credential (the access token may have expired).
  app.post('/auth/logout', { config: { public: true } }, async (request, reply) => {
    const body = parseBody(refreshBody, request.body);
    await auth.logout(body.refresh_token);
    return reply.status(204).send();
  });

  app.get('/auth/whoami', async (request) => {
    const identity = identityOf(request);
    return { id: identity.userId, username: identity.username, roles: identity.roles };
  });
}
