/**
 * A plugin's output: {@link parseExecCredential} checks it as client-go does before using it;
 * {@link formatExecCredential} writes it, so that a kgate plugin cannot print what kubectl
 * would reject. Messages never quote the output, since it holds the secret.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { KgateError } from '../errors.ts';
import {
  type ExecCredentialApiVersion,
  type ExecCredentialStatus,
  execCredentialApiVersions,
} from './types.ts';

/** A credential a plugin returned, checked. */
export interface ExecCredentialResult {
  apiVersion: ExecCredentialApiVersion;
  token: string | undefined;
  clientCertificateData: string | undefined;
  clientKeyData: string | undefined;
  /** When the client must run the plugin again; `undefined` means "not until rejected". */
  expiresAt: Date | undefined;
}

/** {@link ExecCredentialStatus} as a plugin hands it to {@link formatExecCredential}. */
export type ExecCredentialStatusInput = Omit<ExecCredentialStatus, 'expirationTimestamp'> & {
  expirationTimestamp?: string | Date;
};

const OUTPUT_HINT =
  'a credential plugin must print only an ExecCredential JSON object on stdout (logs belong on stderr); run the plugin by hand to see what it prints';

/** The plugin's fault: one code, one hint, and never the output itself. */
function invalid(message: string, hint = OUTPUT_HINT): KgateError {
  return new KgateError('EXEC_CREDENTIAL_INVALID', message, { hint });
}

// Go's time.RFC3339 layout, which metav1.Time parses (fractional seconds allowed).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Quotes a value from the output only when it has the shape of what was expected there, so
 * that a secret put in the wrong field is never echoed.
 */
function quoteIfShaped(value: unknown, shape: RegExp): string {
  if (value === undefined) return 'none';
  return typeof value === 'string' && shape.test(value) ? JSON.stringify(value) : 'an invalid value';
}

function parseExpiry(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw invalid('status.expirationTimestamp is not an RFC 3339 time');
  return new Date(time);
}

function optionalString(status: Record<string, unknown>, field: string): string | undefined {
  const value = status[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`status.${field} is not a string`);
  return value;
}

function checkKeyPair(certPem: string, keyPem: string): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw invalid('status.clientCertificateData is not a PEM certificate');
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw invalid('status.clientKeyData is not a PEM private key');
  }
  if (!cert.checkPrivateKey(key)) {
    throw invalid('status.clientKeyData is not the key of status.clientCertificateData');
  }
}

/**
 * Parses and checks what a plugin printed: JSON, `kind: ExecCredential`, the apiVersion the
 * client asked for, and a status holding a token and/or a matching certificate and key.
 *
 * @throws {KgateError} `EXEC_CREDENTIAL_INVALID`; the message names the field, never its secret
 * @example
 * ```ts
 * const { token, expiresAt } = parseExecCredential(stdout, 'client.authentication.k8s.io/v1');
 * ```
 */
export function parseExecCredential(
  output: string,
  apiVersion: ExecCredentialApiVersion,
): ExecCredentialResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    // JSON.parse's own message quotes the input, which may be a bare token.
    throw invalid(
      output.trim() === ''
        ? 'the plugin printed nothing on stdout'
        : `stdout is not JSON (${Buffer.byteLength(output)} bytes)`,
    );
  }
  if (!isRecord(parsed)) throw invalid('stdout is JSON but not an object');
  if (parsed.kind !== 'ExecCredential') {
    throw invalid(`kind is ${quoteIfShaped(parsed.kind, /^[A-Za-z]{1,63}$/)}, not "ExecCredential"`);
  }
  if (parsed.apiVersion !== apiVersion) {
    throw invalid(
      `the exec config asks for apiVersion ${apiVersion} but the plugin returned ${quoteIfShaped(parsed.apiVersion, /^[a-z0-9.-]{1,253}\/v[a-z0-9]{1,20}$/)}`,
      `make the plugin print apiVersion ${apiVersion} (it is in KUBERNETES_EXEC_INFO), or set exec.apiVersion to the version it prints`,
    );
  }
  const status = parsed.status;
  if (status === undefined || status === null) throw invalid('the ExecCredential has no status');
  if (!isRecord(status)) throw invalid('status is not an object');
  const token = optionalString(status, 'token');
  const clientCertificateData = optionalString(status, 'clientCertificateData');
  const clientKeyData = optionalString(status, 'clientKeyData');
  if (token === undefined && clientCertificateData === undefined && clientKeyData === undefined) {
    throw invalid('status holds neither a token nor a client certificate and key');
  }
  if ((clientCertificateData === undefined) !== (clientKeyData === undefined)) {
    throw invalid('status holds only one of clientCertificateData and clientKeyData; both are needed');
  }
  if (clientCertificateData !== undefined && clientKeyData !== undefined) {
    checkKeyPair(clientCertificateData, clientKeyData);
  }
  const expiresAt = parseExpiry(status.expirationTimestamp);
  return { apiVersion, token, clientCertificateData, clientKeyData, expiresAt };
}

function formatTime(value: string | Date): string {
  if (typeof value === 'string') {
    parseExpiry(value);
    return value;
  }
  if (Number.isNaN(value.getTime())) throw invalid('status.expirationTimestamp is an invalid Date');
  // Whole seconds, as metav1.Time writes them; rounding down keeps the promise conservative.
  return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The ExecCredential JSON a plugin prints on stdout (with a trailing newline). It is checked
 * with {@link parseExecCredential}'s rules first, so kubectl will accept it.
 *
 * @throws {KgateError} `EXEC_CREDENTIAL_INVALID` when the status would be rejected
 * @example
 * ```ts
 * const info = readExecInfo(process.env);
 * process.stdout.write(formatExecCredential(info.apiVersion, { token, expirationTimestamp: expiry }));
 * ```
 */
export function formatExecCredential(
  apiVersion: ExecCredentialApiVersion,
  status: ExecCredentialStatusInput,
): string {
  if (!(execCredentialApiVersions as readonly string[]).includes(apiVersion)) {
    throw new KgateError(
      'INVALID_ARGUMENT',
      `apiVersion ${JSON.stringify(apiVersion)} is not an ExecCredential version`,
      {
        hint: `use one of ${execCredentialApiVersions.join(', ')}`,
      },
    );
  }
  const out: ExecCredentialStatus = {};
  if (status.expirationTimestamp !== undefined)
    out.expirationTimestamp = formatTime(status.expirationTimestamp);
  if (status.token) out.token = status.token;
  if (status.clientCertificateData) out.clientCertificateData = status.clientCertificateData;
  if (status.clientKeyData) out.clientKeyData = status.clientKeyData;
  const json = JSON.stringify({
    kind: 'ExecCredential',
    apiVersion,
    spec: { interactive: false },
    status: out,
  });
  parseExecCredential(json, apiVersion);
  return `${json}\n`;
}
