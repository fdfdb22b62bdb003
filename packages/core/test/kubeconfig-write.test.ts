import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import {
  type Config,
  parseKubeconfig,
  serializeKubeconfig,
  writeKubeconfigFile,
} from '@kgate/core/kubeconfig';

const config: Config = {
  clusters: [{ name: 'c', cluster: { server: 'https://c.example.com' } }],
  users: [{ name: 'u', user: { token: 'secret' } }],
  contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
  'current-context': 'x',
};

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kgate-kubeconfig-write-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fresh(name: string): Promise<string> {
  const sub = path.join(dir, name);
  await mkdir(sub, { recursive: true });
  return sub;
}

const mode = async (file: string) => (await stat(file)).mode & 0o777;

test('writing a new kubeconfig creates it (and its directory) private: file 0600, directory 0700', async () => {
  const file = path.join(dir, 'new-home/.kube/config');
  const written = await writeKubeconfigFile(file, config);
  assert.equal(written, file);
  assert.equal(await mode(file), 0o600);
  assert.equal(await mode(path.dirname(file)), 0o700);
  assert.deepEqual(parseKubeconfig(await readFile(file, 'utf8')), {
    apiVersion: 'v1',
    kind: 'Config',
    ...config,
  });
  assert.deepEqual(await readdir(path.dirname(file)), ['config'], 'no temp file is left');
});

test('replacing a world-readable 0644 kubeconfig leaves it 0600 and leaves no temp file', async () => {
  const sub = await fresh('replace');
  const file = path.join(sub, 'config');
  await writeFile(file, 'old: true\n', { mode: 0o644 });
  await chmod(file, 0o644);
  await writeKubeconfigFile(file, config);
  assert.equal(await mode(file), 0o600);
  assert.equal(await readFile(file, 'utf8'), serializeKubeconfig(config));
  assert.deepEqual(await readdir(sub), ['config']);
});

test('a kubeconfig that is a symbolic link is refused, naming the link and its target', async () => {
  const sub = await fresh('link');
  const real = path.join(sub, 'real-config');
  const link = path.join(sub, 'config');
  await writeFile(real, 'original\n');
  await symlink('real-config', link);
  await assert.rejects(writeKubeconfigFile(link, config), (error) => {
    assert.ok(isKgateError(error, 'KUBECONFIG_UNSAFE_PATH'));
    assert.equal(error.message, `kubeconfig ${link} is a symbolic link to ${real}; not writing through it`);
    assert.match(error.hint ?? '', /followSymlinks/);
    return true;
  });
  assert.equal(await readFile(real, 'utf8'), 'original\n');
  assert.deepEqual((await readdir(sub)).sort(), ['config', 'real-config']);
});

test('with followSymlinks the file the link points to is written and the link stays a link', async () => {
  const sub = await fresh('follow');
  const targetDir = await fresh('follow/dotfiles');
  const real = path.join(targetDir, 'kubeconfig');
  const link = path.join(sub, 'config');
  await writeFile(real, 'original\n', { mode: 0o644 });
  await symlink(real, link);
  const written = await writeKubeconfigFile(link, config, { followSymlinks: true });
  assert.equal(written, real);
  assert.equal(await readFile(link, 'utf8'), serializeKubeconfig(config));
  assert.equal(await mode(real), 0o600);
  assert.deepEqual(await readdir(targetDir), ['kubeconfig']);
  // A dangling link is followed to where its target will be.
  const dangling = path.join(sub, 'dangling');
  await symlink(path.join(targetDir, 'later'), dangling);
  assert.equal(
    await writeKubeconfigFile(dangling, config, { followSymlinks: true }),
    path.join(targetDir, 'later'),
  );
});

test('a kubeconfig path that is a directory is refused', async () => {
  const sub = await fresh('dir-target');
  await mkdir(path.join(sub, 'config'));
  await assert.rejects(writeKubeconfigFile(path.join(sub, 'config'), config), (error) => {
    assert.ok(isKgateError(error, 'KUBECONFIG_UNSAFE_PATH'));
    assert.match(error.message, /is not a regular file/);
    return true;
  });
});

/**
 * Makes `target` unwritable even for root: `chattr +i` where we are root (permission
 * bits do not stop root), else chmod. Returns an undo, or undefined when neither works.
 */
function makeUnwritable(target: string, isDirectory: boolean): (() => Promise<void>) | undefined {
  if (process.getuid?.() === 0) {
    try {
      execFileSync('chattr', ['+i', target], { stdio: 'ignore' });
      return async () => {
        execFileSync('chattr', ['-i', target], { stdio: 'ignore' });
      };
    } catch {
      return undefined;
    }
  }
  if (!isDirectory) return undefined;
  execFileSync('chmod', ['0500', target]);
  return async () => chmod(target, 0o700);
}

async function unwritableOrSkip(t: TestContext, target: string, isDirectory: boolean): Promise<boolean> {
  const undo = makeUnwritable(target, isDirectory);
  if (undo === undefined) {
    t.skip('cannot make a path unwritable here (root without chattr)');
    return false;
  }
  t.after(undo);
  return true;
}

test('a failed write (read-only directory) leaves the old kubeconfig intact and no temp file', async (t) => {
  const sub = await fresh('readonly');
  const file = path.join(sub, 'config');
  await writeFile(file, 'old contents\n', { mode: 0o644 });
  if (!(await unwritableOrSkip(t, sub, true))) return;
  await assert.rejects(writeKubeconfigFile(file, config), (error) => {
    assert.ok(isKgateError(error, 'KUBECONFIG_WRITE_FAILED'));
    assert.ok(error.message.startsWith(`could not write kubeconfig ${file}: `));
    assert.ok(error.cause);
    return true;
  });
  assert.equal(await readFile(file, 'utf8'), 'old contents\n');
  assert.deepEqual(await readdir(sub), ['config']);
});

test('a write that fails after the temp file exists (target cannot be replaced) removes the temp file', async (t) => {
  const sub = await fresh('immutable-target');
  const file = path.join(sub, 'config');
  await writeFile(file, 'old contents\n');
  // Only root can make a file immutable; an unprivileged user has no way to make rename fail here.
  if (!(await unwritableOrSkip(t, file, false))) return;
  await assert.rejects(writeKubeconfigFile(file, config), (error) =>
    isKgateError(error, 'KUBECONFIG_WRITE_FAILED'),
  );
  assert.equal(await readFile(file, 'utf8'), 'old contents\n');
  assert.deepEqual(await readdir(sub), ['config']);
});
