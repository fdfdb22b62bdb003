export type { AccessVersionRepository } from './access.ts';
export type { ClusterRepository, ClusterSighting } from './clusters.ts';
export type { JoinTokenRepository } from './join-tokens.ts';
export type { RefreshTokenRepository } from './refresh-tokens.ts';
export type { RoleRepository, StoredRole } from './roles.ts';
export type { Database } from './schema.ts';
export type { SigningKeyRepository } from './signing-keys.ts';
export { createStore, openStore, type Store } from './store.ts';
export type {
  Cluster,
  JoinTokenRecord,
  RefreshTokenRecord,
  SigningKeyPurpose,
  SigningKeyRecord,
  User,
  UserWithPassword,
} from './types.ts';
export { isUniqueViolation } from './unique.ts';
export type { UserRepository } from './users.ts';
