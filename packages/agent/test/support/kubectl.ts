/**
 * Running the real kubectl in gateway tests: one-shot runs with a timeout (never
 * blocking the event loop, since central and the agent run in this process), and
 * long-running ones (watch, logs -f, port-forward) whose output a test waits on.
 */
import { type KubectlVersion, kubectlPath } from '@kgate/testkit/kubectl';
import { type BackgroundProcess, type ProcessResult, runProcess, startProcess } from '@kgate/testkit/process';

export type KubectlRun = ProcessResult;

/** Runs kubectl to completion (killed after `timeoutMs`). */
export function kubectl(
  kubeconfig: string,
  args: string[],
  options: { version?: KubectlVersion; input?: string; timeoutMs?: number } = {},
): Promise<KubectlRun> {
  return runProcess(kubectlPath(options.version ?? '1.33'), ['--kubeconfig', kubeconfig, ...args], {
    input: options.input,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}

/** A long-running kubectl. */
export type SpawnedKubectl = BackgroundProcess;

export function spawnKubectl(
  kubeconfig: string,
  args: string[],
  version: KubectlVersion = '1.33',
): SpawnedKubectl {
  return startProcess(kubectlPath(version), ['--kubeconfig', kubeconfig, ...args], { killAfterMs: 60_000 });
}
