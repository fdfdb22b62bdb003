/** `kgate kubectl ARGS…`: which kubectl, and with which extra flags. */

/** Whether the user already chose `flag` (`--flag value` or `--flag=value`), before any `--`. */
export function hasFlag(args: readonly string[], flag: string): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === flag || arg.startsWith(`${flag}=`)) return true;
  }
  return false;
}

/** What to run. */
export interface KubectlPlan {
  command: string;
  args: string[];
}

/**
 * kubectl with `--context kgate-<selected>` (and the kubeconfig file `clusters use` wrote,
 * when it was not the default), unless the user passed their own. They go after the
 * user's arguments but before a `--`: kubectl refuses flags placed before a plugin's name
 * ("flags cannot be placed before plugin name"), and what follows `--` is the command
 * `kubectl exec` runs, not kubectl's.
 */
export function planKubectl(
  userArgs: readonly string[],
  options: { kubectl: string; context: string | undefined; kubeconfig: string | undefined },
): KubectlPlan {
  const extra: string[] = [];
  if (options.context !== undefined && !hasFlag(userArgs, '--context'))
    extra.push('--context', options.context);
  if (options.kubeconfig !== undefined && !hasFlag(userArgs, '--kubeconfig')) {
    extra.push('--kubeconfig', options.kubeconfig);
  }
  const dashes = userArgs.indexOf('--');
  const at = dashes === -1 ? userArgs.length : dashes;
  return { command: options.kubectl, args: [...userArgs.slice(0, at), ...extra, ...userArgs.slice(at)] };
}
