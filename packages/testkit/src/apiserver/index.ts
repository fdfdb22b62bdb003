/**
 * A protocol-faithful Kubernetes API server for tests: real kubectl (1.27 … 1.33) and
 * `@kubernetes/client-node` talk to it over TLS and cannot tell it from kube-apiserver
 * for what it serves (discovery, CRUD, patch, watch, Table output, authentication,
 * impersonation, RBAC, pod logs/exec/attach/port-forward).
 *
 * @example
 * ```ts
 * const server = await startApiServer();
 * await server.writeKubeconfig(file);
 * execFileSync(kubectlPath('1.33'), ['--kubeconfig', file, 'get', 'pods', '-A']);
 * await server.close();
 * ```
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { StaticToken } from './auth/authenticate.ts';
import { OidcAuthenticator, type OidcOptions } from './auth/oidc.ts';
import type { RbacRule } from './auth/rbac.ts';
import { mastersGroup } from './auth/user.ts';
import { ClusterStore } from './cluster-store.ts';
import { getString } from './json.ts';
import { type KubeconfigOptions, renderKubeconfig, writeKubeconfigFile } from './kubeconfig.ts';
import { OpenApiV3 } from './openapi.ts';
import { openApiV2Document } from './openapi-v2.ts';
import { podRefOf } from './podref.ts';
import { createRequestListener, type RequestRecord } from './router.ts';
import { PodRuntime } from './streaming/index.ts';
import { createPki, type KeyAndCert } from './tls.ts';
import { createUpgradeListener } from './upgrade.ts';

export type { StaticToken } from './auth/authenticate.ts';
export type { OidcOptions } from './auth/oidc.ts';
export type { RbacRule, RbacSubject } from './auth/rbac.ts';
export type { UserInfo } from './auth/user.ts';
export { ClusterStore } from './cluster-store.ts';
export type { Json, JsonObject, KubeObject } from './json.ts';
export type { ExecConfig, KubeconfigOptions, KubeconfigUser } from './kubeconfig.ts';
export { resourceTypes } from './resources.ts';
export type { RequestRecord } from './router.ts';
export type { StoreEvent } from './store.ts';
export type { KeyAndCert } from './tls.ts';

export interface ApiServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free port). */
  port?: number;
  /** Static bearer tokens, like `--token-auth-file`. */
  tokens?: StaticToken[];
  /** OIDC ID-token authentication, like the `--oidc-*` flags. */
  oidc?: OidcOptions;
  /** Authorization rules; `system:masters` may always do everything. */
  rbac?: RbacRule[];
  /** What `/version` reports (default v1.33.1). */
  gitVersion?: string;
  /** How many past events a watch can resume from (default 1000); small values force 410 Expired. */
  watchWindow?: number;
  /** Interval of BOOKMARK events for watches that allow them (default 60 s, like the real watch cache). */
  watchBookmarkIntervalMs?: number;
  /** Default watch timeout when the client sends no timeoutSeconds (default 1800 s). */
  watchTimeoutSeconds?: number;
  /** Clock for timestamps (default: the system clock). */
  clock?: () => Date;
}

export interface ApiServer {
  /** `https://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed the serving certificate. */
  readonly caPem: string;
  /** PEM of the CA that client certificates must chain to. */
  readonly clientCaPem: string;
  /** Bearer token of `kgate-admin` (group `system:masters`). */
  readonly adminToken: string;
  /** Client certificate of `kgate-admin` (O=system:masters). */
  readonly adminCertificate: KeyAndCert;
  /** The cluster's objects: read, create and change them "as another client". */
  readonly store: ClusterStore;
  /** The fake containers behind pod logs, exec, attach and port-forward. */
  readonly runtime: PodRuntime;
  /** Every request, with the user it ran as. */
  readonly requests: RequestRecord[];
  /** Issues an x509 client certificate (CN = user, O = groups) signed by the client CA. */
  issueClientCertificate(user: string, groups?: string[]): Promise<KeyAndCert>;
  /** A kubeconfig for this server as YAML text. */
  kubeconfig(options?: KubeconfigOptions): string;
  /** Writes a kubeconfig file (mode 0600). */
  writeKubeconfig(file: string, options?: KubeconfigOptions): Promise<void>;
  /** Stops listening, ends open watches and streams, and closes every connection. */
  close(): Promise<void>;
}

/** What `/version` reports unless told otherwise. */
export const defaultGitVersion = 'v1.33.1';

/** Starts the fixture API server. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? (() => new Date());
  const pki = await createPki();
  const adminToken = `kgate-admin-${randomBytes(16).toString('hex')}`;
  const adminCertificate = await pki.issueClientCertificate('kgate-admin', [mastersGroup]);
  const tokens: StaticToken[] = [
    { token: adminToken, user: 'kgate-admin', groups: [mastersGroup] },
    ...(options.tokens ?? []),
  ];
  const store = new ClusterStore({ watchWindow: options.watchWindow ?? 1000, clock });
  const runtime = new PodRuntime({ now: () => clock().getTime() });
  const podsType = store.resolve('pods');
  store.objects.subscribe((event) => {
    if (event.resourceType !== podsType) return;
    if (event.type === 'DELETED')
      runtime.remove(
        getString(event.object, 'metadata', 'namespace') ?? '',
        getString(event.object, 'metadata', 'name') ?? '',
      );
    else runtime.ensure(podRefOf(event.object));
  });
  const requests: RequestRecord[] = [];
  const openWatches = new Set<() => void>();
  let port = 0;

  const deps = {
    store,
    auth: options.oidc === undefined ? { tokens } : { tokens, oidc: new OidcAuthenticator(options.oidc) },
    rules: options.rbac ?? [],
    runtime,
    requests,
    gitVersion: options.gitVersion ?? defaultGitVersion,
    serverAddress: () => `${host.includes(':') ? `[${host}]` : host}:${port}`,
    watch: {
      bookmarkIntervalMs: options.watchBookmarkIntervalMs ?? 60_000,
      defaultTimeoutSeconds: options.watchTimeoutSeconds ?? 1800,
      track: (end: () => void) => {
        openWatches.add(end);
        return () => openWatches.delete(end);
      },
    },
    openapi: new OpenApiV3(options.gitVersion ?? defaultGitVersion),
    openapiV2: openApiV2Document(options.gitVersion ?? defaultGitVersion),
    now: () => clock().getTime(),
  };

  const server = https.createServer({
    key: pki.serving.keyPem,
    cert: pki.serving.certPem,
    ca: pki.clientCaPem,
    requestCert: true,
    rejectUnauthorized: false,
  });
  // kube-apiserver keeps an idle connection 90 s (its http.Server IdleTimeout), not Node's 5 s.
  server.keepAliveTimeout = 90_000;
  server.on('request', createRequestListener(deps));
  server.on('upgrade', createUpgradeListener(deps));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const target = { url, caPem: pki.caPem, adminToken };

  return {
    url,
    host,
    port,
    caPem: pki.caPem,
    clientCaPem: pki.clientCaPem,
    adminToken,
    adminCertificate,
    store,
    runtime,
    requests,
    issueClientCertificate: (user, groups) => pki.issueClientCertificate(user, groups),
    kubeconfig: (kubeconfigOptions) => renderKubeconfig(target, kubeconfigOptions),
    writeKubeconfig: (file, kubeconfigOptions) => writeKubeconfigFile(file, target, kubeconfigOptions),
    close: async () => {
      for (const end of [...openWatches]) end();
      runtime.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
