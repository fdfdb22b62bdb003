import { randomUUID } from 'node:crypto';
import { KgateError } from '@kgate/core/errors';
import { z } from 'zod';
import { ADMIN_ROLE } from '../auth/identity.ts';
import { undefinedRoles } from '../rbac/service.ts';
import type { CentralServices } from '../services.ts';
import { isUniqueViolation, type Store, type User } from '../store/index.ts';
import type { Api } from './app.ts';
import { requireAdmin } from './authenticate.ts';
import { parseBody, password, roles, username } from './validation.ts';

const createBody = z.strictObject({ username, password, roles: roles.default([]) });
const rolesBody = z.strictObject({ roles });
const idParams = z.strictObject({ id: z.string().min(1).max(64) });

function userJson(user: User) {
  return {
    id: user.id,
    username: user.username,
    roles: user.roles,
    created_at: user.createdAt.toISOString(),
  };
}

function notFound(id: string): KgateError {
  return new KgateError('NOT_FOUND', `user "${id}" not found`, {
    hint: 'GET /users lists the users and their ids',
  });
}

/** Refuses a change that would leave no admin: nobody could manage central any more. */
async function keepAnAdmin(tx: Store, userId: string): Promise<void> {
  const admins = await tx.users.idsWithRole(ADMIN_ROLE);
  if (admins.length === 1 && admins[0] === userId) {
    throw new KgateError('FAILED_PRECONDITION', 'this is the last admin; central would have no admin left', {
      hint: 'give another user the admin role first',
    });
  }
}

/** Refuses role names no role defines: a typo would silently grant nothing. */
async function requireDefinedRoles(store: Store, names: readonly string[]): Promise<void> {
  const missing = await undefinedRoles(store, names);
  if (missing.length > 0)
    throw new KgateError(
      'INVALID_ARGUMENT',
      `role${missing.length > 1 ? 's' : ''} ${missing.map((r) => `"${r}"`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not defined`,
      { hint: 'kgate admin roles list shows the roles; kgate admin roles apply -f defines new ones' },
    );
}

/** `/users`: list, create, set roles, delete — all admin only. */
export function userRoutes(app: Api, services: CentralServices): void {
  const { store, auth, clock, rbac } = services;

  app.get('/users', async (request) => {
    requireAdmin(request);
    return { users: (await store.users.list()).map(userJson) };
  });

  app.post('/users', async (request, reply) => {
    requireAdmin(request);
    const body = parseBody(createBody, request.body);
    await requireDefinedRoles(store, body.roles);
    const passwordHash = await auth.passwords.hash(body.password);
    const user = await store
      .transaction(async (tx) => {
        if (await tx.users.findByUsername(body.username)) return undefined;
        return tx.users.create({
          id: randomUUID(),
          username: body.username,
          passwordHash,
          roles: body.roles,
          createdAt: clock(),
        });
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) return undefined;
        throw error;
      });
    if (!user) {
      throw new KgateError('ALREADY_EXISTS', `user "${body.username}" already exists`, {
        hint: 'pick another name',
      });
    }
    return reply.status(201).send(userJson(user));
  });

  app.put('/users/:id/roles', async (request) => {
    requireAdmin(request);
    const { id } = parseBody(idParams, request.params);
    const body = parseBody(rolesBody, request.body);
    await requireDefinedRoles(store, body.roles);
    const user = await store.transaction(async (tx) => {
      const existing = await tx.users.findById(id);
      if (!existing) throw notFound(id);
      if (existing.roles.includes(ADMIN_ROLE) && !body.roles.includes(ADMIN_ROLE)) await keepAnAdmin(tx, id);
      return tx.users.setRoles(id, body.roles);
    });
    if (!user) throw notFound(id);
    rbac.accessChanged({ userIds: [id] });
    return userJson(user);
  });

  app.delete('/users/:id', async (request, reply) => {
    requireAdmin(request);
    const { id } = parseBody(idParams, request.params);
    await store.transaction(async (tx) => {
      const existing = await tx.users.findById(id);
      if (!existing) throw notFound(id);
      if (existing.roles.includes(ADMIN_ROLE)) await keepAnAdmin(tx, id);
      await tx.users.delete(id);
    });
    rbac.accessChanged({ userIds: [id] });
    return reply.status(204).send();
  });
}
