/** What every resource handler is given. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '@kgate/core/request-info';
import type { Attributes } from '../auth/rbac.ts';
import type { UserInfo } from '../auth/user.ts';
import type { ClusterStore } from '../cluster-store.ts';
import type { ResourceType } from '../resources.ts';

export interface HandlerContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: RequestInfo;
  type: ResourceType;
  store: ClusterStore;
  /** The user the request runs as (after impersonation). */
  user: UserInfo;
  /** Asks the authorizer (for SelfSubjectAccessReview). */
  authorize(attributes: Attributes): boolean;
  /** Milliseconds since the epoch (for Age cells). */
  now(): number;
}

/** `dryRun=All` (the only value the real server accepts besides none). */
export function isDryRun(query: URLSearchParams): boolean {
  return query.getAll('dryRun').includes('All');
}
