/**
 * The small launcher a kubeconfig's exec entry points at (`$KGATE_HOME/bin/kgate-token`, or
 * `kgate-oidc-login` for `kgate oidc-login setup`). It
 * pins the node binary and the kgate installation that wrote it: kubectl runs plugins with
 * whatever PATH it has, where `node` may be a different (older) Node or missing, and a bare
 * `kgate` may be another version. It goes straight to the token bundle, not through the CLI.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { userError } from '../errors.ts';
import { writePrivateFile } from './private-fs.ts';

/** What the launcher runs. */
export interface LauncherOptions {
  binDir: string;
  /** Baked in, so the plugin reads the same home `kgate login` wrote to. */
  kgateHome: string;
  /** Absolute path of the node binary (the one running kgate now). */
  nodePath: string;
  /** Absolute path of the bundle it runs (`dist/kgate-token.cjs`, `dist/kgate-oidc-login.cjs`). */
  tokenBundle: string;
  /** The file name without extension. Default `kgate-token`. */
  name?: string;
  /** Who wrote it and how kubeconfig entries run it, for someone reading the file. */
  writtenBy?: string;
  platform?: NodeJS.Platform;
}

const defaultWrittenBy =
  '`kgate clusters use`: kubeconfig exec entries run `<this file> token --server URL`.';

function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function posixLauncher(o: LauncherOptions): string {
  return [
    '#!/bin/sh',
    `# Written by ${o.writtenBy ?? defaultWrittenBy}`,
    '# It pins the node and the kgate installation that wrote it; running that command again rewrites it.',
    `KGATE_HOME=${shQuote(o.kgateHome)}`,
    'export KGATE_HOME',
    `exec ${shQuote(o.nodePath)} ${shQuote(o.tokenBundle)} "$@"`,
    '',
  ].join('\n');
}

function windowsLauncher(o: LauncherOptions): string {
  return [
    '@echo off',
    `rem Written by ${o.writtenBy ?? defaultWrittenBy}`,
    `set "KGATE_HOME=${o.kgateHome}"`,
    `"${o.nodePath}" "${o.tokenBundle}" %*`,
    '',
  ].join('\r\n');
}

/**
 * Writes (or rewrites) the launcher and returns its absolute path.
 *
 * @throws {CliError} `TOKEN_BUNDLE_MISSING` when the bundle has not been built
 */
export function writeTokenLauncher(options: LauncherOptions): string {
  if (!existsSync(options.tokenBundle)) {
    throw userError(
      'TOKEN_BUNDLE_MISSING',
      `the credential plugin bundle ${options.tokenBundle} does not exist`,
      'build it with `npm run build -w kgate` (npm ci does this)',
    );
  }
  const windows = (options.platform ?? process.platform) === 'win32';
  const name = options.name ?? 'kgate-token';
  const file = path.join(options.binDir, windows ? `${name}.cmd` : name);
  writePrivateFile(file, windows ? windowsLauncher(options) : posixLauncher(options), 0o700);
  return file;
}
