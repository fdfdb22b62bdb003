/**
 * What the `oidc-login` commands read and write, and the parts tests replace. Standard input
 * is a function: creating `process.stdin` costs the credential plugin start-up time, and
 * only a prompt needs it.
 */
import { isKgateError } from '@kgate/core/errors';
import {
  EXEC_CREDENTIAL_V1,
  EXEC_INFO_ENV,
  type ExecCredentialApiVersion,
  readExecInfo,
} from '@kgate/core/exec-credential';
import type { CliInput } from '../../infrastructure/stdio.ts';
import { loadOsKeyring } from '../../infrastructure/token-store/keyring.ts';
import type { KeyringLoader } from '../../oidc/cache/store.ts';

/** Streams and environment. */
export interface OidcLoginIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Standard input, asked for only when a prompt is needed. */
  stdin(): CliInput;
  /** Whether standard input is a terminal (a function: only a login needs to know). */
  stdinIsTerminal(): boolean;
}

/** Replaceable parts, for tests. */
export interface OidcLoginDeps {
  /** How to reach the OS keyring; `null` never to use one. Default: the real one unless `KGATE_KEYRING=off`. */
  keyring?: KeyringLoader;
  /** The node binary the kubeconfig's launcher pins (default: this process's). */
  nodePath?: string;
  /** The credential-plugin bundle the launcher runs (default: `dist/kgate-oidc-login.cjs`). */
  bundlePath?: string;
}

/** The keyring loader of `deps`, or the default for `env`. */
export function keyringLoader(deps: OidcLoginDeps, env: OidcLoginIO['env']): KeyringLoader {
  if (deps.keyring !== undefined) return deps.keyring;
  return env.KGATE_KEYRING === 'off' ? null : loadOsKeyring;
}

/**
 * What the client asked for: the apiVersion (v1 when run by hand), and whether there is a
 * person to prompt (asked only when a login needs to know).
 */
export function execRequest(io: Pick<OidcLoginIO, 'env' | 'stdinIsTerminal'>): {
  apiVersion: ExecCredentialApiVersion;
  interactive(): boolean;
} {
  const raw = io.env[EXEC_INFO_ENV];
  if (raw === undefined || raw === '')
    return { apiVersion: EXEC_CREDENTIAL_V1, interactive: io.stdinIsTerminal };
  const info = readExecInfo(io.env);
  // kubectl says interactive when it handed over its terminal; without one there is nobody to ask.
  return { apiVersion: info.apiVersion, interactive: () => info.interactive && io.stdinIsTerminal() };
}

/** One line for kubectl to show above its own "getting credentials" error. */
export function oneLine(error: unknown): string {
  if (isKgateError(error) && error.user) {
    return `kgate oidc-login: ${error.message}${error.hint ? `; ${error.hint}` : ''}\n`;
  }
  return `kgate oidc-login: ${error instanceof Error ? error.message : String(error)}\n`;
}
