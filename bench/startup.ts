/**
 * Shared by the credential-plugin start-up benches (bench/token.ts, bench/oidc-login.ts):
 * build the bundles, then time a plugin run against `node -e 0` side by side, alternating N
 * runs of each, so that load from other processes hits both alike; print the medians, the
 * minimums and their ratios.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

/** The repository root. */
export const root = path.resolve(import.meta.dirname, '..');

/** Builds the CLI's bundles (dist/kgate-token.cjs, dist/kgate-oidc-login.cjs), as the tests do. */
export function buildBundles(): void {
  execFileSync(process.execPath, [path.join(root, 'packages/cli/scripts/build.mjs')], { stdio: 'inherit' });
}

/** One program to time. */
export interface Timed {
  command: string;
  args: string[];
}

/** Runs `program` once with `env`; its wall time in ms. Throws when it fails (a broken setup, not a slow one). */
export function timeOnce(program: Timed, env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(program.command, program.args, { env, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${program.command} failed: ${result.stderr}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * Times `subject` against `node -e 0`, `runs` times each, alternating after one warm-up each,
 * and prints the comparison.
 *
 * @returns the median ratio subject / node
 */
export function compareWithNode(
  label: string,
  subject: Timed,
  env: NodeJS.ProcessEnv,
  runs: number,
  target = 1.2,
): number {
  const node: Timed = { command: process.execPath, args: ['-e', '0'] };
  // One warm-up each, so the page cache holds both.
  timeOnce(node, env);
  timeOnce(subject, env);
  const nodeTimes: number[] = [];
  const subjectTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    nodeTimes.push(timeOnce(node, env));
    subjectTimes.push(timeOnce(subject, env));
  }
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const width = Math.max(label.length, 'node -e 0'.length);
  const ratio = median(subjectTimes) / median(nodeTimes);
  console.log(`runs: ${runs} each, alternating (${process.version})`);
  console.log(
    `${'node -e 0'.padEnd(width)}  median ${ms(median(nodeTimes))}  min ${ms(Math.min(...nodeTimes))}`,
  );
  console.log(
    `${label.padEnd(width)}  median ${ms(median(subjectTimes))}  min ${ms(Math.min(...subjectTimes))}`,
  );
  console.log(
    `ratio ${label} / node -e 0: median ${ratio.toFixed(2)}, min ${(Math.min(...subjectTimes) / Math.min(...nodeTimes)).toFixed(2)} (target ≤ ${target})`,
  );
  return ratio;
}
