/**
 * Finding and reading kubeconfig files the way kubectl does
 * (client-go `NewDefaultClientConfigLoadingRules` and `Load`):
 *
 * 1. an explicit file (`--kubeconfig`) is the only file, and it must exist;
 * 2. else the files of `KUBECONFIG` (split on `path.delimiter`, empty entries and
 *    repeats dropped), merged first-wins, missing ones skipped;
 * 3. else `~/.kube/config`, if it exists.
 *
 * Where the files are is a pure function of the options ({@link kubeconfigLocations});
 * reading is a parameter ({@link KubeconfigReader}); merging is pure
 * (merge-files.ts). Nothing here reads the environment or the home directory at
 * module load.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KgateError } from '../errors.ts';
import { type KubeconfigSource, type MergedKubeconfig, mergeKubeconfigFiles } from './merge-files.ts';
import { parseKubeconfig } from './parse.ts';
import { assertValidConfig } from './validate.ts';

/** Reads one file: its text, or `undefined` when it does not exist. Other failures throw. */
export type KubeconfigReader = (file: string) => Promise<string | undefined>;

/** Where to look for kubeconfig files. Every field defaults to the real process at call time. */
export interface KubeconfigLocationOptions {
  /** A file named explicitly (`--kubeconfig`); it must exist. */
  explicitPath?: string;
  /** The environment to read `KUBECONFIG` from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The home directory holding `.kube/config`. Default `os.homedir()`. */
  homeDir?: string;
  /** The directory relative paths are resolved against. Default `process.cwd()`. */
  cwd?: string;
}

/** The files a load considers, in precedence order. */
export interface KubeconfigLocations {
  /** Whether the one file was named explicitly. */
  explicit: boolean;
  /** Absolute paths, first wins. */
  files: string[];
  /** Whether the list came from `KUBECONFIG` (which changes where new entries are written). */
  fromEnv: boolean;
}

/**
 * The files kubectl would read, without touching the disk.
 *
 * A `KUBECONFIG` holding only empty entries counts as unset (client-go would read
 * nothing at all, which is never what the user meant).
 *
 * @example
 * ```ts
 * kubeconfigLocations({ env: { KUBECONFIG: '/a:/b' }, homeDir: '/home/me' }).files; // ['/a', '/b']
 * ```
 */
export function kubeconfigLocations(options: KubeconfigLocationOptions = {}): KubeconfigLocations {
  const cwd = options.cwd ?? process.cwd();
  if (options.explicitPath !== undefined && options.explicitPath !== '')
    return { explicit: true, files: [path.resolve(cwd, options.explicitPath)], fromEnv: false };
  const fromEnv = (options.env ?? process.env).KUBECONFIG ?? '';
  const listed = [
    ...new Set(
      fromEnv
        .split(path.delimiter)
        .filter((entry) => entry !== '')
        .map((entry) => path.resolve(cwd, entry)),
    ),
  ];
  if (listed.length > 0) return { explicit: false, files: listed, fromEnv: true };
  const home = options.homeDir ?? os.homedir();
  return { explicit: false, files: [path.join(home, '.kube', 'config')], fromEnv: false };
}

/**
 * Reads a file from disk; `undefined` when it does not exist.
 *
 * @example
 * ```ts
 * const text = await readKubeconfigFile('/home/me/.kube/config');
 * ```
 */
export const readKubeconfigFile: KubeconfigReader = async (file) => {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new KgateError(
      'KUBECONFIG_READ_FAILED',
      `cannot read kubeconfig ${file}: ${code ?? String(error)}`,
      {
        hint:
          code === 'EISDIR'
            ? 'point at the config file inside that directory'
            : 'check that the file is readable by you (ls -l), or remove it from KUBECONFIG',
        cause: error,
      },
    );
  }
};

/** Options for {@link loadKubeconfig}. */
export interface LoadKubeconfigOptions extends KubeconfigLocationOptions {
  /** How to read a file. Default {@link readKubeconfigFile}. */
  readFile?: KubeconfigReader;
  /**
   * Also run `validateConfig` on the merged view and throw every problem. Default
   * `false`: like kubectl, load what parses and let dangling references fail on use.
   */
  strict?: boolean;
}

/** The result of {@link loadKubeconfig}: the merged view and the files behind it. */
export interface LoadedKubeconfig extends MergedKubeconfig {
  locations: KubeconfigLocations;
  /** The files that exist, in precedence order, as read (for writing back). */
  files: KubeconfigSource[];
  /** Files of the precedence list that do not exist. */
  missing: string[];
}

/**
 * Loads kubeconfig like kubectl: explicit file, else `KUBECONFIG`, else `~/.kube/config`.
 *
 * Throws `KUBECONFIG_NOT_FOUND` when the explicit file is missing, `KUBECONFIG_READ_FAILED`
 * when a file exists but cannot be read, and `KUBECONFIG_INVALID` for what kubectl
 * refuses to load (or, with `strict`, any validation problem). No file at all is an
 * empty config, as in kubectl.
 *
 * @example
 * ```ts
 * const loaded = await loadKubeconfig({ explicitPath: flags.kubeconfig, env: process.env, homeDir });
 * loaded.config['current-context'];
 * ```
 */
export async function loadKubeconfig(options: LoadKubeconfigOptions = {}): Promise<LoadedKubeconfig> {
  const locations = kubeconfigLocations(options);
  const read = options.readFile ?? readKubeconfigFile;
  const texts = await Promise.all(locations.files.map(async (file) => ({ file, text: await read(file) })));
  const files: KubeconfigSource[] = [];
  const missing: string[] = [];
  for (const { file, text } of texts) {
    if (text === undefined) missing.push(file);
    else files.push({ path: file, config: parseKubeconfig(text, file) });
  }
  const [explicitFile] = locations.files;
  if (locations.explicit && explicitFile !== undefined && missing.length > 0)
    throw new KgateError('KUBECONFIG_NOT_FOUND', `kubeconfig ${explicitFile} does not exist`, {
      hint: 'check the path given to --kubeconfig, or leave it out to use KUBECONFIG or ~/.kube/config',
    });
  const merged = mergeKubeconfigFiles(files);
  if (options.strict) assertValidConfig(merged.config, { origins: merged.origins });
  return { ...merged, locations, files, missing };
}
