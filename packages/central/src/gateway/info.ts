/**
 * `GET /info` (no token needed): where central is reached. `kgate admin clusters add`
 * reads `agent_url` from it for the agent manifest, so nobody has to guess the agent
 * port. Public on purpose: both URLs are what clients and agents dial anyway.
 */
import type { Api } from '../api/app.ts';

/** The body of `GET /info`. */
export interface InfoJson {
  /** The REST API and `/k8s/` proxy, as users reach it (`server.public_url`, else derived). */
  server_url: string;
  /** The agent port, as clusters reach it (`server.agent_public_url`, else derived). */
  agent_url: string;
  /** How often agents heartbeat, in milliseconds. */
  heartbeat_interval_ms: number;
  /**
   * How to log in with single sign-on (`kgate login --sso`): the IdP, the CLI's client
   * there and the scopes to ask for. Absent unless `auth.oidc` is set.
   */
  sso?: { issuer_url: string; client_id: string; scopes: string[] };
  /** Whether `POST /auth/login` takes passwords (`auth.password_login`); given along with `sso`. */
  password_login?: boolean;
}

export function infoRoute(app: Api, info: () => InfoJson): void {
  app.get('/info', { config: { public: true } }, async () => info());
}
