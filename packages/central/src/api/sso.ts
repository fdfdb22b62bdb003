/**
 * `POST /auth/sso/start` and `POST /auth/sso`: single sign-on (see auth/sso/service.ts
 * and docs/sso.md). Both are public: the ID token is the credential.
 */
import { KgateError } from '@kgate/core/errors';
import { z } from 'zod';
import type { SsoLogin, SsoService } from '../auth/sso/service.ts';
import type { CentralServices } from '../services.ts';
import type { Api } from './app.ts';
import { sessionJson } from './auth.ts';
import { parseBody } from './validation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified ID token of `POST /auth/sso`, between validation and the handler. */
    ssoLogin?: SsoLogin;
  }
}

const ssoBody = z.strictObject({
  // ID tokens are a few kilobytes; the API's body limit bounds the rest.
  id_token: z
    .string({ error: 'expected a string' })
    .min(1, { error: 'must not be empty' })
    .max(32 * 1024),
});

function configured(sso: SsoService | undefined): SsoService {
  if (!sso) {
    throw new KgateError('FAILED_PRECONDITION', 'single sign-on is not configured on this server', {
      hint: 'log in with kgate login (password), or ask the operator to set auth.oidc (docs/sso.md)',
    });
  }
  return sso;
}

/** Registers the single sign-on routes. */
export function ssoRoutes(app: Api, { sso }: CentralServices): void {
  app.post('/auth/sso/start', { config: { public: true } }, async (request, reply) => {
    const started = await configured(sso).start(request.ip);
    reply.header('cache-control', 'no-store');
    return { nonce: started.nonce, expires_in: started.expiresIn };
  });

  app.post(
    '/auth/sso',
    {
      config: { public: true },
      // The token is verified before the write-ahead audit row (preHandler), which then
      // names the user; nothing changes until the handler runs, after that row is written.
      preValidation: async (request) => {
        const body = parseBody(ssoBody, request.body);
        const login = await configured(sso).verify(body.id_token, request.ip);
        request.ssoLogin = login;
        request.identity = { userId: login.userId, username: login.username, roles: login.roles };
      },
    },
    async (request, reply) => {
      const login = request.ssoLogin;
      if (!login) throw new KgateError('INTERNAL', 'POST /auth/sso reached its handler unverified');
      const session = await configured(sso).complete(login, request.ip);
      reply.header('cache-control', 'no-store');
      return sessionJson(session);
    },
  );
}
