/**
 * `kgate login`: exchange a username and password, or an ID token from the company's
 * OpenID provider (`--sso`), for a token pair and keep it safe.
 */
import { rootCertificates } from 'node:tls';
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
import { ssoLoginRequest, ssoSettingsRequest, ssoStartRequest } from '../infrastructure/central/sso.ts';
import { settingsOf } from '../infrastructure/config-file.ts';
import type { SavedSession } from '../infrastructure/token-store/sessions.ts';
import type { DeviceCodePrompt } from '../oidc/login.ts';
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

/** What `kgate login --sso` was given. */
export interface SsoLoginInput {
  server: string;
  /** Central's CA; trusted for the identity provider too, besides the system roots. */
  ca: CaFile | undefined;
  /** `authcode`: a browser and a loopback redirect on this machine; `device-code`: a code to enter elsewhere. */
  grant: 'authcode' | 'device-code';
  /** Sends the user to the login page (opens a browser, prints the URL). */
  openUrl(url: string): void | Promise<void>;
  /** Tells the user where to enter the device code. */
  showCode(prompt: DeviceCodePrompt): void | Promise<void>;
  /** The user's time to finish at the provider (default 180 s). */
  timeoutMs?: number;
}

/**
 * Logs in through the identity provider central names in `GET /info`: asks central for
 * a nonce, logs in at the provider (authorization code + PKCE via a loopback redirect,
 * carrying that nonce, or device code), hands the ID token to central and stores the
 * session central returns, exactly as a password login's.
 *
 * @throws {CliError} `FAILED_PRECONDITION` when central has no SSO configured; `CENTRAL_REJECTED`
 *   when central refuses the ID token (its message says why); the `OIDC_*` errors of the login
 */
export async function loginWithSso(context: CliContext, input: SsoLoginInput): Promise<LoginResult> {
  const connection = {
    server: input.server,
    ...(input.ca === undefined ? {} : { caPem: input.ca.pem, caSource: input.ca.path }),
  };
  const settings = await ssoSettingsRequest(context.transport, connection);
  if (settings === undefined) {
    throw userError(
      'FAILED_PRECONDITION',
      `central at ${input.server} has no single sign-on configured`,
      'log in with a password (kgate login), or ask its operator to set auth.oidc (docs/sso.md)',
    );
  }
  // openid-client is loaded only by the logins that use it.
  const { discoverOidcProvider } = await import('../oidc/login.ts');
  const provider = await discoverOidcProvider({
    issuerUrl: settings.issuerUrl,
    clientId: settings.clientId,
    scopes: settings.scopes,
    // The IdP usually has a public certificate, or one from the company CA central's may share.
    ...(input.ca === undefined
      ? {}
      : {
          ca: {
            pem: `${rootCertificates.join('\n')}\n${input.ca.pem}`,
            source: `${input.ca.path} or the system CAs`,
          },
        }),
  });
  const timeout = input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs };
  const tokens =
    input.grant === 'device-code'
      ? // The device flow carries no nonce: central accepts its ID token only fresh, and once.
        await provider.login({ grant: 'device-code', showCode: input.showCode }, timeout)
      : await provider.login(
          { grant: 'authcode', openUrl: input.openUrl },
          { ...timeout, nonce: (await ssoStartRequest(context.transport, connection)).nonce },
        );
  // A refusal is central's CENTRAL_REJECTED error: its message says which check failed.
  const pair = await ssoLoginRequest(context.transport, connection, tokens.idToken);
  return saveLogin(context, { server: input.server, ca: input.ca }, pair);
}
