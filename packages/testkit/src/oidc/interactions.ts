/**
 * The provider's login and consent screens (oidc-provider leaves them to the host):
 * `GET /interaction/:uid` shows a username/password form for the login prompt and grants
 * consent at once for the consent prompt (every registered client is first-party here,
 * and native clients would otherwise be asked on every login); `POST …/login` checks the
 * password, `POST …/abort` ends the login with `access_denied`.
 */
import type { IncomingMessage } from 'node:http';
import { errorPage, loginPage } from './pages.ts';
import {
  describeError,
  type InteractionDetails,
  type KoaContext,
  type KoaMiddleware,
  type Provider,
} from './provider-module.ts';

/** The account id (`sub`) of the user these credentials belong to, or undefined. */
export type CheckPassword = (username: string, password: string) => string | undefined;

const route = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function html(ctx: KoaContext, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = body;
}

async function grantConsent(provider: Provider, details: InteractionDetails): Promise<object> {
  const accountId = details.session?.accountId;
  const clientId = details.params.client_id;
  if (accountId === undefined || typeof clientId !== 'string') throw new Error('consent without a login');
  const existing = details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId);
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope !== undefined) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims !== undefined) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
    grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  return existing === undefined ? { consent: { grantId } } : { consent: {} };
}

/** Koa middleware serving `/interaction/…`; passes every other request on. */
export function interactionRoutes(provider: Provider, checkPassword: CheckPassword): KoaMiddleware {
  return async (ctx, next) => {
    const match = route.exec(ctx.path);
    if (match === null) return next();
    const [, uid, action] = match;
    try {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) throw new Error('the interaction cookie belongs to another login');
      const clientId = String(details.params.client_id);
      let result: object;
      if (action === undefined && ctx.method === 'GET') {
        if (details.prompt.name !== 'consent')
          return html(ctx, 200, loginPage(details.uid, clientId, undefined));
        result = await grantConsent(provider, details);
      } else if (action === 'login' && ctx.method === 'POST') {
        const form = await readForm(ctx.req);
        const username = form.get('username') ?? '';
        const accountId = checkPassword(username, form.get('password') ?? '');
        if (accountId === undefined) return html(ctx, 200, loginPage(details.uid, clientId, { username }));
        result = { login: { accountId } };
      } else if (action === 'abort' && ctx.method === 'POST') {
        result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
      } else {
        return html(ctx, 405, errorPage('invalid_request', `${ctx.method} is not allowed here`));
      }
      ctx.respond = false;
      // Consent keeps the login it follows; a new login replaces whatever came before.
      await provider.interactionFinished(ctx.req, ctx.res, result, {
        mergeWithLastSubmission: action !== 'login',
      });
    } catch (error) {
      ctx.respond = true;
      html(ctx, 400, errorPage('invalid_request', describeError(error)));
    }
  };
}
