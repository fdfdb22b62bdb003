/**
 * The HTTPS server's `upgrade` listener: exec, attach and port-forward go through the
 * same authentication, impersonation and authorization as any request, and the pod is
 * looked up, before the stream handlers take the socket. A refusal is written as an
 * HTTP response carrying a Status on the raw socket, which is then closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { forbiddenFor } from './auth/impersonation.ts';
import { authorize } from './auth/rbac.ts';
import { podRefOf } from './podref.ts';
import { admit, attributesOf, newRecord, type RouterDeps, toStatus } from './router.ts';
import { findResourceType, podStreams } from './routes.ts';
import { badRequest, type StatusObject } from './status.ts';
import { handlePodUpgrade } from './streaming/index.ts';

function minorVersion(gitVersion: string): number {
  return Number(/^v\d+\.(\d+)/.exec(gitVersion)?.[1] ?? '0');
}

/** Writes a Status as a plain HTTP/1.1 response on a raw socket and closes it. */
function rejectUpgrade(socket: Duplex, status: StatusObject): void {
  const body = JSON.stringify(status);
  const reason = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
  }[status.code];
  socket.end(
    `HTTP/1.1 ${status.code} ${reason ?? 'Error'}\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The `upgrade` listener: exec, attach and port-forward after the same checks as any request. */
export function createUpgradeListener(
  deps: RouterDeps,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const record = newRecord(req);
    deps.requests.push(record);
    socket.on('error', () => socket.destroy());
    const run = async () => {
      const { info, url, user } = await admit(deps, req, record);
      const type = info.isResourceRequest ? findResourceType(info) : undefined;
      const kind = info.subresource;
      if (
        type === undefined ||
        type.group !== '' ||
        type.resource !== 'pods' ||
        !podStreams.has(kind) ||
        info.name === ''
      )
        throw badRequest('only exec, attach and portforward on pods can be upgraded');
      // From 1.35 (AuthorizePodWebsocketUpgradeCreatePermission, KEP-4006) a WebSocket (GET)
      // upgrade of these subresources also needs `create`; before, `get` was enough.
      if (
        info.verb !== 'create' &&
        minorVersion(deps.gitVersion) >= 35 &&
        !authorize(deps.rules, attributesOf(user, info, 'create'))
      )
        throw forbiddenFor(attributesOf(user, info, 'create'));
      const pod = deps.store.getObject(type, info.namespace, info.name);
      record.status = 101;
      handlePodUpgrade(
        deps.runtime,
        kind === 'exec' ? 'exec' : kind === 'attach' ? 'attach' : 'portforward',
        req,
        socket,
        head,
        url,
        podRefOf(pod),
      );
    };
    run().catch((error: unknown) => {
      const status = toStatus(error);
      record.status = status.code;
      rejectUpgrade(socket, status);
    });
  };
}
