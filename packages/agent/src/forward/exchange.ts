/**
 * The agent's side of one Proxy call: verify the assertion, send the request to the
 * apiserver as the asserted user, and stream the response (or the upgraded
 * connection) back, with backpressure both ways and nothing buffered whole.
 *
 * Security rules kept here: redirects are never followed (node's client does not
 * follow; a 3xx goes back as is); only SPDY/3.1 and websocket upgrades are attempted,
 * each on a connection of its own that is destroyed after a non-101 answer
 * (CVE-2018-1002105), so the agent's credential never outlives a refused upgrade.
 *
 * A pooled keep-alive connection the apiserver (or a load balancer in front of it) closed
 * while idle fails the next request sent on it before any answer. Like Go's
 * `http.Transport`, which kubectl uses when it talks to the apiserver directly, the agent
 * then sends that request again on a new connection, once, when replaying it is safe: a
 * GET, HEAD or OPTIONS whose body (none) has not been sent.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { failureStatus, type StatusObject, statusResponse } from '@kgate/core/k8s-status';
import type { ApiServerTarget } from '../apiserver/target.ts';
import type { Logger } from '../log.ts';
import { type AssertedIdentity, AssertionError, type AssertionVerifier } from '../tunnel/assertion.ts';
import {
  type FrameChannel,
  type Open,
  type ProxyFrame,
  type ProxyFrameInit,
  pairsFromRaw,
} from '../tunnel/proto.ts';
import { apiserverRequestHeaders, requestedUpgrade } from './headers.ts';

/** What an exchange needs from the agent. */
export interface ExchangeContext {
  target: ApiServerTarget;
  /** Pooled keep-alive connections for plain requests. */
  agent: https.Agent;
  verifier: AssertionVerifier;
  clusterName: string;
  logger: Logger;
}

export class AgentExchange {
  readonly #channel: FrameChannel;
  readonly #context: ExchangeContext;
  #request: ClientRequest | undefined;
  #response: IncomingMessage | undefined;
  #socket: Duplex | undefined;
  /** Client bytes of an upgrade that arrived before the apiserver's 101. */
  #early: Uint8Array[] | undefined;
  #refused = false;
  #sentEnd = false;
  #receivedEnd = false;
  /** Request body bytes have been handed to the apiserver connection. */
  #bodySent = false;
  /** The request options, kept to send it again after a stale pooled connection (see above). */
  #options: https.RequestOptions | undefined;
  #retried = false;
  #done = false;
  readonly #replenish: () => void;
  #replenished = false;

  /**
   * `replenish` opens the idle stream that replaces this one; it is called when the
   * first response frame leaves (or the call ends without one), so that the new
   * stream's HEADERS travel in the same TCP write as the response instead of waking
   * central on their own while the apiserver works.
   */
  constructor(channel: FrameChannel, context: ExchangeContext, replenish: () => void = () => {}) {
    this.#channel = channel;
    this.#context = context;
    this.#replenish = replenish;
  }

