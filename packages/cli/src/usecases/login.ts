/** `kgate login`: exchange a username and password for a token pair and keep it safe. */
import type { CliContext } from '../context.ts';
import { userError } from '../errors.ts';
import type { CaFile } from '../infrastructure/ca-file.ts';
import {
  loginRequest,
  logoutRequest,
  type TokenPair,
  whoamiRequest,
} from '../infrastructure/central/auth.ts';
import { CentralError } from '../infrastructure/central/response.ts';
import { settingsOf } from '../infrastructure/config-file.ts';
import type { SavedSession } from '../infrastructure/token-store/sessions.ts';
import { accessTokenExpiry } from './fresh-session.ts';
import type { StoredSession } from './session.ts';

/** What the user gave. */
export interface LoginInput {
  server: string;
  username: string;
  password: string;
  ca: CaFile | undefined;
}

/** What happened. */
export interface LoginResult {
  session: StoredSession;
  /** Where the tokens went, for the message. */
  storedIn: string;
  /** Why the keyring was not used, when it was not. */
  notInKeyring: SavedSession['notInKeyring'];
}

/**
 * Logs in and stores the session (keyring, else a 0600 file); makes `server` the current
 * one and remembers its CA file.
 *
 * @throws {CliError} `LOGIN_FAILED` for a wrong username or password
 */
export async function login(context: CliContext, input: LoginInput): Promise<LoginResult> {
  const connection = {
    server: input.server,
    ...(input.ca === undefined ? {} : { caPem: input.ca.pem, caSource: input.ca.path }),
  };
  let pair: TokenPair;
  try {
    pair = await loginRequest(context.transport, connection, input.username, input.password);
  } catch (error) {
    if (error instanceof CentralError && error.status === 403) {
      // Central turned password login off (auth.password_login: false); its hint names the way in.
      throw userError(
        'LOGIN_FAILED',
        `central at ${input.server} refused the password login of "${input.username}": password login is disabled there`,
        'log in with single sign-on: kgate login --sso',
        { cause: error },
      );
    }
    if (error instanceof CentralError && error.status === 401) {
      throw userError(
        'LOGIN_FAILED',
        `central at ${input.server} refused the login of "${input.username}": wrong username or password`,
        'check both and try again (the password is read from the prompt or --password-stdin)',
        { cause: error },
      );
    }
    throw error;
  }
  return saveLogin(context, { server: input.server, ca: input.ca }, pair);
}

/**
 * Keeps a session central just issued (by password or single sign-on): stores it
 * (keyring, else a 0600 file), logs out the one it replaces, makes `server` the current
 * one and remembers its CA file.
 */
export async function saveLogin(
  context: CliContext,
  input: { server: string; ca: CaFile | undefined },
  pair: TokenPair,
): Promise<LoginResult> {
  const connection = {
    server: input.server,
    ...(input.ca === undefined ? {} : { caPem: input.ca.pem, caSource: input.ca.path }),
  };
  const user = pair.user ?? (await whoamiRequest(context.transport, connection, pair.accessToken));
  const session: StoredSession = {
    version: 1,
    server: input.server,
    ...(input.ca === undefined ? {} : { caFile: input.ca.path, caPem: input.ca.pem }),
    user,
    accessToken: pair.accessToken,
    accessTokenExpiresAt: accessTokenExpiry(
      pair.accessToken,
      pair.expiresIn,
      context.clock.now(),
    ).toISOString(),
    refreshToken: pair.refreshToken,
  };
  const previous = await context.sessions.find(input.server);
  const saved = await context.sessions.saveNew(session);
  if (previous !== undefined && previous.session.refreshToken !== session.refreshToken) {
    // The session being replaced would otherwise stay valid at central until it expires.
    await logoutRequest(
      context.transport,
      context.connection(previous.session),
      previous.session.refreshToken,
    ).catch(() => undefined);
  }
  await context.updateConfig((config) => {
    config.currentServer = input.server;
    const settings = settingsOf(config, input.server);
    if (input.ca !== undefined) settings.certificateAuthority = input.ca.path;
  });
  return { session, storedIn: saved.store.describe(input.server), notInKeyring: saved.notInKeyring };
}
