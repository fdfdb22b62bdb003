/**
 * `$KGATE_HOME/config.yaml`: the non-secret settings (current server, and per server its CA
 * file, selected cluster and the kubeconfig file `clusters use` wrote). `yaml` is imported
 * when the file is read, so the credential plugin pays for it only when it needs the file.
 */
import { readFileSync } from 'node:fs';
import { userError } from '../errors.ts';
import { writePrivateFile } from './private-fs.ts';

/** Settings kept for one server. */
export interface ServerSettings {
  /** Absolute path of central's CA file, as given to `kgate login`. */
  certificateAuthority?: string;
  /** The cluster `kgate clusters use` selected. */
  cluster?: string;
  /** The kubeconfig file `kgate clusters use --kubeconfig` wrote, when not the default one. */
  kubeconfig?: string;
}

/** The whole file. */
export interface KgateConfig {
  currentServer?: string;
  servers: Record<string, ServerSettings>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function invalid(file: string, what: string): Error {
  return userError(
    'CONFIG_INVALID',
    `${file}: ${what}`,
    `fix or delete ${file} (kgate login writes it again)`,
  );
}

function readServer(file: string, server: string, value: unknown): ServerSettings {
  if (!isRecord(value)) throw invalid(file, `servers["${server}"] is not a mapping`);
  const settings: ServerSettings = {};
  for (const key of ['certificateAuthority', 'cluster', 'kubeconfig'] as const) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw invalid(file, `servers["${server}"].${key} is not a string`);
    settings[key] = v;
  }
  return settings;
}

/** Reads the config; an absent file is an empty config. */
export async function loadConfig(file: string): Promise<KgateConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw error;
  }
  const { parse } = await import('yaml');
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw invalid(
      file,
      `not valid YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    );
  }
  if (value === null || value === undefined) return { servers: {} };
  if (!isRecord(value)) throw invalid(file, 'not a mapping');
  const config: KgateConfig = { servers: {} };
  if (value.currentServer !== undefined && value.currentServer !== null) {
    if (typeof value.currentServer !== 'string') throw invalid(file, 'currentServer is not a string');
    config.currentServer = value.currentServer;
  }
  const servers = value.servers ?? {};
  if (!isRecord(servers)) throw invalid(file, 'servers is not a mapping');
  for (const [server, settings] of Object.entries(servers))
    config.servers[server] = readServer(file, server, settings);
  return config;
}

/** Writes the config atomically (0600, like everything under kgate's home). */
export async function saveConfig(file: string, config: KgateConfig): Promise<void> {
  const { stringify } = await import('yaml');
  writePrivateFile(file, stringify(config));
}

/** Reads, changes and writes the config. */
export async function updateConfig(
  file: string,
  change: (config: KgateConfig) => void,
): Promise<KgateConfig> {
  const config = await loadConfig(file);
  change(config);
  await saveConfig(file, config);
  return config;
}

/** The settings of `server` in `config`, added (empty) when missing. */
export function settingsOf(config: KgateConfig, server: string): ServerSettings {
  const existing = config.servers[server];
  if (existing !== undefined) return existing;
  const created: ServerSettings = {};
  config.servers[server] = created;
  return created;
}
