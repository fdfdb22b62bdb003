/**
 * Merging the files of `KUBECONFIG` into one view, with client-go's rules
 * (`ClientConfigLoadingRules.Load`): the first file to define a name wins it whole
 * (a later `dev` cluster is dropped, not merged field by field), and
 * `current-context` and each preference come from the first file that sets them.
 * Pure: the caller reads the files.
 */
import { isRecord, setOwn } from './parse.ts';
import { resolveConfigPaths } from './paths.ts';
import type { Config, NamedExtension, Preferences } from './types.ts';

/** One kubeconfig file as read: its path and its parsed, unresolved content. */
export interface KubeconfigSource {
  /** The file's absolute path. */
  path: string;
  /** Exactly as in the file (relative paths not resolved), for writing it back. */
  config: Config;
}

/** Where a merged entry was defined: the file and its index in that file's list. */
export interface EntryOrigin {
  file: string;
  index: number;
}

/** Where each entry of a merged view came from, by name. */
export interface KubeconfigOrigins {
  clusters: Map<string, EntryOrigin>;
  users: Map<string, EntryOrigin>;
  contexts: Map<string, EntryOrigin>;
  /** Top-level `extensions`. */
  extensions: Map<string, EntryOrigin>;
  /** The file whose `current-context` is in effect, if any sets one. */
  currentContext?: string;
}

/** The merged view of several files. */
export interface MergedKubeconfig {
  /** What a client sees: first-wins merge, relative paths resolved against their own file. */
  config: Config;
  origins: KubeconfigOrigins;
}

/** Options for {@link mergeKubeconfigFiles}. */
export interface MergeFilesOptions {
  /** Resolve relative paths against each entry's file (client-go's default). Default `true`. */
  resolvePaths?: boolean;
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

function mergeNamed<T extends { name: string }>(
  lists: ReadonlyArray<{ file: string; list: readonly T[] | null | undefined }>,
  origins: Map<string, EntryOrigin>,
): T[] {
  const out: T[] = [];
  for (const { file, list } of lists) {
    (list ?? []).forEach((entry, index) => {
      if (origins.has(entry.name)) return;
      origins.set(entry.name, { file, index });
      out.push(entry);
    });
  }
  return out;
}

function mergePreferences(all: ReadonlyArray<Preferences | undefined>): Preferences {
  const out: Preferences = {};
  for (const prefs of all) {
    for (const [key, value] of Object.entries(prefs ?? {})) {
      if (key !== 'extensions' && !Object.hasOwn(out, key) && isSet(value)) setOwn(out, key, value);
    }
  }
  const extensions = mergeNamed<NamedExtension>(
    all.map((prefs) => ({ file: '', list: prefs?.extensions })),
    new Map(),
  );
  if (extensions.length > 0) out.extensions = extensions;
  return out;
}

/**
 * Merges kubeconfig files given in precedence order (first wins).
 *
 * @example
 * ```ts
 * const { config, origins } = mergeKubeconfigFiles([
 *   { path: '/a/config', config: parseKubeconfig(textA, '/a/config') },
 *   { path: '/b/config', config: parseKubeconfig(textB, '/b/config') },
 * ]);
 * origins.clusters.get('dev')?.file; // the file that defined "dev" first
 * ```
 */
export function mergeKubeconfigFiles(
  sources: readonly KubeconfigSource[],
  options: MergeFilesOptions = {},
): MergedKubeconfig {
  const resolved = sources.map((source) => ({
    file: source.path,
    config: options.resolvePaths === false ? source.config : resolveConfigPaths(source.config, source.path),
  }));
  const origins: KubeconfigOrigins = {
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    extensions: new Map(),
  };
  const config: Config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: mergeNamed(
      resolved.map(({ file, config: c }) => ({ file, list: c.clusters })),
      origins.clusters,
    ),
    contexts: mergeNamed(
      resolved.map(({ file, config: c }) => ({ file, list: c.contexts })),
      origins.contexts,
    ),
    'current-context': '',
    preferences: mergePreferences(resolved.map(({ config: c }) => c.preferences)),
    users: mergeNamed(
      resolved.map(({ file, config: c }) => ({ file, list: c.users })),
      origins.users,
    ),
  };
  const current = resolved.find(({ config: c }) => isSet(c['current-context']));
  if (current !== undefined) {
    config['current-context'] = current.config['current-context'];
    origins.currentContext = current.file;
  }
  const extensions = mergeNamed(
    resolved.map(({ file, config: c }) => ({ file, list: c.extensions })),
    origins.extensions,
  );
  if (extensions.length > 0) config.extensions = extensions;
  // Fields kgate does not know: the first file that sets one wins it, like any scalar.
  for (const { config: c } of resolved) {
    for (const [key, value] of Object.entries(c)) {
      if (!Object.hasOwn(config, key) && value !== null && value !== undefined) setOwn(config, key, value);
    }
  }
  return { config, origins };
}
