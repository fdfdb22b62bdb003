/**
 * `kgate kubectl ARGS…` / `kgate k ARGS…`: the local kubectl against the selected cluster.
 * Every argument after the verb is kubectl's, so `main()` routes here before option parsing.
 */
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { userError } from '../errors.ts';
import { findExecutable } from '../infrastructure/find-executable.ts';
import { hasFlag, planKubectl } from '../usecases/kubectl-args.ts';
import { runKubectlOnCentral } from '../usecases/remote-kubectl.ts';
import { normalizeServer } from '../usecases/server-url.ts';
import { contextName } from '../usecases/use-cluster.ts';

/** Runs kubectl with `args`; resolves with its exit code. */
export async function runKubectl(context: CliContext, args: readonly string[]): Promise<number> {
  const config = await context.loadConfig();
  const envServer = context.io.env.KGATE_SERVER;
  const server = envServer ? normalizeServer(envServer) : config.currentServer;
  const settings = server === undefined ? undefined : config.servers[server];
  const selected = settings?.cluster;
  // No kubectl here (and none named by KGATE_KUBECTL): central runs it for the selected cluster.
  if (!context.io.env.KGATE_KUBECTL && findExecutable('kubectl', context.io.env.PATH) === undefined) {
    if (server === undefined || selected === undefined) {
      throw userError(
        'CLUSTER_NOT_SELECTED',
        'no cluster is selected for `kgate kubectl`, and without a local kubectl central needs one to run it on',
        'run `kgate clusters use NAME`, or install kubectl',
      );
    }
    return runKubectlOnCentral(context, server, selected, args);
  }
  if (selected === undefined && !hasFlag(args, '--context')) {
    throw userError(
      'CLUSTER_NOT_SELECTED',
      'no cluster is selected for `kgate kubectl`',
      'run `kgate clusters use NAME` (or pass --context)',
    );
  }
  const plan = planKubectl(args, {
    kubectl: context.io.env.KGATE_KUBECTL || 'kubectl',
    context: selected === undefined ? undefined : contextName(selected),
    kubeconfig: settings?.kubeconfig,
  });
  return context.runKubectl({ command: plan.command, args: plan.args, env: context.io.env });
}

/** The `kubectl` command, for help only: `main()` runs it before commander parses anything. */
export function kubectlCommand(): Command {
  return new Command('kubectl')
    .alias('k')
    .description(
      "run kubectl against the selected cluster (adds --context kgate-<cluster>); all arguments are kubectl's",
    )
    .argument('[args...]', 'kubectl arguments')
    .allowUnknownOption()
    .helpOption(false);
}