  /** Serves the call whose first frame (`open`, maybe with body and `end`) is `first`. */
  start(first: ProxyFrame & { open: Open }): void {
    this.#channel.setHandlers({
      onFrame: (frame) => this.#onFrame(frame),
      onClose: (error) => this.#abort(error?.message ?? 'central closed the stream'),
    });
    const { open } = first;
    let identity: AssertedIdentity;
    try {
      identity = this.#context.verifier.verify(open.assertion, open.requestId);
    } catch (error) {
      const reason =
        error instanceof AssertionError ? error.message : 'the identity assertion could not be checked';
      this.#context.logger.warn('request refused', { requestId: open.requestId, reason });
      this.#refuse(failureStatus('Forbidden', `kgate-agent refused the request: ${reason}`));
      this.#onFrame({ ...first, open: undefined });
      return;
    }
    this.#forward(open, identity);
    this.#onFrame({ ...first, open: undefined });
  }

  #forward(open: Open, identity: AssertedIdentity): void {
    const { target } = this.#context;
    let upgrade: string | undefined;
    if (open.upgrade) {
      const asked = requestedUpgrade(open.headers);
      if (asked === undefined || asked === null) {
        this.#refuse(failureStatus('BadRequest', 'kgate-agent carries only SPDY/3.1 and websocket upgrades'));
        return;
      }
      upgrade = asked;
    }
    const headers = apiserverRequestHeaders(open.headers, identity, target.authorization(), upgrade);
    const base = target.url.pathname.replace(/\/$/, '');
    const options: https.RequestOptions = {
      protocol: 'https:',
      hostname: target.url.hostname.replace(/^\[|\]$/g, ''),
      port: target.url.port || 443,
      method: open.method,
      path: `${base}${open.path}`,
      headers,
    };
    if (upgrade === undefined) options.agent = this.#context.agent;
    else Object.assign(options, target.tls, { agent: false });
    this.#options = options;
    const request = this.#issue(options, upgrade !== undefined);
    if (upgrade !== undefined) {
      // An upgrade request has no body: send it now; client bytes wait for the 101.
      this.#early = [];
      request.end();
    }
  }

  #issue(options: https.RequestOptions, upgrade: boolean): ClientRequest {
    const request = https.request(options);
    this.#request = request;
    request.on('response', (response) => this.#onResponse(response, upgrade));
    request.on('upgrade', (response, socket, head) => this.#onUpgrade(response, socket, head));
    request.on('error', (error) => this.#onRequestError(request, error));
    request.on('drain', () => this.#channel.resume());
    return request;
  }

  /**
   * Sends the request again on a new connection when it failed on a pooled one before any
   * answer and replaying it is safe (see the file's comment); `false` when it is not.
   */
  #retryOnNewConnection(request: ClientRequest, error: Error): boolean {
    const options = this.#options;
    const code = (error as NodeJS.ErrnoException).code;
    if (
      this.#retried ||
      options === undefined ||
      options.agent === false ||
      !request.reusedSocket ||
      (code !== 'ECONNRESET' && code !== 'EPIPE') ||
      this.#bodySent ||
      !['GET', 'HEAD', 'OPTIONS'].includes(options.method ?? 'GET')
    )
      return false;
    this.#retried = true;
    this.#context.logger.debug('the apiserver closed an idle connection; sending the request again', {
      error: error.message,
    });
    // A connection of its own: the pool may hold more connections closed the same way.
    const again = this.#issue({ ...options, ...this.#context.target.tls, agent: false }, false);
    if (this.#receivedEnd) again.end();
    return true;
  }

  #onFrame(frame: ProxyFrame): void {
    if (this.#done) return;
    if (frame.reset !== undefined) {
      this.#abort(`central reset the request: ${frame.reset.reason}`);
      return;
    }
    if (frame.data.length > 0 && this.#early !== undefined && this.#socket === undefined)
      this.#early.push(frame.data);
    else if (frame.data.length > 0) {
      const sink = this.#socket ?? this.#request;
      if (sink !== undefined && sink === this.#request) this.#bodySent = true;
      if (sink !== undefined && !this.#refused && !sink.write(frame.data)) {
        this.#channel.pause();
        if (sink === this.#socket) sink.once('drain', () => this.#channel.resume());
      }
    }
    if (frame.end && !this.#receivedEnd) {
      this.#receivedEnd = true;
      if (this.#socket !== undefined) this.#socket.end();
      else if (this.#request !== undefined && !this.#refused && this.#early === undefined)
        this.#request.end();
      this.#finishIfDone();
    }
  }

  #onResponse(response: IncomingMessage, upgradeRefused: boolean): void {
    this.#response = response;
    if (upgradeRefused) {
      // CVE-2018-1002105: the connection never carries anything after this response.
      const socket = response.socket;
      const close = () => {
        socket?.destroy();
        this.#request?.destroy();
      };
      response.once('end', close);
      response.once('close', close);
    }
    // The body that arrived with the head (a whole small response, usually) leaves in
    // the same frame: the parser has pushed it by the time microtasks run.
    queueMicrotask(() => {
      if (this.#done) {
        response.destroy();
        return;
      }
      const parts: Buffer[] = [];
      for (
        let chunk = response.read() as Buffer | null;
        chunk !== null;
        chunk = response.read() as Buffer | null
      )
        parts.push(chunk);
      const complete = response.complete;
      const frame: ProxyFrameInit = {
        head: { status: response.statusCode ?? 502, headers: pairsFromRaw(response.rawHeaders) },
        end: complete,
      };
      if (parts.length > 0) frame.data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      this.#send(frame);
      if (complete) {
        this.#sentEnd = true;
        response.resume();
        this.#finishIfDone();
        return;
      }
      response.on('data', (chunk: Buffer) => {
        if (!this.#send({ data: chunk })) {
          response.pause();
          this.#channel.onDrain(() => response.resume());
        }
      });
      response.on('end', () => this.#sendEnd());
      response.on('error', (error) => this.#abort(`the apiserver response failed: ${error.message}`));
      response.on('aborted', () => this.#abort('the apiserver aborted the response'));
    });
  }

  #onUpgrade(response: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#done) {
      socket.destroy();
      return;
    }
    this.#socket = socket;
    const frame: ProxyFrameInit = {
      head: { status: response.statusCode ?? 101, headers: pairsFromRaw(response.rawHeaders) },
    };
    if (head.length > 0) frame.data = head;
    this.#send(frame);
    for (const early of this.#early ?? []) socket.write(early);
    if (this.#receivedEnd) socket.end();
    socket.on('data', (chunk: Buffer) => {
      if (!this.#send({ data: chunk })) {
        socket.pause();
        this.#channel.onDrain(() => socket.resume());
      }
    });
    socket.on('end', () => this.#sendEnd());
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#sendEnd();
      // The apiserver is gone: nothing central still sends can be delivered.
      if (!this.#receivedEnd) this.#finish();
    });
  }

  #onRequestError(request: ClientRequest, error: Error): void {
    if (this.#done || request !== this.#request) return;
    if (this.#response === undefined && this.#socket === undefined) {
      if (this.#retryOnNewConnection(request, error)) return;
      this.#context.logger.warn('apiserver unreachable', { error: error.message });
      this.#refuse(
        failureStatus(
          'ServiceUnavailable',
          `kgate-agent could not reach the API server of cluster "${this.#context.clusterName}": ${error.message}`,
        ),
      );
      return;
    }
    this.#abort(`the apiserver request failed: ${error.message}`);
  }

  /** Answers with a Status instead of forwarding; the request body, if any, is dropped. */
  #refuse(status: StatusObject): void {
    this.#refused = true;
    const { code, headers, body } = statusResponse(status);
    this.#send({
      head: { status: code, headers: Object.entries(headers).map(([name, value]) => ({ name, value })) },
      data: body,
      end: true,
    });
    this.#sentEnd = true;
    this.#finishIfDone();
  }

  #send(frame: ProxyFrameInit): boolean {
    this.#replenishOnce();
    return this.#channel.send(frame);
  }

  #replenishOnce(): void {
    if (this.#replenished) return;
    this.#replenished = true;
    this.#replenish();
  }

  #sendEnd(): void {
    if (this.#sentEnd || this.#done) return;
    this.#sentEnd = true;
    this.#send({ end: true });
    this.#finishIfDone();
  }

  #finishIfDone(): void {
    if (this.#sentEnd && this.#receivedEnd) this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#replenishOnce();
    this.#channel.end();
  }

  /** Drops everything: the apiserver request, its response or upgraded socket, and the call. */
  #abort(reason: string): void {
    if (this.#done) return;
    this.#done = true;
    this.#replenishOnce();
    this.#context.logger.debug('request aborted', { reason });
    this.#request?.destroy();
    this.#response?.destroy();
    this.#socket?.destroy();
    if (!this.#channel.closed) {
      this.#send({ reset: { reason } });
      this.#channel.end();
    }
  }
}
