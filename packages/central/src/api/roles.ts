import type { CentralServices } from '../services.ts';
import type { Api } from './app.ts';
import { requireAdmin } from './authenticate.ts';

/**
 * `/roles`: central RBAC. `GET` returns the roles document (every role, and the users
 * that have roles); `POST /roles/apply` applies one (idempotent; all or nothing). Admin only.
 */
export function roleRoutes(app: Api, services: CentralServices): void {
  const { rbac } = services;

  app.get('/roles', async (request) => {
    requireAdmin(request);
    return rbac.document();
  });

  app.post('/roles/apply', async (request) => {
    requireAdmin(request);
    return rbac.apply(request.body);
  });
}
