/**
 * The one test command (`npm test`): type-check, lint + format check, then every
 * test file with node's test runner. Ends with the line `N passed, N failed` that
 * CI reads.
 *
 * Tests run with HOME pointed at a throw-away directory and KUBECONFIG unset, so
 * that no test can read or write the developer's real ~/.kube or ~/.kgate.
 *
 * Usage: node scripts/test.ts [file-or-glob ...]   (default: every packages/ test)
 */
import { spawnSync } from 'node:child_process';
import { globSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);

const major = Number(process.versions.node.split('.')[0]);
console.log(`kgate tests on Node ${process.version} (${process.execPath})`);
if (major < 24) {
  console.error(
    `Node ${process.version} is too old for the repo's scripts: run them through npm (npm test), which puts the pinned Node 24 from devDependencies first on PATH.`,
  );
  process.exit(1);
}

const args = process.argv.slice(2);
const onlyTests = args.length > 0;
let passed = 0;
let failed = 0;

function step(name: string, command: string, commandArgs: string[]): void {
  const started = Date.now();
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', cwd: root });
  const ok = result.status === 0;
  console.log(`${ok ? '✔' : '✖'} ${name} (${Date.now() - started} ms)`);
  if (ok) passed++;
  else failed++;
}

// Always, even for one test file: tests run the credential-plugin bundle as kubectl does,
// and a stale bundle would test old code. Takes well under a second.
step('build (kgate token bundle)', process.execPath, [path.join(root, 'packages/cli/scripts/build.mjs')]);

if (!onlyTests) {
  const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
  step('typecheck (tsc --noEmit, strict)', bin('tsc'), ['-p', 'tsconfig.json']);
  step('lint and format (biome check)', bin('biome'), ['check', '--error-on-warnings', '.']);
}

const patterns = onlyTests ? args : ['packages/*/test/**/*.test.ts'];
const files = patterns.flatMap((p) => globSync(p, { cwd: root })).map((f) => path.resolve(root, f));

const home = mkdtempSync(path.join(tmpdir(), 'kgate-test-home-'));
process.env.HOME = home;
process.env.KGATE_TEST = '1';
delete process.env.KUBECONFIG;

const stream = run({
  files,
  concurrency: 3,
  timeout: 5 * 60_000,
});
stream.on('test:pass', (event) => {
  if (event.details.type !== 'suite') passed++;
});
stream.on('test:fail', (event) => {
  if (event.details.type !== 'suite') failed++;
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  rmSync(home, { recursive: true, force: true });
  // Let the spec reporter flush its summary first.
  setImmediate(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
  });
});
