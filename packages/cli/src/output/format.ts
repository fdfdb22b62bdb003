/**
 * Output for people (`-o table`, aligned columns like kubectl's) and for programs
 * (`-o json|yaml`, one documented object per command with `apiVersion` and `kind`, so that
 * its shape can evolve without breaking scripts).
 */
import { stringify } from 'yaml';

/** The values `-o` takes. */
export const outputFormats = ['table', 'json', 'yaml'] as const;
/** One of {@link outputFormats}. */
export type OutputFormat = (typeof outputFormats)[number];

/** The `apiVersion` of every machine-readable document the CLI prints. */
export const OUTPUT_API_VERSION = 'kgate.dev/v1alpha1';

/** Columns padded to their widest cell, separated by three spaces, no trailing blanks. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** A document as JSON (2-space indent) or YAML, ending in a newline. */
export function renderMachine(format: 'json' | 'yaml', document: unknown): string {
  return format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document);
}

/** kubectl's short durations: `45s`, `12m`, `5h`, `3d`. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** How long ago `iso` was, as {@link formatDuration}; `<unknown>` without a time. */
export function formatAge(iso: string | null, now: Date): string {
  const time = iso === null ? Number.NaN : Date.parse(iso);
  return Number.isNaN(time) ? '<unknown>' : formatDuration((now.getTime() - time) / 1000);
}

/** A value or `<none>` for a table cell. */
export function cell(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '<none>' : String(value);
}
