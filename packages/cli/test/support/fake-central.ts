/**
 * A small kgate-central for the CLI's tests, over real HTTPS with its own CA: the REST
 * endpoints the CLI calls, with real JWT access tokens (jose), rotating refresh tokens with
 * reuse detection (a second use of a rotated token revokes the family, as central does),
 * and central's error envelope and list shapes. It exists for what the real central
 * (used by e2e-central.test.ts) cannot be made to do on cue: clusters with fixed ages and
 * versions, counted refreshes and refresh-token reuse.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueServerCertificate } from '@kgate/core/pki';
import { jwtVerify, SignJWT } from 'jose';

interface FakeUser {
  id: string;
  username: string;
  password: string;
  roles: string[];
  createdAt: string;
}

interface FakeCluster {
  name: string;
  status: 'connected' | 'disconnected';
  lastSeen: string | null;
  kubernetesVersion: string | null;
  nodeCount: number | null;
  createdAt: string;
}

interface RefreshRecord {
  userId: string;
  family: string;
  revoked: boolean;
}

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** A running fake central. */
export interface FakeCentral {
  url: string;
  caPem: string;
  /** Access-token lifetime in seconds for tokens issued from now on. */
  accessTtlSeconds: number;
  requests: RecordedRequest[];
  /** Successful refreshes. */
  refreshCount: number;
  /** Refresh tokens presented after rotation (theft signal). */
  reuseCount: number;
  users: FakeUser[];
  clusters: FakeCluster[];
  /** Whether a refresh token is still usable. */
  isRefreshTokenLive(token: string): boolean;
  /** Revokes every refresh token (an admin ending all sessions). */
  revokeAllSessions(): void;
  addUser(username: string, password: string, roles: string[]): FakeUser;
  addCluster(cluster: Partial<FakeCluster> & { name: string }): void;
  close(): Promise<void>;
}

const secret = new TextEncoder().encode(randomBytes(32).toString('hex'));
const ISSUER = 'kgate-central-fake';

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

async function readJson(req: NodeJS.ReadableStream): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk.toString();
  if (text === '') return undefined;
  return JSON.parse(text);
}

function field(body: unknown, key: string): unknown {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
}

