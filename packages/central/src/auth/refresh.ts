import { randomUUID } from 'node:crypto';
import { KgateError } from '@kgate/core/errors';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/index.ts';
import { randomToken, sha256Hex } from './secrets.ts';

/** Prefix of refresh tokens, so that secret scanners and people recognise them. */
export const REFRESH_TOKEN_PREFIX = 'kgr_';

export interface RefreshTokens {
  /** A new token for the user; a new family unless `familyId` continues one. */
  issue(userId: string, store?: Store, familyId?: string): Promise<string>;
  /**
   * Exchanges a token for a new one of the same family and revokes the old one.
   * Presenting a token that was already revoked revokes its whole family: either the
   * user or a thief used it twice, and central cannot tell which.
   * @throws KgateError `UNAUTHENTICATED` for an unknown, expired or revoked token.
   */
  rotate(token: string): Promise<{ userId: string; token: string }>;
  /** Revokes the token (logout). Unknown tokens are ignored: logout says nothing about validity. */
  revoke(token: string): Promise<void>;
}

function invalid(): KgateError {
  return new KgateError('UNAUTHENTICATED', 'the refresh token is not valid, has expired or was revoked', {
    hint: 'log in again',
  });
}

export function refreshTokens(options: {
  store: Store;
  ttlMs: number;
  clock: Clock;
  logger: Logger;
}): RefreshTokens {
  const { ttlMs, clock, logger } = options;
  const issue = async (userId: string, store: Store, familyId?: string): Promise<string> => {
    const token = randomToken(REFRESH_TOKEN_PREFIX);
    const now = clock();
    await store.refreshTokens.insert({
      id: randomUUID(),
      tokenHash: sha256Hex(token),
      userId,
      familyId: familyId ?? randomUUID(),
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlMs),
      revokedAt: null,
    });
    return token;
  };

  return {
    issue: (userId, store = options.store, familyId) => issue(userId, store, familyId),

    async rotate(token) {
      if (!token.startsWith(REFRESH_TOKEN_PREFIX)) throw invalid();
      // The outcome is decided inside the transaction but acted on after it commits, so
      // that revoking a family on reuse is not rolled back by the error that follows.
      const outcome = await options.store.transaction(async (tx) => {
        const now = clock();
        const record = await tx.refreshTokens.findByHash(sha256Hex(token));
        if (!record) return { kind: 'unknown' } as const;
        if (record.revokedAt !== null || !(await tx.refreshTokens.revoke(record.id, now))) {
          await tx.refreshTokens.revokeFamily(record.familyId, now);
          return { kind: 'reused', userId: record.userId } as const;
        }
        if (record.expiresAt.getTime() <= now.getTime()) return { kind: 'expired' } as const;
        const next = await issue(record.userId, tx, record.familyId);
        return { kind: 'rotated', userId: record.userId, token: next } as const;
      });
      if (outcome.kind === 'rotated') return { userId: outcome.userId, token: outcome.token };
      if (outcome.kind === 'reused') {
        logger.warn(
          { userId: outcome.userId },
          'revoked refresh token reused: revoked every token of its login',
        );
      }
      throw invalid();
    },

    async revoke(token) {
      if (!token.startsWith(REFRESH_TOKEN_PREFIX)) return;
      const record = await options.store.refreshTokens.findByHash(sha256Hex(token));
      if (record) await options.store.refreshTokens.revoke(record.id, clock());
    },
  };
}
