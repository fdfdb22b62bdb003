/**
 * The tables, as Kysely sees them. Types are the portable subset SQLite and PostgreSQL
 * share: text ids (UUIDs made in code), ISO-8601 UTC text timestamps (they sort and
 * compare as text, and need no driver-specific date parsing), integers for counts.
 */
export interface UsersTable {
  id: string;
  username: string;
  /** `scrypt$…` (see auth/passwords.ts); null for users who cannot log in with a password. */
  password_hash: string | null;
  created_at: string;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
}

export interface RefreshTokensTable {
  id: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  token_hash: string;
  user_id: string;
  /** All tokens rotated from one login share a family; reuse of a revoked one revokes the family. */
  family_id: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface ClustersTable {
  id: string;
  name: string;
  created_at: string;
  last_seen_at: string | null;
  kubernetes_version: string | null;
  node_count: number | null;
}

export interface AgentJoinTokensTable {
  id: string;
  cluster_id: string;
  /** SHA-256 of the token, hex. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SigningKeysTable {
  /** JWK thumbprint (RFC 7638) of the public key. */
  kid: string;
  /** `access` (user tokens) or `assertion` (identity assertions for agents). */
  purpose: string;
  algorithm: string;
  /** PKCS#8 PEM. The database is as secret as the CA key: mode 0600 for SQLite. */
  private_key_pem: string;
  created_at: string;
  retired_at: string | null;
}

export interface Database {
  users: UsersTable;
  user_roles: UserRolesTable;
  refresh_tokens: RefreshTokensTable;
  clusters: ClustersTable;
  agent_join_tokens: AgentJoinTokensTable;
  signing_keys: SigningKeysTable;
}
