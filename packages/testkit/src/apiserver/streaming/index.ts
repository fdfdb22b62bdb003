/**
 * Pod streams of the API fixture: `pods/log` (with follow), `pods/exec` and
 * `pods/attach` (WebSocket channel.k8s.io v1/v4/v5 and their base64 variants, or a
 * SPDY/3.1 upgrade), `pods/portforward` (SPDY/3.1 framing, over WebSocket or a plain
 * SPDY upgrade), and the fake containers behind them.
 *
 * CONTRACT between the server (routing, authn, authz, pod lookup) and this module:
 * the server calls these after it has authenticated and authorized the request and
 * found the pod. Errors reach the client as Kubernetes Status objects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { servePodLog } from './pod-log.ts';
import type { PodRef } from './pod-ref.ts';
import type { PodRuntime } from './runtime.ts';
import { servePodUpgrade } from './upgrade.ts';

export type { PodRef } from './pod-ref.ts';
export { PodRuntime, type PodRuntimeOptions, type PodStream } from './runtime.ts';

/**
 * Serves `GET …/pods/NAME/log` (query: container, follow, tailLines, timestamps,
 * previous, sinceSeconds, sinceTime, limitBytes). Errors are written as Status objects.
 */
export function handlePodLog(
  runtime: PodRuntime,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  pod: PodRef,
): void {
  // The response's close (client gone) ends a follow; the request itself is not needed.
  servePodLog(runtime, res, url, pod);
}

/**
 * Serves an upgrade request for `pods/exec`, `pods/attach` or `pods/portforward`
 * (the server has already authenticated and authorized it and found the pod).
 */
export function handlePodUpgrade(
  runtime: PodRuntime,
  kind: 'exec' | 'attach' | 'portforward',
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
  pod: PodRef,
): void {
  servePodUpgrade(runtime, kind, req, socket, head, url, pod);
}
