/**
 * The audit log and the REST API: every API call is recorded write-ahead (before its
 * handler runs; if the log cannot take it the call fails with 503 and does nothing),
 * and `GET /audit`, `GET /audit/verify` let admins read and check the log.
 *
 * Not recorded: `/healthz` and `/info` (probes poll them) and the JWKS, which are public
 * and change nothing; and the polls of `kgate admin audit -f` (`GET /audit?after=…`),
 * which would otherwise record themselves forever. Bodies are never recorded: only the
 * username of a login attempt and the command of an exec are taken from them.
 */
import { parseAuditAnchor } from '@kgate/core/audit-anchor';
import { KgateError } from '@kgate/core/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuditLog, AuditQuery, AuditStart } from '../audit/types.ts';
import { parseDuration } from '../config/index.ts';
import type { CentralServices } from '../services.ts';
import type { Api } from './app.ts';
import { requireAdmin } from './authenticate.ts';
import { EXEC_ROUTE } from './exec.ts';
import { parseBody } from './validation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the call's write-ahead audit row is committed. */
    auditBegun?: boolean;
  }
}

const unaudited = new Set(['/healthz', '/info', '/.well-known/jwks.json']);

function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function audited(request: FastifyRequest): boolean {
  const path = pathOf(request);
  if (unaudited.has(path)) return false;
  return !(path === '/audit' && typeof (request.query as Record<string, unknown>)?.after === 'string');
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/** kubectl flags whose values are secrets (`create secret generic --from-literal=k=v`, docker-registry passwords). */
const secretFlags = /^(--from-literal=[^=]*=|--docker-password=|--password=|--token=)(.+)$/;

/** The exec endpoint's kubectl words as the audit log keeps them: secret flag values replaced. */
export function auditedCommand(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const inline = secretFlags.exec(word);
    if (inline) out.push(`${inline[1]}<redacted>`);
    else if (/^--(from-literal|docker-password|password|token)$/.test(word) && i + 1 < words.length) {
      out.push(word, '<redacted>');
      i++;
    } else out.push(word);
  }
  return out;
}

function startOf(request: FastifyRequest, time: Date): AuditStart {
  const path = pathOf(request);
  const identity = request.identity;
  // Fastify already matched the route and decoded its parameters.
  const exec = request.routeOptions.url === EXEC_ROUTE;
  const cluster = field(request.params, 'name');
  const command = field(request.body, 'command');
  const attemptedUser = path === '/auth/login' ? field(request.body, 'username') : undefined;
  return {
    requestId: request.id,
    time,
    kind: exec ? 'exec' : 'api',
    userId: identity?.userId ?? null,
    username: identity?.username ?? (typeof attemptedUser === 'string' ? attemptedUser.slice(0, 64) : null),
    sourceIp: request.socket.remoteAddress ?? null,
    clusterName: exec && typeof cluster === 'string' ? cluster : null,
    method: request.method,
    path,
    verb: request.method.toLowerCase(),
    command:
      exec && Array.isArray(command) && command.every((c) => typeof c === 'string')
        ? auditedCommand(command as string[])
        : null,
    // Authentication let it through; an admin check in the handler shows in the status.
    decision: identity !== undefined || request.routeOptions.config?.public === true ? 'allowed' : 'denied',
  };
}

function endOf(request: FastifyRequest, reply: FastifyReply) {
  return {
    requestId: request.id,
    time: new Date(),
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime),
  };
}

/** Records every API call (see the module comment for the few that are not). */
export function installApiAudit(app: Api, audit: AuditLog): void {
  app.addHook('preHandler', async (request, reply) => {
    if (!audited(request)) return;
    try {
      await audit.begin(startOf(request, new Date(Date.now() - Math.round(reply.elapsedTime))));
    } catch (error) {
      request.log.warn({ error: String(error) }, 'the audit log refused an API call');
      throw new KgateError('UNAVAILABLE', 'kgate-central cannot write its audit log, so it did nothing', {
        hint: 'try again shortly; tell the operator of kgate-central if it persists',
      });
    }
    request.auditBegun = true;
  });
  // A call refused before its handler (no token, a bad body) goes on record before its
  // answer is sent, so a client never holds a response the log lacks.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!audited(request) || request.auditBegun) return payload;
    const end = endOf(request, reply);
    await audit
      .record(startOf(request, new Date(Date.now() - end.durationMs)), end)
      .catch((error: unknown) =>
        request.log.warn({ error: String(error) }, 'recording a refused API call failed'),
      );
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!audited(request) || !request.auditBegun) return;
    await audit
      .end(endOf(request, reply))
      .catch((error: unknown) =>
        request.log.warn({ error: String(error) }, 'recording the end of an API call failed'),
      );
  });
}

const queryParams = z.strictObject({
  user: z.string().max(64).optional(),
  cluster: z.string().max(253).optional(),
  since: z.string().max(64).optional(),
  verb: z.string().max(32).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

const verifyParams = z.strictObject({ anchor: z.string().max(100).optional() });

/** `since=1h` (a duration back from now) or an RFC 3339 time. */
function sinceDate(text: string, now: Date): Date {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const time = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time))
    throw new KgateError('INVALID_ARGUMENT', `since "${text}" is neither a duration nor a time`, {
      hint: 'give a duration such as 30m, 1h or 2d, or a time such as 2026-11-24T08:00:00Z',
    });
  return new Date(time);
}

/**
 * `GET /audit` (filters: user, cluster, since, verb, after, limit) and `GET /audit/verify`
 * (`anchor=SEQ:HASH`, a head kept from an earlier run). Admin only.
 */
export function auditRoutes(app: Api, services: CentralServices): void {
  const { audit, clock } = services;

  app.get('/audit', async (request) => {
    requireAdmin(request);
    const params = parseBody(queryParams, request.query ?? {});
    const query: AuditQuery = {};
    if (params.user !== undefined) query.username = params.user;
    if (params.cluster !== undefined) query.clusterName = params.cluster;
    if (params.since !== undefined) query.since = sinceDate(params.since, clock());
    if (params.verb !== undefined) query.verb = params.verb;
    if (params.after !== undefined) query.afterSeq = params.after;
    query.limit = params.limit ?? 500;
    return { events: await audit.query(query) };
  });

  app.get('/audit/verify', async (request) => {
    requireAdmin(request);
    const { anchor } = parseBody(verifyParams, request.query ?? {});
    return audit.verify(anchor === undefined ? {} : { anchor: parseAuditAnchor(anchor) });
  });
}
