/**
 * Request ids: RFC 9562 version 7 UUIDs, a millisecond timestamp then random bits. Still
 * UUIDs (kube-apiserver takes them as its own Audit-ID), and ordered by time, so the
 * audit log's request_id index grows at its end: a batch of rows touches one or two of
 * its pages instead of one random page per row, which is most of what a commit writes.
 */
import * as crypto from 'node:crypto';

const hex = (bytes: Uint8Array, from: number, to: number) =>
  Buffer.from(bytes.subarray(from, to)).toString('hex');

/** A version 7 UUID built here, for Node.js releases before crypto.randomUUIDv7 (24.16). */
function uuidV7(): string {
  const bytes = crypto.randomBytes(16);
  const now = Date.now();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return `${hex(bytes, 0, 4)}-${hex(bytes, 4, 6)}-${hex(bytes, 6, 8)}-${hex(bytes, 8, 10)}-${hex(bytes, 10, 16)}`;
}

/** A new request id. */
export const newRequestId: () => string =
  typeof crypto.randomUUIDv7 === 'function' ? () => crypto.randomUUIDv7() : uuidV7;

/** Exposed for tests of the fallback. */
export const uuidV7ForTests = uuidV7;
