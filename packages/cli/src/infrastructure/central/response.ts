/**
 * Reading central's answers: its error envelope `{"error":{"code","message"}}` becomes a
 * {@link CentralError} that keeps the HTTP status and central's code for callers to branch
 * on, and bodies are checked field by field before kgate relies on them.
 */
import { CliError } from '../../errors.ts';
import type { CentralResponse } from '../https-transport.ts';

/** Central answered with an error status. */
export class CentralError extends CliError {
  /** The HTTP status. */
  readonly status: number;
  /** Central's own error code, when its body had one. */
  readonly centralCode: string | undefined;

  constructor(status: number, centralCode: string | undefined, message: string, hint: string) {
    super('CENTRAL_REJECTED', message, { hint });
    this.status = status;
    this.centralCode = centralCode;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hintFor(status: number): string {
  if (status === 401) return 'your session is no longer valid: run `kgate login`';
  if (status === 403) return 'your roles at central do not allow this; ask a kgate admin';
  if (status === 404) return 'check the name (list what exists with the matching `list` command)';
  if (status === 409) return 'it already exists; pick another name or remove the existing one first';
  if (status >= 500) return 'central failed; try again, and tell its operator if it persists';
  return 'check the values given';
}

/** The error for a non-2xx answer to the action described by `what` ("list clusters"). */
export function centralError(response: CentralResponse, what: string): CentralError {
  const envelope = isRecord(response.body) && isRecord(response.body.error) ? response.body.error : undefined;
  const code = typeof envelope?.code === 'string' ? envelope.code : undefined;
  const detail = typeof envelope?.message === 'string' ? envelope.message : `HTTP ${response.status}`;
  // Central's own hint knows the case; the status alone only gives a general one.
  const hint =
    typeof envelope?.hint === 'string' && envelope.hint !== '' ? envelope.hint : hintFor(response.status);
  return new CentralError(
    response.status,
    code,
    `central refused to ${what}: ${detail} (HTTP ${response.status}${code ? `, ${code}` : ''})`,
    hint,
  );
}

/** Throws unless `response` is 2xx. */
export function expectOk(response: CentralResponse, what: string): void {
  if (response.status < 200 || response.status > 299) throw centralError(response, what);
}

/** Field readers that name the field central got wrong. */
export class BodyReader {
  readonly #what: string;
  constructor(what: string) {
    this.#what = what;
  }

  fail(field: string): CliError {
    return new CliError('CENTRAL_BAD_RESPONSE', `central's answer to ${this.#what} has no valid ${field}`, {
      hint: 'check that --server points at kgate-central and that the CLI and central versions match',
      user: true,
    });
  }

  record(value: unknown, field: string): Record<string, unknown> {
    if (!isRecord(value)) throw this.fail(field);
    return value;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) throw this.fail(field);
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value === '') throw this.fail(field);
    return value;
  }

  /** Central's ids may be numbers (SQL) or strings; kgate keeps them as strings. */
  id(value: unknown, field: string): string {
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return this.string(value, field);
  }

  optionalString(value: unknown, field: string): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw this.fail(field);
    return value;
  }

  optionalNumber(value: unknown, field: string): number | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.fail(field);
    return value;
  }

  strings(value: unknown, field: string): string[] {
    const list = this.array(value, field);
    if (!list.every((v) => typeof v === 'string')) throw this.fail(field);
    return list as string[];
  }
}

/** A list answer: `{"<key>": [...]}` as central sends it, or a bare array. */
export function readList(reader: BodyReader, body: unknown, key: string): unknown[] {
  if (Array.isArray(body)) return body;
  return reader.array(reader.record(body, 'body')[key], key);
}
