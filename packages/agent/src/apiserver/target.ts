/**
 * Where and how the agent reaches its apiserver: a base URL, TLS settings, and the
 * agent's own credential (a bearer token re-read when its file rotates, or a client
 * certificate).
 */
import { readFileSync, statSync } from 'node:fs';
import { KgateError } from '@kgate/core/errors';

/** TLS settings for requests to the apiserver. */
export interface ApiServerTls {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** The apiserver as the agent forwards to it. */
export interface ApiServerTarget {
  /** `https://host:port`, plus a path prefix when the kubeconfig server has one. */
  readonly url: URL;
  readonly tls: ApiServerTls;
  /** The agent's own `Authorization` value (`Bearer …`), or `undefined` with a client certificate. */
  authorization(): string | undefined;
  /** Where the settings came from, for logs (never a secret). */
  readonly source: string;
}

/**
 * A bearer token read from a file and re-read when the file changes (projected
 * ServiceAccount tokens rotate; kubelet swaps the file atomically). The file is
 * checked at most every `checkEveryMs`.
 */
export class TokenFile {
  readonly path: string;
  readonly #checkEveryMs: number;
  readonly #now: () => number;
  #token: string;
  #mtimeMs: number;
  #checkedAt: number;

  constructor(path: string, options: { checkEveryMs?: number; now?: () => number } = {}) {
    this.path = path;
    this.#checkEveryMs = options.checkEveryMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#mtimeMs = this.#stat();
    this.#token = this.#read();
    this.#checkedAt = this.#now();
  }

  /** The current token. */
  current(): string {
    const now = this.#now();
    if (now - this.#checkedAt >= this.#checkEveryMs) {
      this.#checkedAt = now;
      try {
        const mtime = this.#stat();
        if (mtime !== this.#mtimeMs) {
          this.#token = this.#read();
          this.#mtimeMs = mtime;
        }
      } catch {
        // Keep the last token: a rotation in progress must not fail requests.
      }
    }
    return this.#token;
  }

  #stat(): number {
    try {
      return statSync(this.path).mtimeMs;
    } catch (error) {
      throw new KgateError('CONFIG_INVALID', `cannot read the token file ${this.path}`, {
        hint: 'mount the ServiceAccount token (automountServiceAccountToken) or pass --kubeconfig',
        cause: error,
      });
    }
  }

  #read(): string {
    const token = readFileSync(this.path, 'utf8').trim();
    if (token === '')
      throw new KgateError('CONFIG_INVALID', `the token file ${this.path} is empty`, {
        hint: 'check the ServiceAccount token mount',
      });
    return token;
  }
}
