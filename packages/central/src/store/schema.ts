import type { ColumnType } from 'kysely';

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

export interface RolesTable {
  name: string;
  /** JSON of the role as `@kgate/core/rbac` validated it. */
  definition: string;
  created_at: string;
  updated_at: string;
}

/** A nonce handed out by `POST /auth/sso/start`, by hash; `used_at` once an ID token carried it. */
export interface SsoNoncesTable {
  /** SHA-256 of the nonce, hex. */
  nonce_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A nonce-less (device-code) ID token already exchanged, by hash, until it expires. */
export interface SsoUsedTokensTable {
  /** SHA-256 of the ID token, hex. */
  token_hash: string;
  expires_at: string;
}

/** A `bigint` column: pg returns it as a string (read it with `Number`), SQLite as a number. */
type Int64 = ColumnType<number | string, number, number>;
type NullableInt64 = ColumnType<number | string | null, number | null, number | null>;

/**
 * The audit log (see audit/): append-only, two rows per request (`begin` before it is
 * forwarded, `end` after), hash-chained in `seq` order. Columns a phase does not use are
 * null. Never holds a token, password or body.
 */
export interface AuditLogTable {
  /** Assigned by the writer as the head's seq + 1, so a deleted row leaves a gap. */
  seq: Int64;
  phase: 'begin' | 'end';
  request_id: string;
  time: string;
  kind: string | null;
  user_id: string | null;
  username: string | null;
  source_ip: string | null;
  cluster_id: string | null;
  cluster_name: string | null;
  method: string | null;
  /** Without the query string (it may hold credentials). */
  path: string | null;
  verb: string | null;
  api_group: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  /** JSON array of strings, for exec and attach. */
  command: string | null;
  decision: string | null;
  decision_rule: string | null;
  decision_reason: string | null;
  status: number | null;
  duration_ms: NullableInt64;
  bytes_in: NullableInt64;
  bytes_out: NullableInt64;
  error: string | null;
  /** SHA-256 hex of the previous row (64 zeros for the first). */
  prev_hash: string;
  hash: string;
}

/** One row (id 1): the newest seq and hash, so deleting the newest rows shows. */
export interface AuditHeadTable {
  id: number;
  seq: Int64;
  hash: string;
}

/** One row (id 1): moved on by every change of access (see store/access.ts). */
export interface AccessVersionTable {
  id: number;
  version: Int64;
}

export interface Database {
  users: UsersTable;
  user_roles: UserRolesTable;
  refresh_tokens: RefreshTokensTable;
  clusters: ClustersTable;
  agent_join_tokens: AgentJoinTokensTable;
  signing_keys: SigningKeysTable;
  roles: RolesTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  sso_nonces: SsoNoncesTable;
  sso_used_tokens: SsoUsedTokensTable;
  access_version: AccessVersionTable;
}
