import { randomBytes, randomUUID } from 'node:crypto';
import { KgateError } from '@kgate/core/errors';
import type { Logger } from 'pino';
import { ADMIN_ROLE } from '../auth/identity.ts';
import type { PasswordVerifier } from '../auth/passwords.ts';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/index.ts';

/**
 * Creates the first admin when the store has no user at all (first start). The password
 * is `givenPassword` (from KGATE_BOOTSTRAP_ADMIN_PASSWORD, never printed back) or a
 * random one printed once to `out`. Returns whether a user was created.
 */
export async function bootstrapAdmin(deps: {
  store: Store;
  passwords: PasswordVerifier;
  clock: Clock;
  logger: Logger;
  username: string;
  givenPassword: string | undefined;
  out: { write(text: string): unknown };
}): Promise<boolean> {
  const { store, username, givenPassword } = deps;
  if ((await store.users.count()) > 0) return false;
  if (givenPassword !== undefined && givenPassword.length < 12) {
    throw new KgateError('CONFIG_INVALID', 'KGATE_BOOTSTRAP_ADMIN_PASSWORD is shorter than 12 characters', {
      hint: 'use a longer password, or unset it to get a random one',
    });
  }
  const password = givenPassword ?? randomBytes(18).toString('base64url');
  const passwordHash = await deps.passwords.hash(password);
  const created = await store.transaction(async (tx) => {
    if ((await tx.users.count()) > 0) return false;
    await tx.users.create({
      id: randomUUID(),
      username,
      passwordHash,
      roles: [ADMIN_ROLE],
      createdAt: deps.clock(),
    });
    return true;
  });
  if (!created) return false;
  deps.logger.info({ username }, 'bootstrap admin created');
  if (givenPassword === undefined) {
    deps.out.write(
      `kgate-central: created user "${username}" (role ${ADMIN_ROLE}) with this one-time password:\n\n    ${password}\n\nIt is shown only now; keep it safe.\n`,
    );
  } else {
    deps.out.write(
      `kgate-central: created user "${username}" (role ${ADMIN_ROLE}) with the password from KGATE_BOOTSTRAP_ADMIN_PASSWORD\n`,
    );
  }
  return true;
}
