/** How clusters are printed by `kgate clusters list` and `kgate admin clusters list`. */
import type { ClusterInfo } from '../infrastructure/central/clusters.ts';
import {
  cell,
  formatAge,
  OUTPUT_API_VERSION,
  type OutputFormat,
  renderMachine,
  renderTable,
} from './format.ts';

/** One cluster in `-o json|yaml` (documented in packages/cli/README.md). */
export interface ClusterOutput {
  name: string;
  status: string;
  lastSeen: string | null;
  kubernetesVersion: string | null;
  nodeCount: number | null;
  createdAt: string | null;
  /** Whether `kgate clusters use` selected it. */
  selected: boolean;
}

/** The `-o json|yaml` document of a cluster list. */
export interface ClusterListOutput {
  apiVersion: typeof OUTPUT_API_VERSION;
  kind: 'ClusterList';
  items: ClusterOutput[];
}

/** Renders clusters in `format`; `selected` is the name `kgate clusters use` chose. */
export function renderClusters(
  clusters: readonly ClusterInfo[],
  format: OutputFormat,
  selected: string | undefined,
  now: Date,
): string {
  if (format === 'table') {
    if (clusters.length === 0) return '';
    return renderTable(
      ['CURRENT', 'NAME', 'STATUS', 'VERSION', 'NODES', 'LAST SEEN', 'AGE'],
      clusters.map((c) => [
        c.name === selected ? '*' : '',
        c.name,
        c.status,
        cell(c.kubernetesVersion),
        cell(c.nodeCount),
        c.lastSeen === null ? '<never>' : formatAge(c.lastSeen, now),
        formatAge(c.createdAt, now),
      ]),
    );
  }
  const document: ClusterListOutput = {
    apiVersion: OUTPUT_API_VERSION,
    kind: 'ClusterList',
    items: clusters.map((c) => ({ ...c, selected: c.name === selected })),
  };
  return renderMachine(format, document);
}
