/** A user as the API shows it. */
export interface User {
  id: string;
  username: string;
  /** Sorted, unique. Role `admin` administers central. */
  roles: string[];
  createdAt: Date;
}

/** A user with the stored password hash, for login only. */
export interface UserWithPassword extends User {
  passwordHash: string | null;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface Cluster {
  id: string;
  name: string;
  createdAt: Date;
  lastSeenAt: Date | null;
  kubernetesVersion: string | null;
  nodeCount: number | null;
}

export interface JoinTokenRecord {
  id: string;
  clusterId: string;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

/** What a signing key signs: user access tokens, or identity assertions for agents. */
export type SigningKeyPurpose = 'access' | 'assertion';

export interface SigningKeyRecord {
  kid: string;
  purpose: SigningKeyPurpose;
  algorithm: 'RS256';
  privateKeyPem: string;
  createdAt: Date;
  retiredAt: Date | null;
}

/** ISO text in the database, Date in code. */
export const toIso = (date: Date): string => date.toISOString();
export const fromIso = (text: string): Date => new Date(text);
export const fromIsoOrNull = (text: string | null): Date | null => (text === null ? null : new Date(text));
