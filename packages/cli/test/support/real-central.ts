/**
 * The real kgate-central (`startCentral`) for the CLI's end-to-end tests: SQLite in a temp
 * dir, its own CA, a clock the test can move, a stand-in Kubernetes proxy under `/k8s/`
 * that checks the bearer token with central's own verifier and records it, and a log of
 * every request the HTTPS server received.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Central, resolveCentralConfig, startCentral } from '@kgate/central';

/** A request as central's HTTPS server received it. */
export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** A running central with the handles the tests use. */
export interface RealCentral {
  central: Central;
  url: string;
  caPem: string;
  adminPassword: string;
  requests: SeenRequest[];
  /** Requests to `/k8s/…` whose bearer token central accepted, with the user it named. */
  proxied: Array<SeenRequest & { username: string }>;
  /** Moves central's clock (token issue and expiry times follow it). */
  advanceClock(ms: number): void;
  /** Marks clusters as having an agent connected. */
  connected: Set<string>;
  stop(): Promise<void>;
}

/**
 * Starts central on 127.0.0.1:0. `clockOffsetMs` starts its clock that far from now
 * (negative: in the past, so the tokens it issues are about to expire by real time).
 */
export async function startRealCentral(options: { clockOffsetMs?: number } = {}): Promise<RealCentral> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kgate-cli-central-'));
  const dataDir = path.join(dir, 'data');
  const config = resolveCentralConfig({
    env: {},
    flags: { dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', logLevel: 'warn' },
    home: dir,
  });
  let offset = options.clockOffsetMs ?? 0;
  const requests: SeenRequest[] = [];
  const proxied: RealCentral['proxied'] = [];
  const connected = new Set<string>();
  const adminPassword = 'admin-password-123';
  const central = await startCentral({
    config,
    clock: () => new Date(Date.now() + offset),
    bootstrapAdminPassword: adminPassword,
    notices: { write: () => true },
    logDestination: { write: () => true },
    scryptCost: { ln: 10, r: 8, p: 1 },
    presence: { isConnected: (name) => connected.has(name), disconnect: (name) => connected.delete(name) },
    proxy: (services) => ({
      handleRequest(req, res) {
        const authorization = req.headers.authorization;
        const token = authorization?.match(/^Bearer (.+)$/)?.[1] ?? '';
        services.auth.verifyAccessToken(token).then(
          (identity) => {
            const urlPath = new URL(req.url ?? '/', 'https://x').pathname;
            proxied.push({
              method: req.method ?? '',
              path: urlPath,
              authorization,
              username: identity.username,
            });
            const body = urlPath.endsWith('/version')
              ? { major: '1', minor: '33', gitVersion: 'v1.33.1' }
              : { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          },
          () => {
            const status = {
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              reason: 'Unauthorized',
              code: 401,
            };
            res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify(status));
          },
        );
        return true;
      },
    }),
  });
  central.httpsServer.prependListener('request', (req) => {
    requests.push({
      method: req.method ?? '',
      path: new URL(req.url ?? '/', 'https://x').pathname,
      authorization: req.headers.authorization,
    });
  });
  return {
    central,
    url: central.url,
    caPem: central.caCertPem,
    adminPassword,
    requests,
    proxied,
    connected,
    advanceClock: (ms) => {
      offset += ms;
    },
    stop: async () => {
      await central.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