/** Starts the fake on 127.0.0.1 with a new CA, and an `admin` user with `adminPassword`. */
export async function startFakeCentral(options: { adminPassword?: string } = {}): Promise<FakeCentral> {
  const ca = await createCertificateAuthority({ commonName: 'fake central CA' });
  const serving = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const refreshTokens = new Map<string, RefreshRecord>();

  const state: FakeCentral = {
    url: '',
    caPem: ca.certPem,
    accessTtlSeconds: 900,
    requests: [],
    refreshCount: 0,
    reuseCount: 0,
    users: [],
    clusters: [],
    isRefreshTokenLive: (token) => refreshTokens.get(token)?.revoked === false,
    revokeAllSessions: () => {
      for (const record of refreshTokens.values()) record.revoked = true;
    },
    addUser(username, password, roles) {
      const user = { id: randomUUID(), username, password, roles, createdAt: new Date().toISOString() };
      state.users.push(user);
      return user;
    },
    addCluster(cluster) {
      state.clusters.push({
        status: 'connected',
        lastSeen: new Date().toISOString(),
        kubernetesVersion: 'v1.33.1',
        nodeCount: 3,
        createdAt: new Date().toISOString(),
        ...cluster,
      });
    },
    close: async () => {},
  };
  state.addUser('admin', options.adminPassword ?? 'admin-password-123', ['admin']);

  const issue = async (user: FakeUser, family: string = randomUUID()) => {
    const accessToken = await new SignJWT({ username: user.username, roles: user.roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + state.accessTtlSeconds)
      .sign(secret);
    const refreshToken = `kgr_${randomBytes(24).toString('base64url')}`;
    refreshTokens.set(refreshToken, { userId: user.id, family, revoked: false });
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: state.accessTtlSeconds,
      user: { id: user.id, username: user.username, roles: user.roles },
    };
  };

  const authenticate = async (authorization: string | undefined): Promise<FakeUser | undefined> => {
    const token = authorization?.match(/^Bearer (.+)$/)?.[1];
    if (token === undefined) return undefined;
    try {
      const { payload } = await jwtVerify(token, secret, { issuer: ISSUER });
      return state.users.find((u) => u.id === payload.sub);
    } catch {
      return undefined;
    }
  };

  type Reply = { status: number; body?: unknown };
  const handle = async (
    method: string,
    path: string,
    body: unknown,
    authorization: string | undefined,
  ): Promise<Reply> => {
    if (method === 'POST' && path === '/auth/login') {
      const user = state.users.find((u) => u.username === field(body, 'username'));
      if (user === undefined || user.password !== field(body, 'password')) {
        return { status: 401, body: errorBody('UNAUTHENTICATED', 'invalid username or password') };
      }
      return { status: 200, body: await issue(user) };
    }
    if (method === 'POST' && path === '/auth/refresh') {
      const token = String(field(body, 'refresh_token'));
      const record = refreshTokens.get(token);
      if (record === undefined)
        return { status: 401, body: errorBody('UNAUTHENTICATED', 'invalid refresh token') };
      if (record.revoked) {
        state.reuseCount++;
        for (const r of refreshTokens.values()) if (r.family === record.family) r.revoked = true;
        return { status: 401, body: errorBody('UNAUTHENTICATED', 'refresh token reused; session revoked') };
      }
      record.revoked = true;
      const user = state.users.find((u) => u.id === record.userId);
      if (user === undefined) return { status: 401, body: errorBody('UNAUTHENTICATED', 'user gone') };
      state.refreshCount++;
      return { status: 200, body: await issue(user, record.family) };
    }
    if (method === 'POST' && path === '/auth/logout') {
      const record = refreshTokens.get(String(field(body, 'refresh_token')));
      if (record) for (const r of refreshTokens.values()) if (r.family === record.family) r.revoked = true;
      return { status: 204 };
    }
    const user = await authenticate(authorization);
    if (user === undefined)
      return { status: 401, body: errorBody('UNAUTHENTICATED', 'a valid access token is required') };
    const isAdmin = user.roles.includes('admin');
    const forbidden = { status: 403, body: errorBody('PERMISSION_DENIED', 'admin role required') };
    if (method === 'GET' && path === '/auth/whoami') {
      return { status: 200, body: { id: user.id, username: user.username, roles: user.roles } };
    }
    if (method === 'GET' && path === '/clusters') {
      return {
        status: 200,
        body: {
          clusters: state.clusters.map((c) => ({
            name: c.name,
            status: c.status,
            last_seen: c.lastSeen,
            kubernetes_version: c.kubernetesVersion,
            node_count: c.nodeCount,
            created_at: c.createdAt,
          })),
        },
      };
    }
    if (method === 'POST' && path === '/clusters') {
      if (!isAdmin) return forbidden;
      const name = String(field(body, 'name'));
      if (state.clusters.some((c) => c.name === name)) {
        return { status: 409, body: errorBody('ALREADY_EXISTS', `cluster "${name}" already exists`) };
      }
      state.addCluster({
        name,
        status: 'disconnected',
        lastSeen: null,
        kubernetesVersion: null,
        nodeCount: null,
      });
      return {
        status: 201,
        body: {
          cluster: {
            name,
            status: 'disconnected',
            last_seen: null,
            kubernetes_version: null,
            node_count: null,
            created_at: new Date().toISOString(),
          },
          join_token: `kgj_${randomBytes(16).toString('base64url')}`,
          join_token_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        },
      };
    }
    const clusterPath = path.match(/^\/clusters\/([^/]+)$/);
    if (method === 'DELETE' && clusterPath) {
      if (!isAdmin) return forbidden;
      const name = decodeURIComponent(clusterPath[1] ?? '');
      const before = state.clusters.length;
      state.clusters = state.clusters.filter((c) => c.name !== name);
      return state.clusters.length < before
        ? { status: 204 }
        : { status: 404, body: errorBody('NOT_FOUND', `cluster "${name}" not found`) };
    }
    const userJson = (u: FakeUser) => ({
      id: u.id,
      username: u.username,
      roles: u.roles,
      created_at: u.createdAt,
    });
    if (path === '/users' || path.startsWith('/users/')) {
      if (!isAdmin) return forbidden;
      if (method === 'GET' && path === '/users')
        return { status: 200, body: { users: state.users.map(userJson) } };
      if (method === 'POST' && path === '/users') {
        const username = String(field(body, 'username'));
        if (state.users.some((u) => u.username === username)) {
          return { status: 409, body: errorBody('ALREADY_EXISTS', `user "${username}" already exists`) };
        }
        const roles = field(body, 'roles');
        const created = state.addUser(
          username,
          String(field(body, 'password')),
          Array.isArray(roles) ? roles.map(String) : [],
        );
        return { status: 201, body: userJson(created) };
      }
      const rolesPath = path.match(/^\/users\/([^/]+)\/roles$/);
      const idPath = path.match(/^\/users\/([^/]+)$/);
      const target = state.users.find((u) => u.id === decodeURIComponent((rolesPath ?? idPath)?.[1] ?? ''));
      if (target === undefined) return { status: 404, body: errorBody('NOT_FOUND', 'user not found') };
      if (method === 'PUT' && rolesPath) {
        const roles = field(body, 'roles');
        target.roles = Array.isArray(roles) ? roles.map(String) : [];
        return { status: 200, body: userJson(target) };
      }
      if (method === 'DELETE' && idPath) {
        state.users = state.users.filter((u) => u !== target);
        return { status: 204 };
      }
    }
    return { status: 404, body: errorBody('NOT_FOUND', `no route ${method} ${path}`) };
  };

  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    state.requests.push({ method, path, authorization: req.headers.authorization });
    readJson(req)
      .then((body) => handle(method, path, body, req.headers.authorization))
      .then(
        (reply) => {
          if (reply.body === undefined) {
            res.writeHead(reply.status).end();
            return;
          }
          res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
        },
        (error: unknown) => {
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end(JSON.stringify(errorBody('INTERNAL', String(error))));
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
