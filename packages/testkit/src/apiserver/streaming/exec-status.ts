/**
 * The Status a remote command session ends with, written on the error stream
 * (channel 3). These are `json.Marshal(metav1.Status)` without TypeMeta, exactly as
 * the kubelet (pkg/kubelet/cri/streaming/remotecommand/exec.go) and the API server's
 * WebSocket translator (apiserver/pkg/util/proxy/streamtranslator.go) write them:
 *
 * - success: `{"metadata":{},"status":"Success"}`
 * - exit code N: reason `NonZeroExitCode`, cause `{reason: ExitCode, message: "N"}`;
 *   client-go turns it into "command terminated with exit code N" and kubectl exits N
 * - anything else: an InternalError (code 500), which kubectl prints and exits 1 on
 */

export interface StreamStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: 'NonZeroExitCode' | 'InternalError';
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

/** How the session's Status is worded: the kubelet's (SPDY, WebSocket v1–v4) or the translator's (v5). */
export type StatusDialect = 'kubelet' | 'translator';

export function successStatus(): StreamStatus {
  return { metadata: {}, status: 'Success' };
}

/**
 * A non-zero exit code. The kubelet words the message with containerd's error
 * ("error executing command [sh -c exit 3], exit code 3"); the v5 translator re-wraps
 * the error its SPDY client produced ("command terminated with exit code 3").
 */
export function exitCodeStatus(
  code: number,
  command: readonly string[],
  dialect: StatusDialect,
): StreamStatus {
  const inner =
    dialect === 'translator'
      ? `command terminated with exit code ${code}`
      : `error executing command [${command.join(' ')}], exit code ${code}`;
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${inner}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** An internal error, as `apierrors.NewInternalError(err)` builds it. */
export function internalErrorStatus(error: string): StreamStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${error}`,
    reason: 'InternalError',
    details: { causes: [{ message: error }] },
    code: 500,
  };
}

/** What containerd + runc report when the command's executable does not exist. */
export function executableNotFoundStatus(command: string, execId: string): StreamStatus {
  return internalErrorStatus(
    `error executing command in container: failed to exec in container: failed to start exec "${execId}": ` +
      `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command}": ` +
      'executable file not found in $PATH: unknown',
  );
}

/**
 * The text the v1–v3 protocols write on the error stream instead of JSON
 * (`status.Error()`, i.e. the message; nothing on success).
 */
export function legacyStatusText(status: StreamStatus): string {
  return status.status === 'Success' ? '' : (status.message ?? '');
}
