import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type Central,
  type ConfigFlags,
  resolveCentralConfig,
  type StartCentralOptions,
  startCentral,
} from '@kgate/central';

/** A test clock that only moves when told to. */
export interface TestClock {
  (): Date;
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let now = start;
  const clock = (() => new Date(now)) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

/** Every error central's API returns. */
export interface ErrorJson {
  error: { code: string; message: string; hint?: string };
}

export interface SessionJson {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  user: { id: string; username: string; roles: string[] };
}

export interface ClusterJson {
  name: string;
  status: string;
  last_seen: string | null;
  kubernetes_version: string | null;
  node_count: number | null;
  created_at: string;
}

export interface UserJson {
  id: string;
  username: string;
  roles: string[];
  created_at: string;
}

/** A response; `json` is the parsed body, typed as the caller expects (tests check it). */
export interface HttpResult<T = ErrorJson> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, with Content-Type application/json unless `headers` says otherwise. */
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
}

/** One HTTPS request to central, trusting only its CA. */
export function request<T = ErrorJson>(
  central: { url: string; caCertPem: string },
  method: string,
  urlPath: string,
  options: RequestOptions = {},
): Promise<HttpResult<T>> {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  Object.assign(headers, options.headers);
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${central.url}${urlPath}`,
      { method, ca: central.caCertPem, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let json: T;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined as T;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface TestCentral {
  central: Central;
  dataDir: string;
  clock: TestClock;
  /** Everything printed as operator notices (bootstrap password, CA path). */
  notices: () => string;
  /** JSON log lines. */
  logs: () => string;
  /** The bootstrap admin's password (from the notices on first start, or as given). */
  adminPassword: string;
  req<T = ErrorJson>(method: string, urlPath: string, options?: RequestOptions): Promise<HttpResult<T>>;
  /** Logs in and returns the access and refresh tokens. */
  login(username: string, password: string): Promise<{ access: string; refresh: string }>;
  stop(): Promise<void>;
}

/** Role names the API tests hand out; {@link startTestCentral} defines them. */
export const TEST_ROLES: readonly string[] = ['dev', 'ops', 'viewer', 'root', 'a', 'r', 'x'];

/** Low scrypt cost for tests that do not measure hashing: each login stays fast. */
export const FAST_SCRYPT = { ln: 10, r: 8, p: 1 };

/** Starts central on 127.0.0.1 port 0 in a fresh (or given) data dir, capturing notices and logs. */
export async function startTestCentral(
  options: {
    dataDir?: string;
    flags?: ConfigFlags;
    env?: Record<string, string>;
    fileText?: string;
    clock?: TestClock;
    adminPassword?: string;
    /**
     * Roles to define at start (central refuses to give a user a role no role defines).
     * Each may read configmaps in every cluster. Default: {@link TEST_ROLES}.
     */
    roles?: readonly string[];
  } & Partial<Omit<StartCentralOptions, 'config' | 'clock'>> = {},
): Promise<TestCentral> {
  const dataDir = options.dataDir ?? path.join(mkdtempSync(path.join(tmpdir(), 'kgate-central-')), 'data');
  const config = resolveCentralConfig({
    file: options.fileText === undefined ? undefined : { path: 'central.yaml', text: options.fileText },
    env: options.env ?? {},
    flags: { dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', logLevel: 'info', ...options.flags },
    home: path.dirname(dataDir),
  });
  let notices = '';
  let logs = '';
  const clock = options.clock ?? testClock();
  const central = await startCentral({
    scryptCost: FAST_SCRYPT,
    ...options,
    config,
    clock,
    bootstrapAdminPassword: options.bootstrapAdminPassword ?? options.adminPassword,
    notices: {
      write: (text: string) => {
        notices += text;
      },
    },
    logDestination: {
      write: (line: string) => {
        logs += line;
      },
    },
  });
  const roles = options.roles ?? TEST_ROLES;
  if (roles.length > 0)
    await central.services.rbac.apply({
      roles: roles.map((name) => ({
        name,
        rules: [{ clusters: ['*'], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
      })),
    });
  const printed = /one-time password:\n\n {4}(\S+)\n/.exec(notices)?.[1];
  const adminPassword = options.adminPassword ?? printed ?? '';
  const req = <T = ErrorJson>(method: string, urlPath: string, o?: RequestOptions) =>
    request<T>(central, method, urlPath, o);
  return {
    central,
    dataDir,
    clock,
    notices: () => notices,
    logs: () => logs,
    adminPassword,
    req,
    async login(username, password) {
      const res = await req<SessionJson>('POST', '/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${res.text}`);
      return { access: res.json.access_token, refresh: res.json.refresh_token };
    },
    stop: () => central.close(),
  };
}

/** Removes a data dir made by {@link startTestCentral}. */
export function removeDataDir(dataDir: string): void {
  rmSync(path.dirname(dataDir), { recursive: true, force: true });
}
