/**
 * Whether a plugin gets the user's stdin, by `interactiveMode` (client-go `isInteractive`).
 */
import { KgateError } from '../errors.ts';
import type { ExecInteractiveMode } from './types.ts';

/**
 * `Never` → no stdin; `IfAvailable` → stdin only when it is a terminal; `Always` → stdin,
 * and an error when it is not a terminal (the plugin would wait for input nobody can type).
 *
 * @param command - named in the error, so the user knows which plugin wanted a terminal
 * @throws {KgateError} `EXEC_PLUGIN_NEEDS_TERMINAL` for `Always` without a terminal
 * @example
 * ```ts
 * const interactive = decideInteractive('IfAvailable', process.stdin.isTTY === true, 'kubelogin');
 * ```
 */
export function decideInteractive(
  mode: ExecInteractiveMode,
  stdinIsTerminal: boolean,
  command: string,
): boolean {
  switch (mode) {
    case 'Never':
      return false;
    case 'IfAvailable':
      return stdinIsTerminal;
    case 'Always':
      if (!stdinIsTerminal) {
        throw new KgateError(
          'EXEC_PLUGIN_NEEDS_TERMINAL',
          `exec plugin ${command} needs a terminal (interactiveMode: Always) but standard input is not a terminal`,
          {
            hint: 'run the command from a terminal, or set exec.interactiveMode to IfAvailable or Never if the plugin can work without one',
          },
        );
      }
      return true;
  }
}
