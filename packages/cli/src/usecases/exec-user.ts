/**
 * The kubeconfig user entries kgate writes: a kubectl exec credential plugin (v1 API), no
 * cluster info passed, and a hint naming the kgate command that writes the entry again.
 */
import { EXEC_CREDENTIAL_V1 } from '@kgate/core/exec-credential';
import type { NamedAuthInfo } from '@kgate/core/kubeconfig';

export interface KgateExecUser {
  command: string;
  args: string[];
  /** Values that must not be in the arguments (any process can list those). */
  env?: { name: string; value: string }[];
  interactiveMode: 'Never' | 'IfAvailable';
  /** The kgate command that restores the entry, for kubectl's install hint. */
  writtenBy: string;
}

export function kgateExecUser(name: string, exec: KgateExecUser): NamedAuthInfo {
  return {
    name,
    user: {
      exec: {
        apiVersion: EXEC_CREDENTIAL_V1,
        command: exec.command,
        args: exec.args,
        ...(exec.env === undefined ? {} : { env: exec.env }),
        interactiveMode: exec.interactiveMode,
        provideClusterInfo: false,
        installHint: `kgate wrote this entry; run \`${exec.writtenBy}\` again to restore its credential plugin`,
      },
    },
  };
}
