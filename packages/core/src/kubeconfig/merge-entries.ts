/**
 * Adding a cluster, a user and a context to a kubeconfig without clobbering what is
 * there. A name that is already taken by an identical entry is a no-op; by a
 * different entry it is an error unless the caller chose `rename` (the new entry
 * becomes `name-2`, `name-3`, …, and the new context follows) or `overwrite`. The
 * report says what happened to each entry, so a front-end can tell the user.
 */
import { isDeepStrictEqual } from 'node:util';
import { KgateError } from '../errors.ts';
import { isRecord } from './parse.ts';
import type {
  Config,
  EntrySection,
  NamedAuthInfo,
  NamedCluster,
  NamedContext,
  SectionEntry,
} from './types.ts';

/** What to do when a name is taken by a different entry. */
export type ConflictPolicy = 'error' | 'rename' | 'overwrite';

/** The kind of a kubeconfig entry, as the report names it. */
export type EntryKind = 'cluster' | 'user' | 'context';

/** What to add. Paths in the entries should be absolute: they are written as given. */
export interface KubeconfigAdditions {
  cluster?: NamedCluster;
  user?: NamedAuthInfo;
  /** Its `cluster` and `user` follow a rename of the cluster or user added with it. */
  context?: NamedContext;
  /** Make the added context the current one. */
  setCurrentContext?: boolean;
}

/** Options for {@link mergeEntries}. */
export interface MergeEntriesOptions {
  /** Default `'error'`. */
  onConflict?: ConflictPolicy;
}

/** One entry in a {@link MergeReport}. */
export interface ReportedEntry {
  kind: EntryKind;
  /** The name the entry has in the config now. */
  name: string;
  /** The file it is (or will be) written in, when known. */
  file?: string;
}

/** What {@link mergeEntries} did. */
export interface MergeReport {
  /** New entries (under their final names). */
  added: ReportedEntry[];
  /** Entries already present with the same settings: nothing written. */
  unchanged: ReportedEntry[];
  /** Entries replaced by the new settings (policy `overwrite`). */
  overwritten: ReportedEntry[];
  /** Entries whose requested name was taken (policy `rename`); each is also in `added` or `unchanged`. */
  renamed: Array<{ kind: EntryKind; from: string; to: string }>;
  /** Set when `current-context` changed. */
  currentContext?: { from: string; to: string };
}

/** The result of {@link mergeEntries}. */
export interface MergeEntriesResult {
  config: Config;
  report: MergeReport;
}

const kindOf = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;
const bodyOf = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;

/** Drops what Go's JSON omits (null, "", false, empty lists and maps), so equal-as-kubectl-reads-it compares equal. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const n = normalize(field);
    const empty =
      n === undefined ||
      n === null ||
      n === '' ||
      n === false ||
      (Array.isArray(n) && n.length === 0) ||
      (isRecord(n) && Object.keys(n).length === 0);
    if (!empty) out[key] = n;
  }
  return out;
}

/**
 * Whether two entries mean the same to kubectl: equal after dropping empty values.
 *
 * @example
 * ```ts
 * sameEntry({ name: 'a', cluster: { server: 'https://x' } }, { name: 'a', cluster: { server: 'https://x', 'insecure-skip-tls-verify': false } }); // true
 * ```
 */
export function sameEntry(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(normalize(a), normalize(b));
}

function differingFields(existing: Record<string, unknown>, added: Record<string, unknown>): string[] {
  const a = normalize(existing);
  const b = normalize(added);
  if (!isRecord(a) || !isRecord(b)) return [];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (key) => !isDeepStrictEqual(a[key], b[key]),
  );
}

/**
 * Adds `additions` to `config` (which is not modified) under the conflict policy.
 * Throws `KUBECONFIG_CONFLICT` naming every clash under the default policy, and
 * `INVALID_ARGUMENT` for an entry without a name.
 *
 * @example
 * ```ts
 * const { config, report } = mergeEntries(loaded.config, { cluster, user, context, setCurrentContext: true }, { onConflict: 'rename' });
 * for (const r of report.renamed) console.error(`${r.kind} ${r.from} exists; added as ${r.to}`);
 * ```
 */
