/**
 * The globs of role rules decide which clusters, namespaces and API groups a rule reaches:
 * a glob that matches too much grants (or, in a deny rule, refuses) more than the admin wrote.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlobs } from '@kgate/core/rbac';

// [what a user would notice, globs, value, matches]
const rows: Array<[string, string[], string, boolean]> = [
  ['* matches any name', ['*'], 'prod-eu-1', true],
  ['* also matches the empty value (no namespace)', ['*'], '', true],
  ['a plain name matches only itself', ['prod'], 'prod', true],
  ['a plain name does not match a longer name', ['prod'], 'prod-2', false],
  ['a trailing * matches any run', ['dev-*'], 'dev-eu-1', true],
  ['a trailing * matches the empty run', ['dev-*'], 'dev-', true],
  ['a glob is anchored at the start', ['dev-*'], 'predev-1', false],
  ['a glob is anchored at the end', ['*-dev'], 'eu-dev-2', false],
  ['? matches exactly one character', ['dev-?'], 'dev-1', true],
  ['? does not match two characters', ['dev-?'], 'dev-10', false],
  ['? does not match none', ['dev-?'], 'dev-', false],
  ['a glob other than * never matches the empty value', ['team-*', '?*'], '', false],
  ['a dot in an API group glob is a dot, not any character', ['*.example.com'], 'evil.exampleXcom', false],
  ['a dot in an API group glob matches a dot', ['*.example.com'], 'widgets.example.com', true],
  ['a plain API group with a dot matches only itself', ['apps.example.com'], 'appsXexample.com', false],
  ['the empty API group (core) matches only the core group', [''], '', true],
  ['the empty API group does not match apps', [''], 'apps', false],
  ['any glob of the list may match', ['prod', 'dev-*', 'staging-?'], 'staging-3', true],
  ['no glob of the list matching means no match', ['prod', 'dev-*'], 'staging-3', false],
];

for (const [what, globs, value, want] of rows) {
  test(`${what} (${JSON.stringify(globs)} vs ${JSON.stringify(value)})`, () => {
    assert.equal(compileGlobs(globs).matches(value), want);
  });
}

test('only a list holding * itself counts as all', () => {
  assert.equal(compileGlobs(['*']).all, true);
  assert.equal(compileGlobs(['team-*', 'x']).all, false);
});
