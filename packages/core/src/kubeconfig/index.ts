/**
 * `@kgate/core/kubeconfig`: the kubeconfig model with client-go's semantics.
 *
 * - types: the v1 file format; unknown fields survive a load and a write
 * - load: explicit file, else `KUBECONFIG` (merged first-wins), else `~/.kube/config`
 * - validate: every problem, named by entry index and field
 * - merge entries: add a cluster/user/context under a clear conflict policy
 * - update + write: which file a change goes to, and an atomic 0600 write
 *
 * @example
 * ```ts
 * import { addToKubeconfig } from '@kgate/core/kubeconfig';
 * const report = await addToKubeconfig({ cluster, user, context, setCurrentContext: true }, { homeDir });
 * ```
 */
export * from './context.ts';
export * from './load.ts';
export * from './merge-entries.ts';
export * from './merge-files.ts';
export { isBase64, parseKubeconfig } from './parse.ts';
export * from './paths.ts';
export * from './problems.ts';
export { serializeKubeconfig } from './serialize.ts';
export * from './types.ts';
export * from './update.ts';
export * from './validate.ts';
export * from './write.ts';
