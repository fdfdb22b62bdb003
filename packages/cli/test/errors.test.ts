import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { coreErrorCodes } from '@kgate/core/errors';
import { cliErrorCodes } from '../src/errors.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(path.join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

test('every error code the CLI raises is documented, with a description', () => {
  const documented = new Set([...Object.keys(cliErrorCodes), ...Object.keys(coreErrorCodes)]);
  const raised = new Set<string>();
  for (const file of sources(path.resolve(import.meta.dirname, '../src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:userError|CliError|KgateError)\(\s*'([A-Z_]+)'/g))
      raised.add(match[1] ?? '');
  }
  assert.ok(raised.size > 10, 'the scan found the raise sites');
  for (const code of raised) assert.ok(documented.has(code), `${code} is documented`);
  for (const [code, entry] of Object.entries(cliErrorCodes)) {
    assert.ok(entry.description.length > 10, `${code} has a description`);
    assert.ok(!(code in coreErrorCodes), `${code} does not shadow a core code`);
  }
});
