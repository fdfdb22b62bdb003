import type { CertificateAuthority } from '@kgate/core/pki';
import type { Logger } from 'pino';
import type { AuthService } from './auth/service.ts';
import type { Clock } from './clock.ts';
import type { CentralConfig } from './config/index.ts';
import type { ClusterPresence } from './presence.ts';
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
  readonly presence: ClusterPresence;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Central's CA (`<data dir>/ca.crt`, `ca.key`): signs agent CSRs and, by default, the serving certificate. */
  readonly ca: CertificateAuthority;
  /** The URL users reach central at, also the `iss` of its tokens (known once listening). */
  publicUrl(): string;
}
