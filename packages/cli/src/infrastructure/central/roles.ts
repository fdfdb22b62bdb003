/** Central's `/roles` endpoints (admin). */
import type { RolesDocument } from '@kgate/core/rbac';
import { validateRolesDocument } from '@kgate/core/rbac';
import type { CentralConnection, CentralTransport } from '../https-transport.ts';
import { BodyReader, expectOk } from './response.ts';

/** What `POST /roles/apply` did to each role and user. */
export interface ApplyRolesResult {
  roles: Array<{ name: string; action: string }>;
  users: Array<{ username: string; action: string }>;
}

/** `GET /roles`: the roles document as central has it. */
export async function getRolesRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
): Promise<RolesDocument> {
  const response = await transport(connection, { method: 'GET', path: '/roles', accessToken });
  expectOk(response, 'list roles');
  try {
    return validateRolesDocument(response.body, { source: 'GET /roles' });
  } catch {
    throw new BodyReader('GET /roles').fail('roles document');
  }
}

/** `POST /roles/apply`. */
export async function applyRolesRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  document: RolesDocument,
): Promise<ApplyRolesResult> {
  const response = await transport(connection, {
    method: 'POST',
    path: '/roles/apply',
    accessToken,
    body: document,
  });
  expectOk(response, 'apply the roles');
  const reader = new BodyReader('POST /roles/apply');
  const body = reader.record(response.body, 'body');
  const entries = (field: 'roles' | 'users', key: 'name' | 'username') =>
    reader.array(body[field], field).map((value, i) => {
      const entry = reader.record(value, `${field}[${i}]`);
      return {
        [key]: reader.string(entry[key], `${field}[${i}].${key}`),
        action: reader.string(entry.action, `${field}[${i}].action`),
      };
    });
  return {
    roles: entries('roles', 'name') as ApplyRolesResult['roles'],
    users: entries('users', 'username') as ApplyRolesResult['users'],
  };
}
