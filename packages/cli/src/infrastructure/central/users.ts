/** Central's `/users` endpoints (admin). */
import type { SessionUser } from '../../usecases/session.ts';
import type { CentralConnection, CentralTransport } from '../https-transport.ts';
import { readUser } from './auth.ts';
import { BodyReader, expectOk, readList } from './response.ts';

/** A user account at central. */
export interface CentralUser extends SessionUser {
  createdAt: string | null;
}

function readCentralUser(reader: BodyReader, value: unknown, field: string): CentralUser {
  const user = readUser(reader, value, field);
  const record = reader.record(value, field);
  return { ...user, createdAt: reader.optionalString(record.created_at, `${field}.created_at`) };
}

/** `GET /users`. */
export async function listUsersRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
): Promise<CentralUser[]> {
  const response = await transport(connection, { method: 'GET', path: '/users', accessToken });
  expectOk(response, 'list users');
  const reader = new BodyReader('GET /users');
  return readList(reader, response.body, 'users').map((u, i) => readCentralUser(reader, u, `users[${i}]`));
}

/** `POST /users`. */
export async function createUserRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  input: { username: string; password: string; roles: string[] },
): Promise<CentralUser> {
  const response = await transport(connection, { method: 'POST', path: '/users', accessToken, body: input });
  expectOk(response, `create user "${input.username}"`);
  const reader = new BodyReader('POST /users');
  const body = reader.record(response.body, 'body');
  return readCentralUser(reader, body.user ?? body, 'user');
}

/** `PUT /users/{id}/roles`. */
export async function setRolesRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  id: string,
  roles: string[],
): Promise<void> {
  const response = await transport(connection, {
    method: 'PUT',
    path: `/users/${encodeURIComponent(id)}/roles`,
    accessToken,
    body: { roles },
  });
  expectOk(response, `set the roles of user ${id}`);
}

/** `DELETE /users/{id}`. */
export async function deleteUserRequest(
  transport: CentralTransport,
  connection: CentralConnection,
  accessToken: string,
  id: string,
): Promise<void> {
  const response = await transport(connection, {
    method: 'DELETE',
    path: `/users/${encodeURIComponent(id)}`,
    accessToken,
  });
  expectOk(response, `delete user ${id}`);
}
