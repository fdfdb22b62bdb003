import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CentralServices } from './services.ts';

/**
 * The Kubernetes API proxy's hook into central's HTTPS server (filled in by the proxy).
 *
 * Central calls `handleRequest` first for every request whose path starts with `/k8s/`,
 * before the REST API sees it; returning true means the proxy has taken the response.
 * Upgrade requests (SPDY, WebSocket: exec, attach, port-forward) under `/k8s/` go to
 * `handleUpgrade`; unhandled ones are answered 404 and closed. The proxy authenticates
 * itself with `services.auth.verifyAccessToken`.
 */
export interface ProxyHooks {
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Called by `central.close()`: end streams and tunnels still open. */
  close?(): Promise<void>;
}

/** Builds the proxy once central's services exist. */
export type ProxyFactory = (services: CentralServices) => ProxyHooks;

/** Where and with what the agent listener serves. */
export interface AgentListenerContext {
  host: string;
  /** 0 asks the OS for a free port. */
  port: number;
  /** Central's serving certificate and key, and its CA (to verify agent client certificates). */
  tls: { certPem: string; keyPem: string; caPem: string };
}

/** A running agent listener (the tunnel service agents dial). */
export interface AgentListener {
  /** The port it listens on (the real one when 0 was asked). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the agent listener on its own port (`server.agent_listen`). The tunnel replaces
 * the default, which answers every request 503 until a tunnel is built in.
 */
export type AgentListenerFactory = (
  services: CentralServices,
  context: AgentListenerContext,
) => Promise<AgentListener>;
