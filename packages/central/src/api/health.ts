import type { CentralServices } from '../services.ts';
import type { Api } from './app.ts';

/** `GET /healthz` and the public key sets; none needs a token. */
export function healthRoutes(app: Api, services: CentralServices): void {
  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/.well-known/jwks.json', { config: { public: true } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return services.auth.accessJwks();
  });
}
