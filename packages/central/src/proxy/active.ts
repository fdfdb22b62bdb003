/**
 * The proxied requests that are still open (watches, logs -f, exec, attach,
 * port-forward), so that a change of access can close those it no longer allows: a
 * removed user's watch ends at once instead of when the client next reconnects.
 */
import type { RequestInfo } from '@kgate/core/request-info';
import type { ClusterRef, Identity } from '../tunnel/ports.ts';

/** One open request. */
export interface OpenRequest {
  readonly identity: Identity;
  readonly cluster: ClusterRef;
  readonly info: RequestInfo;
  /** Ends the request towards client and agent, saying why (kept in the audit record). */
  close(reason: string): void;
}

/** Tells whether an open request is still allowed; false closes it. */
export type StillAllowed = (request: OpenRequest) => boolean | Promise<boolean>;

export class OpenRequests {
  readonly #open = new Set<OpenRequest>();

  /** Tracks `request` until the returned function is called. */
  add(request: OpenRequest): () => void {
    this.#open.add(request);
    return () => this.#open.delete(request);
  }

  get size(): number {
    return this.#open.size;
  }

  /** Closes every open request `stillAllowed` refuses; resolves with how many. */
  async closeRevoked(stillAllowed: StillAllowed, reason: string): Promise<number> {
    let closed = 0;
    for (const request of [...this.#open]) {
      if (await stillAllowed(request)) continue;
      this.#open.delete(request);
      request.close(reason);
      closed += 1;
    }
    return closed;
  }
}
