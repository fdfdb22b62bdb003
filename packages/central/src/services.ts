import type { CertificateAuthority } from '@kgate/core/pki';
import type { Logger } from 'pino';
import type { AuditLog } from './audit/types.ts';
import type { AuthService } from './auth/service.ts';
import type { SsoService } from './auth/sso/service.ts';
import type { Clock } from './clock.ts';
import type { CentralConfig } from './config/index.ts';
import type { ProxyEndpoint } from './exec/endpoint.ts';
import type { ClusterPresence } from './presence.ts';
import type { RbacService } from './rbac/service.ts';
import type { Store } from './store/index.ts';

/**
 * What central's parts share. The REST API uses it, and the hooks for the Kubernetes
 * proxy and the agent tunnel receive it: authentication (`auth.verifyAccessToken`,
 * `auth.verifyAccessTokenSignature` + `auth.loadIdentity`, `auth.verifyAgentJoinToken`), the
 * store, the presence registry and the CA that signs agent certificates.
 */
export interface CentralServices {
  readonly config: CentralConfig;
  readonly store: Store;
  readonly auth: AuthService;
  /** Single sign-on through the OIDC provider; undefined unless `auth.oidc` is configured. */
  readonly sso: SsoService | undefined;
  readonly presence: ClusterPresence;
  /** The write-ahead, hash-chained audit log of API calls and proxied requests. */
  readonly audit: AuditLog;
  /** Central RBAC: roles, decisions, and news of access changes. */
  readonly rbac: RbacService;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Central's CA (`<data dir>/ca.crt`, `ca.key`): signs agent CSRs and, by default, the serving certificate. */
  readonly ca: CertificateAuthority;
  /** The URL users reach central at, also the `iss` of its tokens (known once listening). */
  publicUrl(): string;
  /**
   * How central itself reaches its `/k8s/` proxy (for `POST /clusters/{name}/exec`): the
   * HTTPS URL it listens on and the certificate to trust (known once listening).
   */
  proxyEndpoint(): ProxyEndpoint;
}
