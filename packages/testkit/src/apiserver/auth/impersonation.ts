/**
 * Impersonation headers, checked like k8s.io/apiserver's WithImpersonation filter: each
 * requested user, group, uid and extra value needs the `impersonate` verb on `users`,
 * `groups`, `uids`, `userextras/<key>` (or `serviceaccounts` for a
 * `system:serviceaccount:ns:name` user) with the value as resourceName.
 */
import { type ApiError, badRequest, forbidden } from '../status.ts';
import { type Attributes, authorize, forbiddenReason, type RbacRule } from './rbac.ts';
import { allAuthenticated, type UserInfo } from './user.ts';

const sanitizer = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The 403 for an authorization decision, exactly as responsewriters.Forbidden writes it. */
export function forbiddenFor(a: Attributes): ApiError {
  return forbidden(
    a.isResourceRequest ? { group: a.apiGroup, resource: a.resource } : { group: '', resource: '' },
    a.isResourceRequest ? a.name : '',
    sanitizer(forbiddenReason(a)),
  );
}

interface ImpersonationRequest {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  namespace: string;
  name: string;
  apiVersion: string;
  fieldPath: string;
}

/** The first non-empty value of a header, as Go's Header.Get reads it (Node would join repeats). */
function firstHeader(rawHeaders: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    if ((rawHeaders[i] ?? '').toLowerCase() === name)
      return rawHeaders[i + 1] === '' ? undefined : rawHeaders[i + 1];
  return undefined;
}

/** Go's %v of an ObjectReference slice, which the BadRequest message embeds. */
function formatRequests(requests: ImpersonationRequest[]): string {
  return `[${requests.map((r) => `{${r.kind} ${r.namespace} ${r.name}  ${r.apiVersion}  ${r.fieldPath}}`).join(' ')}]`;
}

function buildRequests(rawHeaders: string[]): ImpersonationRequest[] {
  const requests: ImpersonationRequest[] = [];
  const user = firstHeader(rawHeaders, 'impersonate-user');
  if (user !== undefined) {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
    if (sa)
      requests.push({
        kind: 'ServiceAccount',
        namespace: sa[1] ?? '',
        name: sa[2] ?? '',
        apiVersion: '',
        fieldPath: '',
      });
    else requests.push({ kind: 'User', namespace: '', name: user, apiVersion: '', fieldPath: '' });
  }
  // Node joins repeated headers with commas; the raw list keeps each value whole, like Go's Header.
  const groups: string[] = [];
  const extras: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    if (name === 'impersonate-group') groups.push(value);
    else if (name.startsWith('impersonate-extra-')) {
      const rawKey = name.slice('impersonate-extra-'.length);
      let key = rawKey;
      try {
        key = decodeURIComponent(rawKey);
      } catch {
        key = rawKey;
      }
      extras.push([key, value]);
    }
  }
  for (const g of groups)
    requests.push({ kind: 'Group', namespace: '', name: g, apiVersion: '', fieldPath: '' });
  for (const [key, value] of extras)
    requests.push({
      kind: 'UserExtra',
      namespace: '',
      name: value,
      apiVersion: 'authentication.k8s.io/v1',
      fieldPath: key,
    });
  const uid = firstHeader(rawHeaders, 'impersonate-uid');
  if (uid !== undefined)
    requests.push({
      kind: 'UID',
      namespace: '',
      name: uid,
      apiVersion: 'authentication.k8s.io/v1',
      fieldPath: '',
    });
  if (user === undefined && requests.length > 0)
    throw badRequest(`requested ${formatRequests(requests)} without impersonating a user`);
  return requests;
}

/**
 * The user a request runs as after impersonation, or `requester` when it asks for none.
 * Throws the real 400/403 Status when the headers are malformed or not allowed.
 */
export function impersonate(requester: UserInfo, rawHeaders: string[], rules: readonly RbacRule[]): UserInfo {
  const requests = buildRequests(rawHeaders);
  if (requests.length === 0) return requester;
  const groupsSpecified = requests.some((r) => r.kind === 'Group');
  let name = '';
  let uid: string | undefined;
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const attrs: Attributes = {
      user: requester,
      verb: 'impersonate',
      isResourceRequest: true,
      path: '',
      apiGroup: r.apiVersion === '' ? '' : 'authentication.k8s.io',
      resource: '',
      subresource: '',
      namespace: r.namespace,
      name: r.name,
    };
    switch (r.kind) {
      case 'ServiceAccount':
        attrs.resource = 'serviceaccounts';
        name = `system:serviceaccount:${r.namespace}:${r.name}`;
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
        break;
      case 'User':
        attrs.resource = 'users';
        name = r.name;
        break;
      case 'Group':
        attrs.resource = 'groups';
        groups.push(r.name);
        break;
      case 'UserExtra':
        attrs.resource = 'userextras';
        attrs.subresource = r.fieldPath;
        extra[r.fieldPath] = [...(extra[r.fieldPath] ?? []), r.name];
        break;
      case 'UID':
        attrs.resource = 'uids';
        uid = r.name;
        break;
    }
    if (!authorize(rules, attrs)) throw forbiddenFor(attrs);
  }
  if (
    name !== 'system:anonymous' &&
    !groups.includes(allAuthenticated) &&
    !groups.includes('system:unauthenticated')
  )
    groups.push(allAuthenticated);
  const user: UserInfo = { name, groups };
  if (uid !== undefined) user.uid = uid;
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}
