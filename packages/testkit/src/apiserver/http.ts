/**
 * HTTP plumbing shared by the handlers: reading a request body (JSON or YAML, with the
 * real server's size limit), writing JSON responses, and the `Accept` negotiation
 * kubectl relies on (`as=Table`, `as=PartialObjectMetadata[List]`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Json } from './json.ts';
import { decodeProtobufObject } from './protobuf.ts';
import { ApiError, badRequest, failureStatus, notAcceptable } from './status.ts';

/** kube-apiserver's default request body limit (3 MiB). */
const maxBody = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBody)
      throw new ApiError(
        failureStatus('RequestEntityTooLarge', 'the server has received too large a request body'),
      );
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Decodes a body as JSON, YAML when the content type says so (as `apply-patch+yaml`
 * does), or Kubernetes protobuf.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): Json {
  if ((contentType ?? '').startsWith('application/vnd.kubernetes.protobuf'))
    return decodeProtobufObject(body);
  const yaml = (contentType ?? '').includes('yaml');
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the body of the request was empty');
  try {
    return (yaml ? parseYaml(text) : JSON.parse(text)) as Json;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw badRequest(`error decoding ${yaml ? 'YAML' : 'JSON'}: ${detail}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: Json | object): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

/** What the client asked the response to be converted to. */
export type Conversion = 'none' | 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/**
 * Picks the first acceptable JSON media range: a Table or partial-metadata conversion
 * when asked for in meta.k8s.io v1/v1beta1, else plain JSON. 406 when nothing JSON fits.
 */
export function negotiate(header: string | undefined, allowConversion: boolean): Conversion {
  for (const range of parseAccept(header)) {
    if (range.type !== 'application/json' && range.type !== '*/*' && range.type !== 'application/*') continue;
    const as = range.params.as;
    if (as === undefined) return 'none';
    if (!allowConversion) continue;
    const group = range.params.g;
    const version = range.params.v;
    if (group !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1')) continue;
    if (as === 'Table' || as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return as;
  }
  throw notAcceptable(
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
}
