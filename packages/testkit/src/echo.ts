/**
 * Checking a forwarded port (kubectl port-forward, the gateway's tunnel) against the
 * fixture's echo containers: what goes in must come back byte for byte.
 */
import net from 'node:net';

/**
 * Sends `payload` to `127.0.0.1:port`, half-closes, and resolves with what comes back
 * once the far side closes; fails when the connection is idle for `timeoutMs`.
 */
export function echoThrough(port: number, payload: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(payload));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no echo within ${timeoutMs} ms`)));
  });
}