export function mergeEntries(
  config: Config,
  additions: KubeconfigAdditions,
  options: MergeEntriesOptions = {},
): MergeEntriesResult {
  const policy = options.onConflict ?? 'error';
  if (additions.setCurrentContext && additions.context === undefined)
    throw new KgateError('INVALID_ARGUMENT', 'setCurrentContext needs a context to add', {
      hint: 'pass the context to add along with setCurrentContext',
    });
  const out: Config = {
    ...config,
    clusters: [...(config.clusters ?? [])],
    users: [...(config.users ?? [])],
    contexts: [...(config.contexts ?? [])],
  };
  const report: MergeReport = { added: [], unchanged: [], overwritten: [], renamed: [] };
  const conflicts: string[] = [];

  const place = <S extends EntrySection>(section: S, entry: SectionEntry[S]): string => {
    if (typeof entry.name !== 'string' || entry.name === '')
      throw new KgateError('INVALID_ARGUMENT', `the ${kindOf[section]} to add has no name`, {
        hint: `give the ${kindOf[section]} a name`,
      });
    const list = (out[section] ?? []) as SectionEntry[S][];
    const kind = kindOf[section];
    const find = (name: string) => list.findIndex((e) => e.name === name);
    const index = find(entry.name);
    const existing = list[index];
    if (existing === undefined) {
      list.push(structuredClone(entry));
      report.added.push({ kind, name: entry.name });
      return entry.name;
    }
    if (sameEntry(existing, entry)) {
      report.unchanged.push({ kind, name: entry.name });
      return entry.name;
    }
    if (policy === 'overwrite') {
      list[index] = structuredClone(entry);
      report.overwritten.push({ kind, name: entry.name });
      return entry.name;
    }
    if (policy === 'error') {
      const body = bodyOf[section];
      const fields = differingFields(
        (existing as Record<string, unknown>)[body] as Record<string, unknown>,
        (entry as Record<string, unknown>)[body] as Record<string, unknown>,
      );
      conflicts.push(`${kind} "${entry.name}" exists with a different ${fields.join(', ') || 'content'}`);
      return entry.name;
    }
    for (let n = 2; ; n++) {
      const name = `${entry.name}-${n}`;
      const taken = list[find(name)];
      if (taken !== undefined && !sameEntry(taken, { ...entry, name })) continue;
      report.renamed.push({ kind, from: entry.name, to: name });
      if (taken === undefined) {
        list.push({ ...structuredClone(entry), name });
        report.added.push({ kind, name });
      } else report.unchanged.push({ kind, name });
      return name;
    }
  };

  const clusterName = additions.cluster && place('clusters', additions.cluster);
  const userName = additions.user && place('users', additions.user);
  let contextName: string | undefined;
  if (additions.context) {
    const context = { ...additions.context.context };
    // The new context points at the new cluster and user under their final names.
    if (additions.cluster && context.cluster === additions.cluster.name && clusterName)
      context.cluster = clusterName;
    if (additions.user && context.user === additions.user.name && userName) context.user = userName;
    contextName = place('contexts', { ...additions.context, context });
  }

  if (conflicts.length > 0)
    throw new KgateError('KUBECONFIG_CONFLICT', `cannot add to the kubeconfig: ${conflicts.join('; ')}`, {
      hint: 'choose other names, or merge with onConflict "rename" (keep both) or "overwrite" (replace)',
    });

  if (additions.setCurrentContext && contextName !== undefined) {
    const from = config['current-context'] ?? '';
    if (from !== contextName) report.currentContext = { from, to: contextName };
    out['current-context'] = contextName;
  }
  return { config: out, report };
}
