/**
 * Checks a kubeconfig exec block the way client-go does before it runs anything
 * (`tools/clientcmd/validation.go`, `api/v1/defaults.go`), and fills in its defaults.
 */
import { KgateError } from '../errors.ts';
import {
  EXEC_CREDENTIAL_V1BETA1,
  type ExecConfig,
  type ExecCredentialApiVersion,
  type ExecEnvVar,
  type ExecInteractiveMode,
  execCredentialApiVersions,
  execInteractiveModes,
} from './types.ts';

/** An {@link ExecConfig} after {@link validateExecConfig}: every field present and checked. */
export interface ResolvedExecConfig {
  apiVersion: ExecCredentialApiVersion;
  command: string;
  args: readonly string[];
  env: readonly ExecEnvVar[];
  /** With terminal control characters replaced, since it is printed as-is. */
  installHint: string | undefined;
  provideClusterInfo: boolean;
  interactiveMode: ExecInteractiveMode;
}

function invalid(message: string, hint: string): KgateError {
  return new KgateError('EXEC_CONFIG_INVALID', message, { hint });
}

function isApiVersion(value: unknown): value is ExecCredentialApiVersion {
  return (execCredentialApiVersions as readonly unknown[]).includes(value);
}

function isInteractiveMode(value: unknown): value is ExecInteractiveMode {
  return (execInteractiveModes as readonly unknown[]).includes(value);
}

/**
 * Replaces control characters other than whitespace (ESC above all), so that a hint from a
 * kubeconfig cannot restyle or rewrite the user's terminal (client-go does the same).
 */
function cleanTerminalText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g, '\uFFFD');
}

/**
 * Validates an exec block and applies client-go's defaults: v1beta1 without
 * `interactiveMode` means `IfAvailable`; v1 requires it.
 *
 * @throws {KgateError} `EXEC_CONFIG_INVALID`, naming the field and the bad value
 * @example
 * ```ts
 * const config = validateExecConfig({ apiVersion: 'client.authentication.k8s.io/v1', command: 'kgate', interactiveMode: 'Never' });
 * ```
 */
export function validateExecConfig(config: ExecConfig): ResolvedExecConfig {
  const { apiVersion, command } = config;
  if (apiVersion === undefined || apiVersion === '') {
    throw invalid(
      'exec.apiVersion is not set',
      `set exec.apiVersion to ${execCredentialApiVersions.map((v) => `"${v}"`).join(' or ')}`,
    );
  }
  if (!isApiVersion(apiVersion)) {
    throw invalid(
      `exec.apiVersion ${JSON.stringify(apiVersion)} is not supported`,
      `set exec.apiVersion to ${execCredentialApiVersions.map((v) => `"${v}"`).join(' or ')}`,
    );
  }
  if (typeof command !== 'string' || command === '') {
    throw invalid('exec.command is empty', 'set exec.command to the credential plugin to run');
  }
  // A NUL cannot reach a process (execve cuts the string there), so it can only be a mistake.
  if (command.includes('\0')) {
    throw invalid('exec.command contains a NUL character', 'remove the NUL character from exec.command');
  }
  const args = config.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' && !a.includes('\0'))) {
    throw invalid(
      'exec.args must be a list of strings without NUL characters',
      'write exec.args as a YAML list of strings',
    );
  }
  const env = config.env ?? [];
  if (!Array.isArray(env)) {
    throw invalid('exec.env must be a list of {name, value}', 'write exec.env as a list of {name, value}');
  }
  env.forEach((entry: unknown, i) => {
    const e = entry as Partial<ExecEnvVar> | null;
    if (
      typeof e?.name !== 'string' ||
      e.name === '' ||
      /[=\0]/.test(e.name) ||
      typeof e.value !== 'string' ||
      e.value.includes('\0')
    ) {
      throw invalid(
        `exec.env[${i}] needs a non-empty name without "=" and a string value`,
        'give every exec.env entry a name and a value',
      );
    }
  });
  const mode = config.interactiveMode;
  let interactiveMode: ExecInteractiveMode;
  if (mode === undefined || mode === '') {
    if (apiVersion !== EXEC_CREDENTIAL_V1BETA1) {
      throw invalid(
        `exec.interactiveMode must be specified for ${apiVersion}`,
        'set exec.interactiveMode to Never, IfAvailable or Always',
      );
    }
    interactiveMode = 'IfAvailable';
  } else if (isInteractiveMode(mode)) {
    interactiveMode = mode;
  } else {
    throw invalid(
      `exec.interactiveMode ${JSON.stringify(mode)} is not valid`,
      'set exec.interactiveMode to Never, IfAvailable or Always',
    );
  }
  return {
    apiVersion,
    command,
    args,
    env,
    installHint: config.installHint ? cleanTerminalText(config.installHint) : undefined,
    provideClusterInfo: config.provideClusterInfo === true,
    interactiveMode,
  };
}
