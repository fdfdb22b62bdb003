/**
 * The login-storm guard. kubectl runs the plugin for every command, and tools (an editor's
 * Kubernetes view, a shell loop, `watch kubectl …`) run kubectl without a terminal again
 * and again: each run whose login does not complete would open one more browser tab. So a
 * login leaves a marker file (`<key>.login-attempt`) while it runs and when it fails; a run
 * without a terminal refuses to start another one while the marker is younger than the window.
 * A run from a terminal is a person asking, and may always try again.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { userError } from '../../errors.ts';
import { writePrivateFile } from '../../infrastructure/private-fs.ts';
import { removeCacheFile } from '../../oidc/cache/files.ts';

/** How long after a login that did not complete no other one is started without a terminal. */
export const LOGIN_STORM_WINDOW_MS = 30_000;

/** The marker of `key`'s logins in `dir`. */
export function attemptMarker(dir: string, key: string): string {
  return path.join(dir, `${key}.login-attempt`);
}

/**
 * Refuses a login when the last one for this key did not complete within the window.
 *
 * @throws {CliError} `OIDC_LOGIN_THROTTLED`
 */
export function checkLoginStorm(marker: string, issuer: string, now = Date.now()): void {
  let mtime: number;
  try {
    mtime = statSync(marker).mtimeMs;
  } catch {
    return;
  }
  const age = now - mtime;
  if (age < 0 || age >= LOGIN_STORM_WINDOW_MS) return;
  throw userError(
    'OIDC_LOGIN_THROTTLED',
    `a login at ${issuer} did not complete ${Math.round(age / 1000)} s ago; not opening another one without a terminal`,
    `run the kubectl command from a terminal to log in, or wait ${Math.ceil((LOGIN_STORM_WINDOW_MS - age) / 1000)} s`,
  );
}

/** Marks a login as started, or as failed (the window starts again from now). */
export function markLoginAttempt(marker: string): void {
  writePrivateFile(marker, `${JSON.stringify({ pid: process.pid, at: new Date().toISOString() })}\n`);
}

/** A login completed: no guard any more. */
export function clearLoginAttempt(marker: string): void {
  removeCacheFile(marker);
}

/** Removes every marker in `dir` (`clean`); how many there were. */
export function clearLoginAttempts(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  return names.filter(
    (name) => /^[0-9a-f]{64}\.login-attempt$/.test(name) && removeCacheFile(path.join(dir, name)),
  ).length;
}
