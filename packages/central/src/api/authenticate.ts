import { KgateError } from '@kgate/core/errors';
import type { FastifyRequest } from 'fastify';
import { type Identity, isAdmin } from '../auth/identity.ts';
import type { AuthService } from '../auth/service.ts';
import type { Api } from './app.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set for every route not marked `config: { public: true }`. */
    identity?: Identity;
  }
  interface FastifyContextConfig {
    /** The route needs no access token (login, refresh, JWKS, health). */
    public?: boolean;
  }
}

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Authenticates every request unless its route is marked public. Secure by default: a
 * route added without thinking about it requires a valid access token.
 */
export function installAuthentication(app: Api, auth: AuthService): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public === true) return;
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      throw new KgateError('UNAUTHENTICATED', 'this request needs an access token', {
        hint: 'send Authorization: Bearer <access token> (POST /auth/login gives one)',
      });
    }
    request.identity = await auth.verifyAccessToken(token);
  });
}

/** The caller of an authenticated route. */
export function identityOf(request: FastifyRequest): Identity {
  if (!request.identity)
    throw new KgateError('INTERNAL', 'route has no identity; is it marked public by mistake?');
  return request.identity;
}

/** The caller, who must hold role `admin`. */
export function requireAdmin(request: FastifyRequest): Identity {
  const identity = identityOf(request);
  if (!isAdmin(identity)) {
    throw new KgateError('PERMISSION_DENIED', `user "${identity.username}" is not an admin`, {
      hint: 'ask an admin to do this, or to give you the admin role',
    });
  }
  return identity;
}
