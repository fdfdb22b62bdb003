/**
 * Keeps one exec plugin's credential in memory, as client-go's Authenticator does: until its
 * `expirationTimestamp` (less a small skew), or for the provider's lifetime when it has none;
 * one plugin run at a time, shared by every caller waiting on it; and a forced re-run after
 * the server rejects the credential (401).
 */
import { validateExecConfig } from './config.ts';
import type { ExecCredentialResult } from './credential.ts';
import { type RunExecPluginOptions, runExecPlugin } from './run.ts';
import type { ExecConfig } from './types.ts';

/** Options for {@link ExecCredentialProvider}: how to run the plugin, and the clock. */
export interface ExecCredentialProviderOptions extends RunExecPluginOptions {
  /** Milliseconds since the epoch; defaults to `Date.now`. */
  now?: () => number;
  /**
   * How long before `expirationTimestamp` a credential counts as expired, so that it does
   * not lapse on its way to the server. Default 10 000 ms.
   */
  expirySkewMs?: number;
}

/** The default {@link ExecCredentialProviderOptions.expirySkewMs}. */
export const DEFAULT_EXPIRY_SKEW_MS = 10_000;

/**
 * The credential of one exec config for one cluster, cached in memory.
 *
 * @example
 * ```ts
 * const provider = new ExecCredentialProvider(user.exec, { cluster: execClusterFromKubeconfig(cluster) });
 * const credential = await provider.get();
 * const res = await fetch(url, { headers: { authorization: `Bearer ${credential.token}` } });
 * if (res.status === 401) provider.invalidate(credential);
 * ```
 */
export class ExecCredentialProvider {
  readonly #config: ExecConfig;
  readonly #options: ExecCredentialProviderOptions;
  readonly #now: () => number;
  readonly #skewMs: number;
  #cached: ExecCredentialResult | undefined;
  #running: Promise<ExecCredentialResult> | undefined;

  /** @throws {KgateError} `EXEC_CONFIG_INVALID` at once, rather than at the first `get()` */
  constructor(config: ExecConfig, options: ExecCredentialProviderOptions = {}) {
    validateExecConfig(config);
    this.#config = config;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#skewMs = options.expirySkewMs ?? DEFAULT_EXPIRY_SKEW_MS;
  }

  /**
   * The cached credential while it is fresh, else the result of one plugin run (which
   * concurrent callers share). A failed run is not cached: the next call tries again.
   *
   * @throws {KgateError} whatever `runExecPlugin` throws
   */
  get(): Promise<ExecCredentialResult> {
    const cached = this.#cached;
    if (cached !== undefined && !this.#isExpired(cached)) return Promise.resolve(cached);
    if (this.#running !== undefined) return this.#running;
    const running = this.#run();
    this.#running = running;
    return running;
  }

  /**
   * Drops the cached credential so that the next `get()` runs the plugin, as client-go does
   * after a 401. Pass the credential that was rejected: when it has already been replaced
   * (another request saw the 401 first), nothing happens, so one rejection costs one run.
   * A run in progress is kept: it started after any credential a caller can hold.
   */
  invalidate(rejected?: ExecCredentialResult): void {
    if (rejected !== undefined && rejected !== this.#cached) return;
    this.#cached = undefined;
  }

  async #run(): Promise<ExecCredentialResult> {
    try {
      const credential = await runExecPlugin(this.#config, this.#options);
      this.#cached = credential;
      return credential;
    } finally {
      this.#running = undefined;
    }
  }

  #isExpired(credential: ExecCredentialResult): boolean {
    if (credential.expiresAt === undefined) return false;
    return this.#now() >= credential.expiresAt.getTime() - this.#skewMs;
  }
}
