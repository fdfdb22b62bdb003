/**
 * Which file a change goes to when several files make up the kubeconfig, after
 * client-go's `ModifyConfig` and kubectl's `PathOptions.GetDefaultFilename`:
 *
 * - a change to an existing entry goes to the file that defined it;
 * - a new entry and a new `current-context` go to the default file: the explicit file;
 *   else, with `KUBECONFIG`, its only file, or the first of its files that exists, or
 *   (none exists) its last file; else `~/.kube/config`.
 *
 * Each file keeps everything else it had, including relative paths and unknown
 * fields; only files that change are written.
 */
import { KgateError } from '../errors.ts';
import type { LoadedKubeconfig, LoadKubeconfigOptions } from './load.ts';
import { loadKubeconfig } from './load.ts';
import {
  type EntryKind,
  type KubeconfigAdditions,
  type MergeEntriesOptions,
  type MergeReport,
  mergeEntries,
  type ReportedEntry,
} from './merge-entries.ts';
import type { KubeconfigSource } from './merge-files.ts';
import { type Config, type EntrySection, emptyConfig } from './types.ts';
import { type WriteKubeconfigOptions, writeKubeconfigFile } from './write.ts';

/**
 * The file kubectl writes new entries to.
 *
 * @example
 * ```ts
 * defaultWriteTarget(await loadKubeconfig({ env: { KUBECONFIG: '/a:/b' } })); // '/a' if it exists
 * ```
 */
export function defaultWriteTarget(loaded: Pick<LoadedKubeconfig, 'locations' | 'files'>): string {
  const { files } = loaded.locations;
  const [first] = files;
  const last = files[files.length - 1];
  if (first === undefined || last === undefined)
    throw new KgateError('INTERNAL', 'no kubeconfig location to write to');
  if (!loaded.locations.fromEnv || files.length === 1) return first;
  return loaded.files[0]?.path ?? last;
}

/** What {@link planKubeconfigUpdate} decided. */
export interface KubeconfigUpdatePlan {
  /** The merged view after the change. */
  config: Config;
  /** What happened to each entry, with the file each one is in. */
  report: MergeReport;
  /** The files to write, each complete, in precedence order. Empty when nothing changed. */
  writes: KubeconfigSource[];
}

/** Assigns a section's list; TypeScript cannot tie a section key to its entry type by itself. */
function setSection(config: Config, section: EntrySection, list: Array<{ name: string }>): void {
  (config as Record<EntrySection, unknown>)[section] = list;
}

const sectionOf: Record<EntryKind, EntrySection> = {
  cluster: 'clusters',
  user: 'users',
  context: 'contexts',
};

/**
 * Merges `additions` into a loaded kubeconfig and works out which files change.
 * Pure: nothing is written.
 *
 * @example
 * ```ts
 * const plan = planKubeconfigUpdate(loaded, { cluster, user, context, setCurrentContext: true }, { onConflict: 'rename' });
 * for (const w of plan.writes) await writeKubeconfigFile(w.path, w.config);
 * ```
 */
export function planKubeconfigUpdate(
  loaded: LoadedKubeconfig,
  additions: KubeconfigAdditions,
  options: MergeEntriesOptions = {},
): KubeconfigUpdatePlan {
  const { config, report } = mergeEntries(loaded.config, additions, options);
  const target = defaultWriteTarget(loaded);
  const changed = new Map<string, Config>();
  const fileConfig = (file: string): Config => {
    let current = changed.get(file);
    if (current === undefined) {
      const source = loaded.files.find((f) => f.path === file)?.config;
      current = source === undefined ? emptyConfig() : { ...source };
      changed.set(file, current);
    }
    return current;
  };
  const entryNamed = (section: EntrySection, name: string) =>
    (config[section] ?? []).find((entry) => entry.name === name);

  for (const entry of report.added) {
    const section = sectionOf[entry.kind];
    const value = entryNamed(section, entry.name);
    if (value === undefined) continue;
    const file = fileConfig(target);
    setSection(file, section, [...(file[section] ?? []), value]);
    entry.file = target;
  }
  for (const entry of report.overwritten) {
    const section = sectionOf[entry.kind];
    const value = entryNamed(section, entry.name);
    const origin = loaded.origins[section].get(entry.name);
    if (value === undefined || origin === undefined) continue;
    const file = fileConfig(origin.file);
    setSection(
      file,
      section,
      (file[section] ?? []).map((old) => (old.name === entry.name ? value : old)),
    );
    entry.file = origin.file;
  }
  const located = (entry: ReportedEntry) => {
    const file = loaded.origins[sectionOf[entry.kind]].get(entry.name)?.file;
    if (file !== undefined) entry.file = file;
  };
  report.unchanged.forEach(located);
  if (report.currentContext !== undefined) fileConfig(target)['current-context'] = report.currentContext.to;

  const order = loaded.locations.files;
  const writes = [...changed]
    .map(([path, fileConfigValue]) => ({ path, config: fileConfigValue }))
    .sort((a, b) => order.indexOf(a.path) - order.indexOf(b.path));
  return { config, report, writes };
}

/** Options for {@link addToKubeconfig}. */
export interface AddToKubeconfigOptions
  extends LoadKubeconfigOptions,
    MergeEntriesOptions,
    WriteKubeconfigOptions {
  /** How to write one file. Default {@link writeKubeconfigFile}. */
  writeFile?: (file: string, config: Config, options: WriteKubeconfigOptions) => Promise<string>;
}

/**
 * Load, merge and write in one step: what `kgate` does to put a cluster into the
 * user's kubeconfig. Returns the report (with files).
 *
 * @example
 * ```ts
 * const report = await addToKubeconfig({ cluster, user, context, setCurrentContext: true }, { homeDir, onConflict: 'rename' });
 * ```
 */
export async function addToKubeconfig(
  additions: KubeconfigAdditions,
  options: AddToKubeconfigOptions = {},
): Promise<MergeReport> {
  const loaded = await loadKubeconfig(options);
  const plan = planKubeconfigUpdate(loaded, additions, options);
  const write = options.writeFile ?? writeKubeconfigFile;
  const writeOptions = options.followSymlinks === undefined ? {} : { followSymlinks: options.followSymlinks };
  for (const { path, config } of plan.writes) await write(path, config, writeOptions);
  return plan.report;
}
