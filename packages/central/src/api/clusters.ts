import { randomUUID } from 'node:crypto';
import { KgateError } from '@kgate/core/errors';
import { z } from 'zod';
import type { CentralServices } from '../services.ts';
import { type Cluster, isUniqueViolation } from '../store/index.ts';
import type { Api } from './app.ts';
import { identityOf, requireAdmin } from './authenticate.ts';
import { dnsLabel, duration, parseBody } from './validation.ts';

/** The longest a join token may live: an agent should be installed within a month. */
const MAX_JOIN_TOKEN_TTL_MS = 30 * 86_400_000;

const createBody = z.strictObject({ name: dnsLabel, ttl: duration(MAX_JOIN_TOKEN_TTL_MS).optional() });
const joinTokenBody = z.strictObject({ ttl: duration(MAX_JOIN_TOKEN_TTL_MS).optional() });
const nameParams = z.strictObject({ name: dnsLabel });

function clusterJson(cluster: Cluster, connected: boolean) {
  return {
    name: cluster.name,
    status: connected ? 'connected' : 'disconnected',
    last_seen: cluster.lastSeenAt?.toISOString() ?? null,
    kubernetes_version: cluster.kubernetesVersion,
    node_count: cluster.nodeCount,
    created_at: cluster.createdAt.toISOString(),
  };
}

function notFound(name: string): KgateError {
  return new KgateError('NOT_FOUND', `cluster "${name}" not found`, {
    hint: 'GET /clusters lists the clusters',
  });
}

/** `/clusters`: list (any user), create with a join token, new join token, delete (admin). */
export function clusterRoutes(app: Api, services: CentralServices): void {
  const { store, auth, presence, clock, config, rbac } = services;

  // Each user sees the clusters their roles reach.
  app.get('/clusters', async (request) => {
    const identity = identityOf(request);
    const clusters = [];
    for (const cluster of await store.clusters.list())
      if (await rbac.canReach(identity, cluster.name)) clusters.push(cluster);
    return { clusters: clusters.map((c) => clusterJson(c, presence.isConnected(c.name))) };
  });

  app.post('/clusters', async (request, reply) => {
    requireAdmin(request);
    const body = parseBody(createBody, request.body);
    const ttlMs = body.ttl ?? config.auth.joinTokenTtlMs;
    const created = await store
      .transaction(async (tx) => {
        if (await tx.clusters.findByName(body.name)) return undefined;
        const cluster = await tx.clusters.create({ id: randomUUID(), name: body.name, createdAt: clock() });
        return { cluster, join: await auth.issueJoinToken(tx, cluster, ttlMs) };
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) return undefined;
        throw error;
      });
    if (!created) {
      throw new KgateError('ALREADY_EXISTS', `cluster "${body.name}" already exists`, {
        hint: 'pick another name, or POST /clusters/{name}/join-tokens for a new join token',
      });
    }
    reply.header('cache-control', 'no-store');
    return reply.status(201).send({
      cluster: clusterJson(created.cluster, false),
      // Shown once: only its hash is stored.
      join_token: created.join.token,
      join_token_expires_at: created.join.expiresAt.toISOString(),
    });
  });

  app.post('/clusters/:name/join-tokens', async (request, reply) => {
    requireAdmin(request);
    const { name } = parseBody(nameParams, request.params);
    const body = parseBody(joinTokenBody, request.body ?? {});
    const join = await store.transaction(async (tx) => {
      const cluster = await tx.clusters.findByName(name);
      if (!cluster) throw notFound(name);
      return auth.issueJoinToken(tx, cluster, body.ttl ?? config.auth.joinTokenTtlMs);
    });
    reply.header('cache-control', 'no-store');
    return reply
      .status(201)
      .send({ join_token: join.token, join_token_expires_at: join.expiresAt.toISOString() });
  });

  app.delete('/clusters/:name', async (request, reply) => {
    requireAdmin(request);
    const { name } = parseBody(nameParams, request.params);
    const deleted = await store.transaction((tx) => tx.clusters.delete(name));
    if (!deleted) throw notFound(name);
    presence.disconnect(name);
    return reply.status(204).send();
  });
}
