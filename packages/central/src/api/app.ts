import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { newRequestId } from '../audit/request-id.ts';
import type { CentralServices } from '../services.ts';
import { auditRoutes, installApiAudit } from './audit.ts';
import { authRoutes } from './auth.ts';
import { installAuthentication } from './authenticate.ts';
import { clusterRoutes } from './clusters.ts';
import { installErrorHandlers } from './errors.ts';
import { execRoutes } from './exec.ts';
import { healthRoutes } from './health.ts';
import { roleRoutes } from './roles.ts';
import { ssoRoutes } from './sso.ts';
import { userRoutes } from './users.ts';

/** The Fastify instance type of central's API (node HTTP(S) server, pino logger). */
export type Api = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

/** The REST API's body limit: every request is a small JSON object. */
const BODY_LIMIT = 64 * 1024;

/**
 * Builds the REST API as a Fastify instance over `server` (created by the caller, so the
 * Kubernetes proxy and upgrade handlers can share the same HTTPS server).
 */
export function buildApi(
  services: CentralServices,
  serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server,
): Api {
  const app = Fastify({
    loggerInstance: services.logger,
    serverFactory,
    bodyLimit: BODY_LIMIT,
    // No request ids from clients: a header must not choose what appears in our logs.
    requestIdHeader: false,
    // Request ids name audit events: unique across restarts and replicas.
    genReqId: () => newRequestId(),
  });
  // JSON only: anything else is 415, not a string for the handlers to misread.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app);
  installAuthentication(app, services.auth);
  installApiAudit(app, services.audit);
  healthRoutes(app, services);
  authRoutes(app, services);
  ssoRoutes(app, services);
  clusterRoutes(app, services);
  execRoutes(app, services);
  userRoutes(app, services);
  roleRoutes(app, services);
  auditRoutes(app, services);
  return app;
}
